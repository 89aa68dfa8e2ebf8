import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogSubgraph } from "@aisle/catalog";
import { signToken, startGateway } from "@aisle/gateway";
import { startSubgraph, type RunningServer } from "@aisle/kit";
import { recommendationRuntime, recommendationSubgraph } from "@aisle/recommendation";
import { userProfileRuntime, userProfileSubgraph } from "@aisle/user-profile";
import { demoBehaviour, demoWorld } from "@aisle/world";
import {
  HomeFeedDocument,
  MyBehaviourProfileDocument,
  ProductRecommendationsDocument,
  RecordEventsDocument,
} from "../operations/__generated__/graphql.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

interface Rec {
  score: number;
  reason: string;
  sources: string[];
  product: { id: string; title: string; imageUrls?: string[]; category?: { id: string } };
}

const world = demoWorld();
const behaviour = demoBehaviour();
const products = new Map(world.products.map((p) => [p.id, p]));
const regular = world.users.find(
  (u) => behaviour.events(u.id).filter((e) => e.type === "purchase").length >= 2,
)!;
const newcomers = world.users.filter((u) => behaviour.events(u.id).length === 0);
const stranger = world.users.find((u) => u.id !== regular.id && behaviour.events(u.id).length > 0)!;

/**
 * The subgraphs these operations touch (catalog, user-profile, recommendation) behind the real gateway with the
 * committed supergraph: the other subgraphs are not needed, so they are not started.
 */
interface PartialSupergraph {
  readonly url: string;
  readonly subgraphs: Record<string, string>;
  close(): Promise<void>;
}
async function startPartialSupergraph(): Promise<PartialSupergraph> {
  const started: RunningServer[] = [];
  const subgraphs: Record<string, string> = {};
  for (const definition of [catalogSubgraph, userProfileSubgraph, recommendationSubgraph]) {
    const running = await startSubgraph(definition, {
      port: 0,
      log: testLog.child({ service: definition.name }),
    });
    started.push(running);
    subgraphs[definition.name] = running.url;
  }
  const gateway = await startGateway({
    subgraphUrls: subgraphs,
    port: 0,
    log: testLog.child({ service: "gateway" }),
  });
  return {
    url: gateway.url,
    subgraphs,
    close: async () => {
      await gateway.close();
      await Promise.all(started.map((s) => s.close()));
    },
  };
}

let supergraph: PartialSupergraph;
const tokens: Record<string, string> = {};
const bearer = (name: string) => ({ authorization: `Bearer ${tokens[name]}` });

beforeAll(async () => {
  supergraph = await startPartialSupergraph();
  tokens["regular"] = await signToken({ user: regular.id, scopes: ["shopper"] });
  tokens["new1"] = await signToken({ user: newcomers[0]!.id, scopes: ["shopper"] });
  tokens["new2"] = await signToken({ user: newcomers[1]!.id, scopes: ["shopper"] });
  tokens["stranger"] = await signToken({ user: stranger.id, scopes: ["shopper"] });
  tokens["ops"] = await signToken({ user: "svc-ops", scopes: ["service:ops"] });
});
afterAll(async () => {
  await supergraph?.close();
});

async function feed(token: string, variables: Record<string, unknown> = {}): Promise<Rec[]> {
  const result = await postGraphQL(supergraph.url, HomeFeedDocument, variables, bearer(token));
  expect(result.body.errors).toBeUndefined();
  return (result.body.data!.me as { recommendations: Rec[] }).recommendations;
}

const REASON =
  /^(something new to explore: )?(because you viewed .+|popular in .+|trending now|often bought with .+|viewed together with .+|similar to .+|picked for you)$/;

describe("home feed through the gateway", () => {
  it("gives a shopper with history 20 distinct, explained, diverse products, none already bought", async () => {
    const recs = await feed("regular");
    expect(recs).toHaveLength(20);
    expect(new Set(recs.map((r) => r.product.id)).size).toBe(20);
    const bought = new Set(
      behaviour
        .events(regular.id)
        .filter((e) => e.type === "purchase")
        .map((e) => e.productId),
    );
    for (const r of recs) {
      expect(r.product.title).toBe(products.get(r.product.id)!.title);
      expect(r.product.imageUrls!.length).toBeGreaterThan(0);
      expect(r.reason).toMatch(REASON);
      expect(bought.has(r.product.id)).toBe(false);
    }
    const categories = new Map<string, number>();
    for (const r of recs) {
      const c = products.get(r.product.id)!.categoryId;
      categories.set(c, (categories.get(c) ?? 0) + 1);
    }
    expect(Math.max(...categories.values())).toBeLessThanOrEqual(12);
    // Personal: most of the feed sits in the departments the shopper engaged with (10 departments in all).
    const departmentOf = (id: string) =>
      world.categories.find((c) => c.id === products.get(id)!.categoryId)!.parentId;
    const engaged = new Set(
      behaviour.events(regular.id).flatMap((e) => (e.productId ? [departmentOf(e.productId)] : [])),
    );
    expect(recs.filter((r) => engaged.has(departmentOf(r.product.id))).length).toBeGreaterThanOrEqual(12);
  });

  it("is deterministic for the same inputs", async () => {
    const a = await feed("regular", { first: 10 });
    const b = await feed("regular", { first: 10 });
    expect(b.map((r) => r.product.id)).toEqual(a.map((r) => r.product.id));
  });

  it("gives a new user (no events) popular and contextual products", async () => {
    const recs = await feed("new1");
    expect(recs).toHaveLength(20);
    expect(recs.some((r) => /popular in|trending now/.test(r.reason))).toBe(true);
    const category = world.categories.find((c) => c.parentId !== null)!;
    const browsing = await feed("new1", { context: { categoryId: category.id, surface: "category" } });
    expect(
      browsing.filter((r) => products.get(r.product.id)!.categoryId === category.id).length,
    ).toBeGreaterThanOrEqual(5);
  });

  it("changes the feed after recorded events, and the profile shows them", async () => {
    const before = await feed("new2");
    const leaf =
      world.categories.find((c) => c.slug === "tents") ?? world.categories.find((c) => c.parentId !== null)!;
    const clicked = world.products.filter((p) => p.categoryId === leaf.id).slice(0, 4);
    const now = Date.now();
    const events = clicked.flatMap((p, i) => [
      {
        id: `it-${now}-${i}-v`,
        type: "view",
        productId: p.id,
        occurredAt: new Date(now - 60_000 + i * 1000).toISOString(),
      },
      {
        id: `it-${now}-${i}-c`,
        type: "click",
        productId: p.id,
        occurredAt: new Date(now - 59_000 + i * 1000).toISOString(),
      },
    ]);
    const recorded = await postGraphQL(
      supergraph.url,
      RecordEventsDocument,
      { events: [...events, { type: "warp", occurredAt: "x" }] },
      bearer("new2"),
    );
    const result = recorded.body.data!.recordEvents as {
      accepted: number;
      rejected: { index: number; reasons: string[] }[];
    };
    expect(result.accepted).toBe(8);
    expect(result.rejected.map((r) => r.index)).toEqual([8]);
    // Wait (bounded) until the updater has applied them: freshness is measured in the bench, not asserted here.
    let after = before;
    for (let i = 0; i < 50; i++) {
      after = await feed("new2");
      if (after.filter((r) => products.get(r.product.id)!.categoryId === leaf.id).length >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(after.map((r) => r.product.id)).not.toEqual(before.map((r) => r.product.id));
    expect(
      after.filter((r) => products.get(r.product.id)!.categoryId === leaf.id).length,
    ).toBeGreaterThanOrEqual(3);
    expect(after.some((r) => clicked.some((p) => r.reason.includes(p.title)))).toBe(true);
    const profile = await postGraphQL(supergraph.url, MyBehaviourProfileDocument, {}, bearer("new2"));
    const me = profile.body.data!.me as {
      lifetimeCounts: { clicks: number; views: number };
      interestCategories: { category: { id: string } }[];
      segments: string[];
    };
    expect(me.lifetimeCounts).toMatchObject({ clicks: 4, views: 4 });
    expect(me.interestCategories[0]?.category.id).toBe(leaf.id);
    expect(me.segments).toContain("browser");
  });

  it("refuses another shopper's feed with FORBIDDEN", async () => {
    const result = await postGraphQL(
      supergraph.url,
      `query($id: ID!) { user(id: $id) { id recommendations(first: 3) { score } } }`,
      { id: regular.id },
      bearer("stranger"),
    );
    expect(result.body.data).toEqual({ user: { id: regular.id, recommendations: null } });
    expect(codes(result)).toEqual(["FORBIDDEN"]);
  });

  it("refuses a bad `first` with BAD_USER_INPUT", async () => {
    const result = await postGraphQL(supergraph.url, HomeFeedDocument, { first: 500 }, bearer("regular"));
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
  });

  it("runs each model once per request, whatever the number of candidates", async () => {
    const models = recommendationRuntime.models!;
    models.userTower.resetStats();
    models.ranker!.resetStats();
    await feed("regular");
    expect(models.userTower.stats.runs).toBe(1);
    expect(models.ranker!.stats.runs).toBe(1);
    expect(models.ranker!.stats.rows).toBeGreaterThan(100);
  });
});

describe("product recommendations", () => {
  it("lists similar products (mostly the same category) and products bought together", async () => {
    const product = world.products.find(
      (p) => behaviour.events("1").length >= 0 && p.id === world.products[10]!.id,
    )!;
    const result = await postGraphQL(supergraph.url, ProductRecommendationsDocument, {
      id: product.id,
      first: 8,
    });
    expect(result.body.errors).toBeUndefined();
    const data = result.body.data!.product as { similar: Rec[]; boughtTogether: Rec[] };
    expect(data.similar).toHaveLength(8);
    expect(data.similar.map((r) => r.product.id)).not.toContain(product.id);
    expect(
      data.similar.filter((r) => r.product.category!.id === product.categoryId).length,
    ).toBeGreaterThanOrEqual(4);
    expect(data.boughtTogether.length).toBeGreaterThan(0);
    for (const r of data.boughtTogether) expect(r.reason).toMatch(/^often (bought|viewed) with /);
  });

  it("re-places a catalog product by its new attributes, and refuses a product the catalog does not know", async () => {
    const template = world.products[3]!;
    const moved = world.products.at(-1)!;
    const added = await postGraphQL(
      supergraph.url,
      `mutation($p: RecommendableProductInput!) { upsertRecommendableProduct(product: $p) { id title } }`,
      {
        p: {
          id: moved.id,
          title: "Brand-new thing",
          categoryId: template.categoryId,
          brandId: template.brandId,
          tier: "mid",
          priceMinor: template.listPrice.amountMinor,
        },
      },
      bearer("ops"),
    );
    expect(added.body.errors).toBeUndefined();
    expect(added.body.data).toEqual({ upsertRecommendableProduct: { id: moved.id, title: moved.title } });
    const similar = await postGraphQL(
      supergraph.subgraphs["recommendation"]!,
      `{ _entities(representations: [{ __typename: "Product", id: "${moved.id}" }]) { ... on Product { similar(first: 6) { reason product { id } } boughtTogether(first: 4) { reason } } } }`,
    );
    const entity = (similar.body.data!._entities as { similar: Rec[]; boughtTogether: Rec[] }[])[0]!;
    expect(entity.similar).toHaveLength(6);
    expect(
      entity.similar.filter((r) => products.get(r.product.id)?.categoryId === template.categoryId).length,
    ).toBeGreaterThanOrEqual(4);
    expect(entity.similar[0]?.reason).toMatch(/Brand-new thing/);
    const unknown = await postGraphQL(
      supergraph.url,
      `mutation($p: RecommendableProductInput!) { upsertRecommendableProduct(product: $p) { id } }`,
      {
        p: {
          id: "p-not-in-catalog",
          title: "Ghost",
          categoryId: template.categoryId,
          brandId: template.brandId,
          tier: "mid",
          priceMinor: 1000,
        },
      },
      bearer("ops"),
    );
    expect(unknown.body.data).toBeNull();
    expect(codes(unknown)).toEqual(["NOT_FOUND"]);
    const refused = await postGraphQL(
      supergraph.url,
      `mutation { upsertRecommendableProduct(product: { id: "x", title: "x", categoryId: "c-x", brandId: "b", tier: "mid", priceMinor: 1 }) { id } }`,
      {},
      bearer("regular"),
    );
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
  });

  it("keeps the updater's event-to-feature latency", () => {
    expect(userProfileRuntime.behaviour!.updater.stats.applied).toBeGreaterThanOrEqual(8);
    expect(userProfileRuntime.behaviour!.updater.stats.latencyP99Ms).not.toBeNull();
  });
});
