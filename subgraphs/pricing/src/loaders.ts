import { defineLoader, type LoaderSpec } from "@aisle/kit";
import type { PriceQuote, PricingService } from "./pricing.service.ts";

export interface PricingLoaders {
  /** USD quotes by product id: every price of one request in one batch (one feature read, one model run). */
  readonly quoteByProductId: LoaderSpec<string, PriceQuote>;
}

/** Largest price batch: 100 products × (15 candidates + list) = 1,600 model rows in one run. */
export const MAX_PRODUCTS_PER_BATCH = 100;

export function createPricingLoaders(service: PricingService): PricingLoaders {
  return {
    quoteByProductId: defineLoader("pricing.quoteByProductId", (ids) => service.quoteMany(ids), {
      maxBatchSize: MAX_PRODUCTS_PER_BATCH,
    }),
  };
}
