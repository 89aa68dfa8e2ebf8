import { z } from "zod";
import { env } from "@aisle/kit";
import { featureStoreEnvShape } from "@aisle/ml";
import { attributionEnvShape, eventStreamEnvShape } from "@aisle/behaviour";

/** The recommendation subgraph's variables, parsed once at start (a bad value fails naming the variable). */
export const recommendationEnvShape = {
  ...featureStoreEnvShape,
  /** The behaviour event stream, tailed (never consumed) for the home page's trends. Same as user-profile's. */
  ...eventStreamEnvShape,
  /** The internal secret: attribution tokens are signed with it (user-profile verifies them). */
  ...attributionEnvShape,
  /** How long user-activity features are cached in this process (Redis store only). Default 250 ms. */
  USER_FEATURE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(250),
  /** Seed of re-ranking's exploration (same seed and inputs, same list). Default 20261123. */
  RECOMMENDATION_SEED: z.coerce.number().int().default(20261123),
  /** Business boosts, e.g. `brand:b-nordvik=1.3,category:c-tents=0.8`. Default none. */
  RECOMMENDATION_BOOSTS: z.string().default(""),
  /** MMR trade-off: 1 = relevance only, 0 = diversity only. Default 0.8. */
  RECOMMENDATION_MMR_LAMBDA: z.coerce.number().min(0).max(1).default(0.8),
  /** Share of a feed given to exploration. Default 0.1. */
  RECOMMENDATION_EXPLORATION: z.coerce.number().min(0).max(0.5).default(0.1),
  /** Candidates ranked per request (one model run). Default 300. */
  RECOMMENDATION_CANDIDATES: env.positiveInt(300),
  /**
   * esmm (the ranker model), sequence (user · item of the sequence model alone) or recall-order (no model).
   * Default auto: esmm when the registry holds rec-ranker, else sequence (a log without impressions trains none).
   */
  RECOMMENDATION_RANKER: z.enum(["auto", "esmm", "sequence", "recall-order"]).default("auto"),
};
