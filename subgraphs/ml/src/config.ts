import { z } from "zod";
import { env, parseEnv, type Logger } from "@aisle/kit";
import type { BatchedModelOptions } from "./batched-model.ts";
import { MemoryFeatureBackend, RedisFeatureBackend } from "./feature-backends.ts";
import { FeatureStore, featureWriteBoundMs } from "./feature-store.ts";

/** Feature store settings (spread into a subgraph's env shape, or read with featureStoreConfigFromEnv). */
export const featureStoreEnvShape = {
  /** `memory` (embedded default, no Redis needed) or `redis`. Default memory. */
  FEATURE_STORE: z.enum(["memory", "redis"]).default("memory"),
  /** Redis to use when FEATURE_STORE=redis. Default redis://127.0.0.1:6379. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .default("redis://127.0.0.1:6379"),
  /** A feature read slower than this degrades to cached values or defaults. Default 50 ms. */
  FEATURE_STORE_TIMEOUT_MS: env.positiveInt(50),
  /** How long feature values are served from the in-process cache; 0 disables it. Default 2000 ms. */
  FEATURE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(2_000),
  /** Most keys in the in-process cache. Default 50000. */
  FEATURE_CACHE_MAX_ENTRIES: env.positiveInt(50_000),
  /** Prefix of every feature key. Default aisle:features. */
  FEATURE_KEY_NAMESPACE: z.string().min(1).default("aisle:features"),
};
export type FeatureStoreConfig = z.infer<z.ZodObject<typeof featureStoreEnvShape>>;

export function featureStoreConfigFromEnv(
  source: Readonly<Record<string, string | undefined>>,
): FeatureStoreConfig {
  return parseEnv(featureStoreEnvShape, source);
}

/** Builds the feature store a config selects (Redis through the kit's Redis policy; warnings go to `log`). */
export function createFeatureStore(config: FeatureStoreConfig, log?: Logger): FeatureStore {
  const backend =
    config.FEATURE_STORE === "redis"
      ? new RedisFeatureBackend({
          url: config.REDIS_URL,
          commandTimeoutMs: featureWriteBoundMs(config.FEATURE_STORE_TIMEOUT_MS),
          ...(log === undefined ? {} : { log }),
        })
      : new MemoryFeatureBackend();
  return new FeatureStore({
    backend,
    namespace: config.FEATURE_KEY_NAMESPACE,
    timeoutMs: config.FEATURE_STORE_TIMEOUT_MS,
    cacheTtlMs: config.FEATURE_CACHE_TTL_MS,
    cacheMaxEntries: config.FEATURE_CACHE_MAX_ENTRIES,
  });
}

/**
 * Model serving settings. Each may be overridden per model with a suffix of the model name in upper snake
 * case: ML_WORKERS_PAYMENT_RISK=2 runs payment-risk in 2 worker threads while the others stay in-thread.
 */
export const mlEnvShape = {
  /** Folder with manifest.json and the model folders. Default: the repository's models/. */
  ML_MODELS_DIR: z.string().min(1).optional(),
  /** Worker threads per model; 0 runs the model in the event-loop thread. Default 0. */
  ML_WORKERS: z.coerce.number().int().min(0).max(64).default(0),
  /** Most rows per session.run. Default 512. */
  ML_MAX_BATCH_SIZE: env.positiveInt(512),
  /** A model run slower than this fails its rows with TIMEOUT. Default 1000 ms. */
  ML_TIMEOUT_MS: env.positiveInt(1_000),
  /** onnxruntime intra-op threads per session. Default 1. */
  ML_INTRA_OP_THREADS: env.positiveInt(1),
  /** onnxruntime inter-op threads per session. Default 1. */
  ML_INTER_OP_THREADS: env.positiveInt(1),
  /** onnxruntime execution mode. Default sequential. */
  ML_EXECUTION_MODE: z.enum(["sequential", "parallel"]).default("sequential"),
};

const PER_MODEL = [
  "ML_WORKERS",
  "ML_MAX_BATCH_SIZE",
  "ML_TIMEOUT_MS",
  "ML_INTRA_OP_THREADS",
  "ML_INTER_OP_THREADS",
  "ML_EXECUTION_MODE",
] as const;

/** BatchedModel options for one model from the environment (per-model variables win over the global ones). */
export function modelOptionsFromEnv(
  model: string,
  source: Readonly<Record<string, string | undefined>>,
): BatchedModelOptions & { readonly modelsDir?: string } {
  const suffix = `_${model.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
  const merged: Record<string, string | undefined> = { ML_MODELS_DIR: source["ML_MODELS_DIR"] };
  for (const name of PER_MODEL) merged[name] = source[`${name}${suffix}`] ?? source[name];
  let config: z.infer<z.ZodObject<typeof mlEnvShape>>;
  try {
    config = parseEnv(mlEnvShape, merged);
  } catch (error) {
    // Name the per-model variable when that is where the bad value came from.
    throw new Error(`${(error as Error).message}\n  (model ${model}; per-model variables end in ${suffix})`, {
      cause: error,
    });
  }
  return {
    workers: config.ML_WORKERS,
    maxBatchSize: config.ML_MAX_BATCH_SIZE,
    timeoutMs: config.ML_TIMEOUT_MS,
    threads: {
      intraOpNumThreads: config.ML_INTRA_OP_THREADS,
      interOpNumThreads: config.ML_INTER_OP_THREADS,
      executionMode: config.ML_EXECUTION_MODE,
    },
    ...(config.ML_MODELS_DIR === undefined ? {} : { modelsDir: config.ML_MODELS_DIR }),
  };
}
