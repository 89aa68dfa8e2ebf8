import { describe, expect, it } from "vitest";
import { featureStoreConfigFromEnv, createFeatureStore, modelOptionsFromEnv } from "./config.ts";
import { MemoryFeatureBackend } from "./feature-backends.ts";
import { defineFeatureSet } from "./feature-set.ts";
import { demand, featureStoreContract } from "./feature-store.contract.ts";

featureStoreContract("memory", () => new MemoryFeatureBackend(), "test:ml:memory");

describe("feature sets", () => {
  it("derive defaults and versioned keys", () => {
    expect(demand.defaults).toEqual({ views7d: 0, conversion: 0.02, segment: "unknown", seasonal: false });
    expect(demand.key("p9")).toBe("pd:v1:p9");
  });

  it("refuse bad names and versions", () => {
    expect(() => defineFeatureSet({ name: "Bad Name", version: 1, fields: {} })).toThrow(/kebab-case/);
    expect(() => defineFeatureSet({ name: "ok", version: 0, fields: {} })).toThrow(/positive integer/);
  });
});

describe("configuration", () => {
  it("defaults to the embedded memory store", async () => {
    const config = featureStoreConfigFromEnv({});
    expect(config).toMatchObject({
      FEATURE_STORE: "memory",
      FEATURE_STORE_TIMEOUT_MS: 50,
      FEATURE_CACHE_TTL_MS: 2000,
    });
    const store = createFeatureStore(config);
    expect(store.backendKind).toBe("memory");
    await store.close();
  });

  it("names a bad variable", () => {
    expect(() => featureStoreConfigFromEnv({ FEATURE_STORE: "postgres" })).toThrow(/FEATURE_STORE/);
    expect(() => featureStoreConfigFromEnv({ REDIS_URL: "http://x" })).toThrow(/REDIS_URL: must be a redis/);
  });

  it("reads model options with per-model overrides", () => {
    const env = { ML_WORKERS: "1", ML_WORKERS_PAYMENT_RISK: "2", ML_INTRA_OP_THREADS: "2" };
    expect(modelOptionsFromEnv("pricing", env)).toMatchObject({
      workers: 1,
      maxBatchSize: 512,
      timeoutMs: 1000,
    });
    expect(modelOptionsFromEnv("payment-risk", env)).toMatchObject({
      workers: 2,
      threads: { intraOpNumThreads: 2, interOpNumThreads: 1, executionMode: "sequential" },
    });
    expect(() => modelOptionsFromEnv("pricing", { ML_WORKERS_PRICING: "-1" })).toThrow(
      /ML_WORKERS.*_PRICING/s,
    );
  });
});
