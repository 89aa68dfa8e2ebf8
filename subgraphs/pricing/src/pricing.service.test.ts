import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@aisle/kit";
import {
  BatchedModel,
  DEFAULT_MODELS_DIR,
  FeatureStore,
  MemoryFeatureBackend,
  ModelRegistry,
} from "@aisle/ml";
import { demoMarket, demoWorld } from "@aisle/world";
import { featuresFromMarket, productDemandFeatures } from "./demand.features.ts";
import { demandContract, DemandVocabulary, type DemandPrediction, type DemandRow } from "./demand.model.ts";
import { StandardGuardrails } from "./guardrails.strategy.ts";
import { ExpectedMarginOptimiser, ListPriceOptimiser, type PriceOptimiser } from "./optimiser.strategy.ts";
import { PricingService } from "./pricing.service.ts";
import { PricingStore } from "./pricing.store.ts";

// The real committed model and the real feature store (memory backend): no mocks.
const world = demoWorld();
const market = demoMarket();
const ids = world.products.slice(0, 300).map((p) => p.id);
const log = createLogger("test", "silent");
let model: BatchedModel<DemandRow, DemandPrediction>;
let features: FeatureStore;
let vocabulary: DemandVocabulary;

beforeAll(async () => {
  const registry = await ModelRegistry.load({ modelsDir: DEFAULT_MODELS_DIR });
  model = await BatchedModel.create(registry, "pricing", demandContract, {
    maxBatchSize: 8192,
    timeoutMs: 30_000,
  });
  vocabulary = await DemandVocabulary.load(DEFAULT_MODELS_DIR);
  features = new FeatureStore({ backend: new MemoryFeatureBackend(), namespace: "test" });
  await features.write(
    productDemandFeatures,
    ids.map((id) => [id, featuresFromMarket(market.state(id)!)] as const),
  );
});
afterAll(async () => {
  await model?.close();
  await features?.close();
});

const guardrails = new StandardGuardrails({
  minMargin: 0.05,
  maxChangePerDay: 0.1,
  maxDiscount: 0.3,
  allowAboveList: false,
  maxAboveList: 0.1,
});

function service(optimiser: PriceOptimiser, withModel = true): PricingService {
  return new PricingService({
    store: new PricingStore(world, market),
    features,
    model: withModel ? model : null,
    vocabulary,
    guardrails,
    optimiser,
    clearanceCoverDays: 90,
    today: () => new Date("2026-11-01T00:00:00Z"),
    log,
  });
}

describe("PricingService", () => {
  const margin = new ExpectedMarginOptimiser({ candidateCount: 15, sellThroughDays: 90, overstockLoss: 0.5 });

  it("prices many products in one model run, in id order, null for unknown ids", async () => {
    const before = model.stats;
    const quotes = await service(margin).quoteMany([...ids, "p-nope"]);
    expect(model.stats.runs - before.runs).toBe(1);
    expect(model.stats.rows - before.rows).toBeLessThanOrEqual(ids.length * 16);
    expect(quotes.at(-1)).toBeNull();
    quotes.slice(0, -1).forEach((quote, i) => expect(quote?.productId).toBe(ids[i]));
  });

  it("keeps every price inside the guardrails and explains every discount", async () => {
    const quotes = await service(margin).quoteMany(ids);
    const reasons = new Map<string, number>();
    for (const quote of quotes) {
      const e = market.economics(quote!.productId)!;
      const yesterday = market.state(quote!.productId)!.lastPriceMinor;
      const window = guardrails.window({
        listMinor: e.listPriceMinor,
        costMinor: e.costMinor,
        lastPriceMinor: yesterday,
      });
      expect(quote!.offeredMinor).toBeGreaterThanOrEqual(window.lowMinor);
      expect(quote!.offeredMinor).toBeLessThanOrEqual(window.highMinor);
      expect(quote!.degraded).toBe(false);
      expect(quote!.reason === null).toBe(quote!.offeredMinor === e.listPriceMinor);
      reasons.set(quote!.reasonCode, (reasons.get(quote!.reasonCode) ?? 0) + 1);
    }
    // The demo world has full-price products, elastic ones worth discounting and overstocked ones.
    expect(reasons.get("LIST_PRICE")).toBeGreaterThan(0);
    expect((reasons.get("PRICE_SENSITIVE") ?? 0) + (reasons.get("CLEARANCE") ?? 0)).toBeGreaterThan(0);
  });

  it("offers list within the guardrails with the list-price strategy, without a model", async () => {
    const quotes = await service(new ListPriceOptimiser(), false).quoteMany(ids.slice(0, 50));
    for (const quote of quotes) {
      const e = market.economics(quote!.productId)!;
      const yesterday = market.state(quote!.productId)!.lastPriceMinor;
      expect(quote!.offeredMinor).toBe(
        guardrails
          .window({ listMinor: e.listPriceMinor, costMinor: e.costMinor, lastPriceMinor: yesterday })
          .clamp(e.listPriceMinor),
      );
      expect(quote!.modelVersion).toBe("none");
    }
  });

  it("offers list for a product without features (nothing to model), not degraded", async () => {
    const [quote] = await service(margin).quoteMany([world.products[5000]!.id]);
    expect(quote).toMatchObject({
      offeredMinor: market.economics(world.products[5000]!.id)!.listPriceMinor,
      degraded: false,
    });
    expect(quote!.reasonCode).toBe("LIST_PRICE");
  });
});
