import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogSubgraph } from "@aisle/catalog";
import { signToken, startGateway } from "@aisle/gateway";
import { startSubgraph, type RunningServer } from "@aisle/kit";
import { pricingSubgraph } from "@aisle/pricing";
import { recommendationSubgraph } from "@aisle/recommendation";
import { userProfileRuntime, userProfileSubgraph } from "@aisle/user-profile";
import { demoBehaviour, demoWorld } from "@aisle/world";
import {
  AnonymousHomeFeedDocument,
  ControlledFeedDocument,
  MyOnSaleDocument,
  MyShelvesDocument,
  RecordEventsDocument,
} from "../operations/__generated__/graphql.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

/* The recommendation surfaces through the real gateway: the anonymous home page, buy it again, recently viewed,
   per-request controls with coded errors, reason codes and model versions, and the attribution round trip. */

interface Card {
  score: number;
  reason: string;
  reasonCode: string;
  modelVersion: string;
  position: number;
  attributionToken: string;
  sources?: string[];
  product: { id: string; title: string };
}

const world = demoWorld();
const behaviour = demoBehaviour();
const products = new Map(world.products.map((p) => [p.id, p]));
const departmentOf = new Map(world.categories.map((c) => [c.id, c.parentId ?? c.id]));
/** A shopper who bought one product at least twice (buy it again needs no cadence for them). */
const rebuyer = world.users.find((u) => {
  const counts = new Map<string, number>();
  for (const e of behaviour.events(u.id)) {
    if (e.type === "purchase" && e.productId !== null)
      counts.set(e.productId, (counts.get(e.productId) ?? 0) + 1);
  }
  return [...counts.values()].some((n) => n >= 2);
})!;
const rebought = (() => {
  const counts = new Map<string, number>();
  for (const e of behaviour.events(rebuyer.id))
    if (e.type === "purchase" && e.productId !== null)
      counts.set(e.productId, (counts.get(e.productId) ?? 0) + 1);
  return [...counts.entries()].filter(([, n]) => n >= 2).map(([id]) => id);
})();
const shopper = world.users.find((u) => u.id !== rebuyer.id && behaviour.events(u.id).length > 20)!;

let gatewayUrl = "";
const started: RunningServer[] = [];
let closeGateway: () => Promise<void> = async () => {};
const tokens: Record<string, string> = {};
const bearer = (name: string) => ({ authorization: `Bearer ${tokens[name]}` });

beforeAll(async () => {
  const urls: Record<string, string> = {};
  for (const definition of [catalogSubgraph, userProfileSubgraph, recommendationSubgraph, pricingSubgraph]) {
    const running = await startSubgraph(definition, {
      port: 0,
      log: testLog.child({ service: definition.name }),
    });
    started.push(running);
    urls[definition.name] = running.url;
  }
  const gateway = await startGateway({
    subgraphUrls: urls,
    port: 0,
    log: testLog.child({ service: "gateway" }),
  });
  gatewayUrl = gateway.url;
  closeGateway = () => gateway.close();
  tokens["rebuyer"] = await signToken({ user: rebuyer.id, scopes: ["shopper"] });
  tokens["shopper"] = await signToken({ user: shopper.id, scopes: ["shopper"] });
  tokens["ops"] = await signToken({ user: "svc-ops", scopes: ["service:ops"] });
}, 180_000); // four subgraphs with their models on a shared, busy box
afterAll(async () => {
  await closeGateway();
  await Promise.all(started.map((s) => s.close()));
});

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 8_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function expectCards(cards: Card[], reasonCodes: readonly string[], version: RegExp): void {
  cards.forEach((card, i) => {
    expect(card.position).toBe(i + 1);
    expect(reasonCodes).toContain(card.reasonCode);
    expect(card.modelVersion).toMatch(version);
    expect(card.attributionToken).toMatch(/^at1\./);
    expect(card.product.title).toBe(products.get(card.product.id)!.title);
  });
}

type Home = {
  homeFeed: { modelVersion: string; categoryId: string; trending: Card[]; popularInCategory: Card[] };
};

describe("anonymous home page", () => {
  it("answers without sign-in: trending now and popular in the most trending category", async () => {
    const result = await postGraphQL<Home>(gatewayUrl, AnonymousHomeFeedDocument, { first: 8 });
    expect(result.body.errors).toBeUndefined();
    const home = result.body.data!.homeFeed;
    expect(home.modelVersion).toBe("trending-decay@1");
    expect(home.trending).toHaveLength(8);
    expectCards(home.trending, ["TRENDING"], /^trending-decay@1$/);
    expect(home.popularInCategory.length).toBeGreaterThan(0);
    expectCards(home.popularInCategory, ["POPULAR_IN_CATEGORY"], /^trending-decay@1$/);
    for (const card of home.popularInCategory) {
      const p = products.get(card.product.id)!;
      expect([p.categoryId, departmentOf.get(p.categoryId)]).toContain(home.categoryId);
    }
  });

  it("popular in an asked category; BAD_USER_INPUT for an unknown one", async () => {
    const leaf = world.categories.find((c) => c.parentId !== null)!;
    const result = await postGraphQL<Home>(gatewayUrl, AnonymousHomeFeedDocument, {
      categoryId: leaf.id,
      first: 5,
    });
    expect(result.body.data!.homeFeed.categoryId).toBe(leaf.id);
    for (const card of result.body.data!.homeFeed.popularInCategory)
      expect(products.get(card.product.id)!.categoryId).toBe(leaf.id);
    const bad = await postGraphQL(gatewayUrl, AnonymousHomeFeedDocument, { categoryId: "c-nope" });
    expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
  });

  it("trending follows the behaviour stream: a burst of purchases lifts a product to the top in seconds", async () => {
    const before = (await postGraphQL<Home>(gatewayUrl, AnonymousHomeFeedDocument, { first: 50 })).body.data!
      .homeFeed.trending;
    const shown = new Set(before.map((c) => c.product.id));
    const cold = world.products.find((p) => !shown.has(p.id))!;
    const now = Date.now();
    const events = world.users.slice(0, 40).map((u, i) => ({
      id: `burst-${now}-${i}`,
      userId: u.id,
      type: "purchase",
      productId: cold.id,
      occurredAt: new Date(now - 1000).toISOString(),
    }));
    const recorded = await postGraphQL<{ recordEvents: { accepted: number } }>(
      gatewayUrl,
      RecordEventsDocument,
      { events },
      bearer("ops"),
    );
    expect(recorded.body.data!.recordEvents.accepted).toBe(40);
    const after = await until(
      async () =>
        (await postGraphQL<Home>(gatewayUrl, AnonymousHomeFeedDocument, { first: 3 })).body.data!.homeFeed
          .trending,
      (cards) => cards[0]?.product.id === cold.id,
    );
    expect(after[0]!.product.id).toBe(cold.id);
  });
});

type Feed = { me: { recommendations: Card[] } | null };

describe("per-request controls through the gateway", () => {
  it("strict and relaxed category filters, pins, exclusions and the model version on every item", async () => {
    const leaf = world.categories.find((c) => c.parentId !== null)!;
    const strict = await postGraphQL<Feed>(
      gatewayUrl,
      ControlledFeedDocument,
      { first: 10, controls: { filter: { categoryIds: [leaf.id], mode: "STRICT" } } },
      bearer("shopper"),
    );
    expect(strict.body.errors).toBeUndefined();
    const strictCards = strict.body.data!.me!.recommendations;
    expect(strictCards.length).toBeGreaterThan(0);
    for (const card of strictCards) expect(products.get(card.product.id)!.categoryId).toBe(leaf.id);
    expectCards(
      strictCards,
      [
        "PERSONALIZED",
        "SIMILAR_TO_VIEWED",
        "BOUGHT_TOGETHER",
        "TRENDING",
        "POPULAR_IN_CATEGORY",
        "EXPLORATION",
      ],
      /^rec-user-tower@.+\+rec-ranker@.+$/,
    );

    // Relaxed: the brand's products first, then the rest.
    const plain = (
      await postGraphQL<Feed>(gatewayUrl, ControlledFeedDocument, { first: 20 }, bearer("shopper"))
    ).body.data!.me!.recommendations;
    const brand = products.get(plain[6]!.product.id)!.brandId;
    const relaxed = (
      await postGraphQL<Feed>(
        gatewayUrl,
        ControlledFeedDocument,
        { first: 20, controls: { filter: { brandIds: [brand], mode: "RELAXED" } } },
        bearer("shopper"),
      )
    ).body.data!.me!.recommendations;
    expect(relaxed).toHaveLength(20);
    const inLeaf = relaxed.map((c) => products.get(c.product.id)!.brandId === brand);
    // Matches first, then the rest.
    expect(inLeaf.indexOf(false)).toBeGreaterThan(0);
    expect(inLeaf.slice(inLeaf.indexOf(false)).every((x) => !x)).toBe(true);

    const pin = world.products[7]!.id;
    const excluded = strictCards[0]!.product.id;
    const pinned = (
      await postGraphQL<Feed>(
        gatewayUrl,
        ControlledFeedDocument,
        {
          first: 10,
          controls: { pinIds: [pin], excludeIds: [excluded], diversity: "HIGH", priceLevel: -0.5 },
        },
        bearer("shopper"),
      )
    ).body.data!.me!.recommendations;
    expect(pinned[0]!.product.id).toBe(pin);
    expect(pinned[0]!.reasonCode).toBe("PROMOTED");
    expect(pinned.map((c) => c.product.id)).not.toContain(excluded);
  });

  it("bad controls are coded errors: min above max, too many ids, an unknown enum value", async () => {
    const minAboveMax = await postGraphQL<Feed>(
      gatewayUrl,
      ControlledFeedDocument,
      { controls: { filter: { minPriceMinor: 5000, maxPriceMinor: 100 } } },
      bearer("shopper"),
    );
    expect(codes(minAboveMax)).toEqual(["BAD_USER_INPUT"]);
    expect(minAboveMax.body.errors![0]!.extensions!["field"]).toBe("controls.filter.minPriceMinor");
    const tooMany = await postGraphQL<Feed>(
      gatewayUrl,
      ControlledFeedDocument,
      { controls: { excludeIds: world.products.slice(0, 51).map((p) => p.id) } },
      bearer("shopper"),
    );
    expect(codes(tooMany)).toEqual(["BAD_USER_INPUT"]);
    const unknownEnum = await postGraphQL<Feed>(
      gatewayUrl,
      ControlledFeedDocument,
      { controls: { diversity: "EXTREME" } },
      bearer("shopper"),
    );
    expect(codes(unknownEnum)).toEqual(["BAD_USER_INPUT"]);
  });
});

type Shelves = { me: { buyAgain: Card[]; recentlyViewed: Card[] } | null };

describe("buy it again and recently viewed", () => {
  it("buy it again lists what the shopper bought twice or more", async () => {
    const result = await postGraphQL<Shelves>(
      gatewayUrl,
      MyShelvesDocument,
      { first: 20 },
      bearer("rebuyer"),
    );
    expect(result.body.errors).toBeUndefined();
    const buyAgain = result.body.data!.me!.buyAgain;
    expectCards(buyAgain, ["BUY_AGAIN"], /^buy-again-cadence@1$/);
    const ids = buyAgain.map((c) => c.product.id);
    expect(rebought.some((id) => ids.includes(id))).toBe(true);
  });

  it("recently viewed puts a just-viewed product first", async () => {
    const viewed = world.products[123]!.id;
    const recorded = await postGraphQL<{ recordEvents: { accepted: number } }>(
      gatewayUrl,
      RecordEventsDocument,
      { events: [{ type: "view", productId: viewed, occurredAt: new Date().toISOString() }] },
      bearer("shopper"),
    );
    expect(recorded.body.data!.recordEvents.accepted).toBe(1);
    const shelves = await until(
      async () =>
        (await postGraphQL<Shelves>(gatewayUrl, MyShelvesDocument, { first: 5 }, bearer("shopper"))).body
          .data!.me!,
      (me) => me.recentlyViewed[0]?.product.id === viewed,
    );
    expect(shelves.recentlyViewed[0]!.product.id).toBe(viewed);
    expectCards(shelves.recentlyViewed, ["RECENTLY_VIEWED"], /^recently-viewed@1$/);
  });

  it("an anonymous caller has no shelves (me is null)", async () => {
    const result = await postGraphQL<Shelves>(gatewayUrl, MyShelvesDocument, {}, {});
    expect(result.body.data?.me ?? null).toBeNull();
  });
});

describe("on sale", () => {
  it("joins pricing's discounts through the gateway: only discounted products, most attractive first", async () => {
    const result = await postGraphQL<{ me: { onSale: Card[] } | null }>(
      gatewayUrl,
      MyOnSaleDocument,
      { first: 10 },
      bearer("shopper"),
    );
    expect(result.body.errors).toBeUndefined();
    const cards = result.body.data!.me!.onSale;
    expect(cards.length).toBeGreaterThan(0);
    expectCards(cards, ["ON_SALE"], /^on-sale@1$/);
    for (const card of cards) expect(card.reason).toMatch(/^\d+ % off$/);
  });
});

describe("attribution round trip", () => {
  type Recorded = { recordEvents: { accepted: number; attributed: number } };

  it("a click sent with an item's token is credited to that list; a forged token is BAD_USER_INPUT", async () => {
    const cards = (
      await postGraphQL<Feed>(gatewayUrl, ControlledFeedDocument, { first: 5 }, bearer("shopper"))
    ).body.data!.me!.recommendations;
    const card = cards[2]!;
    const id = `click-${Date.now()}`;
    const click = await postGraphQL<Recorded>(
      gatewayUrl,
      RecordEventsDocument,
      {
        events: [
          {
            id,
            type: "click",
            productId: card.product.id,
            occurredAt: new Date().toISOString(),
            surface: "home",
            attributionToken: card.attributionToken,
          },
        ],
      },
      bearer("shopper"),
    );
    expect(click.body.errors).toBeUndefined();
    expect(click.body.data!.recordEvents).toMatchObject({ accepted: 1, attributed: 1 });
    // The event in the stream carries the list, position and model version.
    const stream = userProfileRuntime.behaviour!.stream;
    let cursor: string | null = null;
    let found: unknown = null;
    for (;;) {
      const page = await stream.range(cursor, 1000);
      if (page.deliveries.length === 0) break;
      cursor = page.next;
      found = page.deliveries.find((d) => d.event.id === id)?.event.attribution ?? found;
    }
    expect(found).toMatchObject({
      position: 3,
      modelVersion: card.modelVersion,
      reasonCode: card.reasonCode,
    });
    expect((found as { listId: string }).listId).toMatch(/^rl-/);

    const [v, payload, mac] = card.attributionToken.split(".");
    const tampered = `${v}.${payload!.slice(0, -2)}AA.${mac}`;
    for (const token of [tampered, cards[1]!.attributionToken]) {
      const refused = await postGraphQL<Recorded>(
        gatewayUrl,
        RecordEventsDocument,
        {
          events: [
            {
              type: "click",
              productId: card.product.id,
              occurredAt: new Date().toISOString(),
              attributionToken: token,
            },
          ],
        },
        bearer("shopper"),
      );
      expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
    }
  });
});
