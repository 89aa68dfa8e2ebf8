import { z } from "zod";
import { env, parseEnv } from "@aisle/kit";
import { featureStoreEnvShape } from "@aisle/ml";

const share = (fallback: number, max = 1) => z.coerce.number().min(0).max(max).default(fallback);

/**
 * The pricing subgraph's settings (environment variables, parsed once at start; a bad value fails the start
 * naming the variable). Guardrails are here so that changing them is a deploy, not a code change.
 */
export const pricingEnvShape = {
  ...featureStoreEnvShape,
  /** Guardrail: the floor is cost × (1 + this). Default 0.05 (5 % over cost). */
  PRICING_MIN_MARGIN: share(0.05, 10),
  /** Guardrail: the offered price moves at most this share of yesterday's price per day. Default 0.10. */
  PRICING_MAX_CHANGE_PER_DAY: share(0.1),
  /** Guardrail: the offered price is at least list × (1 − this). Default 0.30. */
  PRICING_MAX_DISCOUNT: share(0.3, 0.95),
  /** Guardrail: allow prices above the list price. Default false. */
  PRICING_ALLOW_ABOVE_LIST: env.boolean(false),
  /** Guardrail: with PRICING_ALLOW_ABOVE_LIST, at most list × (1 + this). Default 0.10. */
  PRICING_MAX_ABOVE_LIST: share(0.1),
  /** Optimiser: `expected-margin` (the demand model) or `list-price` (kill switch: list within guardrails). */
  PRICING_OPTIMISER: z.enum(["expected-margin", "list-price"]).default("expected-margin"),
  /** Optimiser: candidate prices evaluated per product (one model row each). Default 15. */
  PRICING_CANDIDATES: z.coerce.number().int().min(2).max(64).default(15),
  /** Optimiser: days in which stock should sell; margin is counted over them. Default 90. */
  PRICING_SELL_THROUGH_DAYS: env.positiveInt(90),
  /** Optimiser: share of cost a unit loses if still in stock after the sell-through window. Default 0.5. */
  PRICING_OVERSTOCK_LOSS: share(0.5),
  /** Reasons: stock covering more than this many days of demand at list price is "stock high". Default 90. */
  PRICING_CLEARANCE_COVER_DAYS: env.positiveInt(90),
  /**
   * Write the demo world's product features into the feature store at start: `auto` does it for the memory
   * backend only (Redis is filled by the feature pipeline in production), `always` / `never` force it.
   */
  PRICING_SEED_FEATURES: z.enum(["auto", "always", "never"]).default("auto"),
  /**
   * How often the product features' build marker is checked, ms. Prices are degraded while it is missing
   * (a feature store that lost its data); when pricing seeds the features it also reseeds them then.
   * Default 1000.
   */
  PRICING_FEATURE_CHECK_MS: env.positiveInt(1_000),
  /** The pricing date (season drivers), YYYY-MM-DD. Default: today's UTC date. */
  PRICING_DATE: z.iso.date().optional(),
};

export type PricingConfig = z.infer<z.ZodObject<typeof pricingEnvShape>>;

export function pricingConfigFromEnv(source: Readonly<Record<string, string | undefined>>): PricingConfig {
  return parseEnv(pricingEnvShape, source);
}
