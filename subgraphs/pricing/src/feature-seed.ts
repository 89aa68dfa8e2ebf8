import type { Logger } from "@aisle/kit";
import type { FeatureStore } from "@aisle/ml";
import { demoWorld, marketFor } from "@aisle/world";
import { featuresFromMarket, productDemandFeatures } from "./demand.features.ts";
import type { PricingStore } from "./pricing.store.ts";

/**
 * Writes the product features from their source of truth here, the demo world's market (about 1 s for
 * 10,000 products: each replays its year), then marks the set built. Resolves the number of products.
 */
export async function seedFeatures(features: FeatureStore, store: PricingStore): Promise<number> {
  const market = marketFor(demoWorld());
  const entries = store.productIds().flatMap((id) => {
    const state = market.state(id);
    return state === null ? [] : [[id, featuresFromMarket(state)] as const];
  });
  for (let i = 0; i < entries.length; i += 2_000)
    await features.write(productDemandFeatures, entries.slice(i, i + 2_000));
  await features.markBuilt(productDemandFeatures);
  return entries.length;
}

export interface FeatureKeeperOptions {
  readonly features: FeatureStore;
  readonly store: PricingStore;
  readonly log: Logger;
  /** How often the build marker is checked. */
  readonly everyMs: number;
  /** How long one reseed may hold its lease before another replica may take over. Default 60 s. */
  readonly leaseMs?: number;
}

/**
 * Keeps the product features whole while pricing owns them (PRICING_SEED_FEATURES): every `everyMs` it
 * checks the set's build marker; when it is gone (the feature Redis restarted empty) it claims the reseed,
 * writes the features again and marks them built. Meanwhile reads are degraded (`requireBuilt`), so prices
 * say `degraded: true` instead of passing list prices off as modelled ones. Returns a stop function.
 */
export function keepFeaturesBuilt(options: FeatureKeeperOptions): () => void {
  const { features, store, log } = options;
  let running = false;
  const check = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      if ((await features.buildState(productDemandFeatures)) !== "absent") return;
      if (!(await features.claimBuild(productDemandFeatures, options.leaseMs ?? 60_000))) return;
      log.warn(
        "product features are gone (feature store restarted empty?); reseeding, prices degraded meanwhile",
      );
      const started = Date.now();
      const products = await seedFeatures(features, store);
      log.info({ products, ms: Date.now() - started }, "product features reseeded");
    } catch (error) {
      log.warn({ err: error }, "could not reseed product features; retrying");
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), options.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
