import { defineFeatureSet } from "@aisle/ml";
import type { MarketState } from "@aisle/world";

/**
 * The product features pricing reads from the feature store (one MGET per request). `-1` / `0` defaults mean
 * "unknown": a product without features is offered its list price.
 */
export const productDemandFeatures = defineFeatureSet({
  name: "product-demand",
  version: 1,
  keyPrefix: "pd",
  fields: {
    stockLevel: { default: -1, description: "Units in stock now; -1 when unknown." },
    regularUnitsPerDay7: {
      default: -1,
      description:
        "Mean units sold per day over the last 7 days at a regular price (≥ 90 % of list); -1 unknown.",
    },
    regularUnitsPerDay28: { default: -1, description: "The same over the last 28 days; -1 unknown." },
    lastPriceMinor: {
      default: 0,
      description: "Yesterday's offered price in US cents (the max-change-per-day reference); 0 unknown.",
    },
  },
});

export type ProductDemandFeatures = typeof productDemandFeatures.defaults;

/** The feature record of a demo-world product (the seed of the memory backend). */
export function featuresFromMarket(state: MarketState): ProductDemandFeatures {
  return {
    stockLevel: state.stockLevel,
    regularUnitsPerDay7: round3(state.regularUnitsPerDay7),
    regularUnitsPerDay28: round3(state.regularUnitsPerDay28),
    lastPriceMinor: state.lastPriceMinor,
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Share of weekend days when pricing for a whole week (the model was trained on single days). */
const WEEKEND_SHARE = 2 / 7;
const DAY_MS = 86_400_000;

/** Day of year, 0-based, of a UTC date; day 365 of a leap year folds onto 0 (as in training). */
export function dayOfYear(date: Date): number {
  return Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS) % 365;
}

/**
 * The model's `drivers` input for one product on one date: the same definitions as models/pricing/demand.py
 * (DRIVERS). Unknown stock gives a neutral cover of 30 days; unknown demand counts as 0.
 */
export function demandDrivers(features: ProductDemandFeatures, date: Date): number[] {
  const angle = (2 * Math.PI * dayOfYear(date)) / 365;
  const perDay28 = Math.max(0, features.regularUnitsPerDay28);
  const perDay7 = Math.max(0, features.regularUnitsPerDay7);
  const recent = Math.log(perDay28 + 0.1);
  const cover =
    features.stockLevel < 0
      ? Math.log(30)
      : Math.min(7, Math.max(-2, Math.log((features.stockLevel + 1) / (perDay28 + 0.1))));
  return [
    Math.sin(angle),
    Math.cos(angle),
    Math.sin(2 * angle),
    Math.cos(2 * angle),
    WEEKEND_SHARE,
    cover,
    recent,
    Math.log(perDay7 + 0.1) - recent,
  ];
}
