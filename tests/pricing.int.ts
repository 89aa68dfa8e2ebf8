import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSubgraph, type RunningServer } from "@aisle/kit";
import { blackHole, tcpProxy, type FaultyEndpoint, type TcpProxy } from "@aisle/kit/testing";
import { CatalogService } from "@aisle/catalog";
import { pricingModels, pricingSubgraph } from "@aisle/pricing";
import { demoMarket, demoWorld } from "@aisle/world";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import { PricedListingDocument } from "../operations/__generated__/graphql.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";
import { deleteRedisKeys } from "./redis-cleanup.ts";

// The example operation itself (operations/pricing.graphql), as the bench sends it.
const PRICED_LISTING = PricedListingDocument;
const USD = { currency: "USD", region: "US" };
const world = demoWorld();
const market = demoMarket();
// A busy machine must not turn a slow model run into a fallback price in these tests.
const SLOW_MACHINE_ENV = { ML_TIMEOUT_MS_PRICING: "30000" };

interface Price {
  listPrice: { amountMinor: number };
  offeredPrice: { amountMinor: number };
  currency: string;
  discountPercent: number;
  reasonCode: string;
  reason: string | null;
  guardrails: string[];
  elasticity: number | null;
  expectedDailyDemand: number | null;
  modelVersion: string;
  degraded: boolean;
}
interface ListingData {
  productsByCategory: { edges: { node: { id: string; price: Price | null } }[] };
}

describe("pricing through the gateway", () => {
  let supergraph: LocalSupergraph;
  beforeAll(async () => {
    supergraph = await startLocalSupergraph({
      port: 0,
      log: testLog,
      env: { ...process.env, ...SLOW_MACHINE_ENV },
    });
  });
  afterAll(async () => {
    await supergraph?.close();
  });

  it("prices a listing of 20 products with one catalog fetch and one model run", async () => {
    const [model] = pricingModels();
    expect(model).toBeDefined();
    const category = vi.spyOn(CatalogService.prototype, "productsByCategory");
    const byIds = vi.spyOn(CatalogService.prototype, "productsByIds");
    const runsBefore = model!.stats.runs;
    try {
      const result = await postGraphQL<ListingData>(supergraph.url, PRICED_LISTING, {
        categoryId: "c-electronics",
        first: 20,
        context: USD,
      });
      expect(result.body.errors).toBeUndefined();
      const edges = result.body.data!.productsByCategory.edges;
      expect(edges).toHaveLength(20);
      expect(category).toHaveBeenCalledTimes(1);
      expect(byIds).not.toHaveBeenCalled();
      expect(model!.stats.runs - runsBefore).toBe(1);

      for (const { node } of edges) {
        const price = node.price!;
        const economics = market.economics(node.id)!;
        expect(price.listPrice.amountMinor).toBe(economics.listPriceMinor);
        expect(price.offeredPrice.amountMinor).toBeLessThanOrEqual(economics.listPriceMinor);
        expect(price.offeredPrice.amountMinor).toBeGreaterThanOrEqual(Math.ceil(economics.costMinor * 1.05));
        expect(price.offeredPrice.amountMinor).toBeGreaterThanOrEqual(
          Math.ceil(economics.listPriceMinor * 0.7),
        );
        const yesterday = market.state(node.id)!.lastPriceMinor;
        // Max change per day, unless a higher-precedence guardrail (max discount) moved it further.
        if (!price.guardrails.includes("MAX_DISCOUNT")) {
          expect(Math.abs(price.offeredPrice.amountMinor / yesterday - 1)).toBeLessThanOrEqual(0.1 + 1e-9);
        }
        expect(price).toMatchObject({ currency: "USD", modelVersion: "pricing@1.0.0", degraded: false });
        expect(price.elasticity).toBeLessThan(0);
        expect(price.expectedDailyDemand).toBeGreaterThanOrEqual(0);
        expect(price.reason === null).toBe(price.reasonCode === "LIST_PRICE");
      }
    } finally {
      category.mockRestore();
      byIds.mockRestore();
    }
  });

  it("answers in another currency at the fixed rate, and refuses an unsupported one with BAD_USER_INPUT", async () => {
    const usd = await postGraphQL<ListingData>(supergraph.url, PRICED_LISTING, {
      categoryId: "c-books",
      first: 3,
      context: USD,
    });
    const eur = await postGraphQL<ListingData>(supergraph.url, PRICED_LISTING, {
      categoryId: "c-books",
      first: 3,
      context: { currency: "EUR", region: "DE", userId: "42" },
    });
    expect(eur.body.errors).toBeUndefined();
    const usdPrices = usd.body.data!.productsByCategory.edges.map((e) => e.node.price!);
    eur.body.data!.productsByCategory.edges.forEach((e, i) => {
      expect(e.node.price!.currency).toBe("EUR");
      expect(e.node.price!.listPrice.amountMinor).toBe(
        Math.round(usdPrices[i]!.listPrice.amountMinor * 0.92),
      );
    });
    const yen = await postGraphQL(supergraph.url, PRICED_LISTING, {
      categoryId: "c-books",
      first: 2,
      context: { currency: "JPY", region: "JP" },
    });
    expect(new Set(codes(yen))).toEqual(new Set(["BAD_USER_INPUT"]));
    const region = await postGraphQL(supergraph.url, PRICED_LISTING, {
      categoryId: "c-books",
      first: 1,
      context: { currency: "USD", region: "usa" },
    });
    expect(codes(region)).toEqual(["BAD_USER_INPUT"]);
  });

  it("resolves an unknown product's price to null, without an error", async () => {
    const result = await postGraphQL(
      supergraph.subgraphs["pricing"]!,
      `query($r: [_Any!]!, $c: PriceContext!) { _entities(representations: $r) { ... on Product { id price(context: $c) { offeredPrice { amountMinor } } } } }`,
      {
        r: [
          { __typename: "Product", id: "p-1" },
          { __typename: "Product", id: "p-nope" },
        ],
        c: USD,
      },
    );
    expect(result.body.errors).toBeUndefined();
    const entities = result.body.data!["_entities"] as { id: string; price: unknown }[];
    expect(entities[0]!.price).not.toBeNull();
    expect(entities[1]).toEqual({ id: "p-nope", price: null });
  });
});

// ---- Redis: a real one behind a proxy we can cut, and a dead endpoint -----------------------------------

const NAMESPACE = `aisle:test:pricing:${process.pid}`;
const ENTITIES = `query($r: [_Any!]!, $c: PriceContext!) { _entities(representations: $r) { ... on Product { id price(context: $c) { offeredPrice { amountMinor } reasonCode modelVersion degraded } } } }`;
const representations = (ids: readonly string[]) => ids.map((id) => ({ __typename: "Product", id }));

interface EntityPrice {
  id: string;
  price: {
    offeredPrice: { amountMinor: number };
    reasonCode: string;
    modelVersion: string;
    degraded: boolean;
  };
}

async function cleanRedis(): Promise<void> {
  await deleteRedisKeys(`${NAMESPACE}:*`);
}

const redisEnv = (port: number, namespace: string) => ({
  ...process.env,
  ...SLOW_MACHINE_ENV,
  FEATURE_STORE: "redis",
  REDIS_URL: `redis://127.0.0.1:${port}`,
  FEATURE_KEY_NAMESPACE: namespace,
  FEATURE_STORE_TIMEOUT_MS: "200",
  // A short in-process cache, so that cached values go stale within the test.
  FEATURE_CACHE_TTL_MS: "50",
  PRICING_SEED_FEATURES: "always",
});

describe("pricing with Redis features", () => {
  let proxy: TcpProxy;
  let pricing: RunningServer;
  const seen = world.products.slice(0, 20).map((p) => p.id);
  const others = world.products.slice(20, 30).map((p) => p.id);

  beforeAll(async () => {
    proxy = await tcpProxy(6379);
    pricing = await startSubgraph(pricingSubgraph, {
      port: 0,
      log: testLog,
      env: redisEnv(proxy.port, `${NAMESPACE}:proxied`),
    });
  });
  afterAll(async () => {
    await pricing?.close();
    await proxy?.close().catch(() => {});
    await cleanRedis();
  });

  const ask = (ids: readonly string[]) =>
    postGraphQL<{ _entities: EntityPrice[] }>(pricing.url, ENTITIES, { r: representations(ids), c: USD });

  it("prices from Redis features while Redis is up", async () => {
    const result = await ask(seen);
    expect(result.body.errors).toBeUndefined();
    for (const entity of result.body.data!._entities) {
      expect(entity.price).toMatchObject({ degraded: false, modelVersion: "pricing@1.0.0" });
    }
  });

  it("keeps answering when Redis goes away mid-load: degraded, no errors", async () => {
    const inFlight = Array.from({ length: 8 }, (_, i) => ask(i % 2 === 0 ? seen : others));
    await proxy.close();
    const during = await Promise.all(inFlight);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the 50 ms cache is now stale
    const after = await ask([...seen, ...others]);
    for (const result of [...during, after]) {
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data!._entities.every((e) => e.price !== null)).toBe(true);
    }
    const prices = after.body.data!._entities;
    expect(prices.every((e) => e.price.degraded)).toBe(true);
    // Features still in the in-process cache serve as stale values (modelled, degraded); without them the
    // price falls back to list (degraded). Either way an answer, never an error.
    for (const entity of prices) {
      if (entity.price.modelVersion === "none") {
        expect(entity.price.reasonCode).toBe("FALLBACK");
        expect(entity.price.offeredPrice.amountMinor).toBe(market.economics(entity.id)!.listPriceMinor);
      } else {
        expect(entity.price.modelVersion).toBe("pricing@1.0.0");
      }
    }
    // The products priced before the cut were read into the cache, so they stay modelled.
    expect(prices.slice(0, seen.length).filter((e) => e.price.modelVersion === "none")).toEqual([]);
  });
});

describe("pricing with an unresponsive Redis", () => {
  let hole: FaultyEndpoint;
  let pricing: RunningServer;

  beforeAll(async () => {
    hole = await blackHole();
    pricing = await startSubgraph(pricingSubgraph, {
      port: 0,
      log: testLog,
      env: redisEnv(hole.port, `${NAMESPACE}:dead`),
    });
  });
  afterAll(async () => {
    await pricing?.close();
    await hole?.close();
  });

  it("starts anyway and answers list prices flagged degraded, without errors", async () => {
    const ids = world.products.slice(0, 20).map((p) => p.id);
    const result = await postGraphQL<{ _entities: EntityPrice[] }>(pricing.url, ENTITIES, {
      r: representations(ids),
      c: USD,
    });
    expect(result.body.errors).toBeUndefined();
    for (const entity of result.body.data!._entities) {
      expect(entity.price).toMatchObject({ degraded: true, reasonCode: "FALLBACK", modelVersion: "none" });
      expect(entity.price.offeredPrice.amountMinor).toBe(market.economics(entity.id)!.listPriceMinor);
    }
  });
});
