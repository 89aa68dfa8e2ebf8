import { z } from "zod";
import { env } from "@aisle/kit";
import { VELOCITY_ENTITIES } from "./velocity.store.ts";

/** Settings of the payment-risk subgraph (besides the kit's and @aisle/ml's ML_* variables). */
export const paymentRiskEnvShape = {
  /** `embedded` (default): velocity in memory, assessments in an fsync'd NDJSON file. `redis`: both in Redis. */
  RISK_BACKEND: z.enum(["embedded", "redis"]).default("embedded"),
  /** Redis for the `redis` backend. Default redis://127.0.0.1:6379. */
  REDIS_URL: z.string().min(1).default("redis://127.0.0.1:6379"),
  /** Prefix of every Redis key and stream. Default "aisle:risk:". */
  RISK_REDIS_PREFIX: z.string().min(1).default("aisle:risk:"),
  /** Bound on each Redis call (velocity, log); past it the answer is degraded / the record spooled. Default 150 ms. */
  RISK_REDIS_TIMEOUT_MS: env.positiveInt(150),
  /** Folder of the embedded log and of the Redis backend's spool. Default .data/payment-risk (relative to the working directory). */
  RISK_DATA_DIR: z.string().min(1).default(".data/payment-risk"),
  /** A rules file replacing src/rules.config.json (same format, validated at start). */
  RISK_RULES_FILE: z.string().min(1).optional(),
  /**
   * Comma-separated entities whose amount sums are computed (user, paymentMethod, device, ip, emailDomain).
   * Default "user,paymentMethod" (what the model uses): sums cost a scan of the entity's 7-day events.
   */
  RISK_VELOCITY_SUM_ENTITIES: z
    .string()
    .default("user,paymentMethod")
    .transform((value) =>
      value
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== ""),
    )
    .pipe(z.array(z.enum(VELOCITY_ENTITIES))),
  /** Most reasons per assessment. Default 5. */
  RISK_MAX_REASONS: env.positiveInt(5),
  /**
   * Smallest contribution (log-odds above a typical payment) that is reported as a reason. Default 0.5: an
   * ordinary payment gets no reasons rather than a list of trivia.
   */
  RISK_MIN_REASON_CONTRIBUTION: z.coerce.number().min(0).default(0.5),
};
