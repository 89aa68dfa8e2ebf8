import { describe, expect, it } from "vitest";
import { featureDegradedReads, featureReads } from "@aisle/kit";
import { MemoryFeatureBackend } from "./feature-backends.ts";
import { defineFeatureSet } from "./feature-set.ts";
import { FeatureStore } from "./feature-store.ts";

/** A memory backend that can be switched off, as Redis going away. */
class SwitchableBackend extends MemoryFeatureBackend {
  down = false;
  override async mget(keys: readonly string[]): Promise<(string | null)[]> {
    if (this.down) throw new Error("connection refused");
    return super.mget(keys);
  }
}

const set = defineFeatureSet({
  name: "metrics-probe",
  version: 1,
  fields: { views: { default: 0, description: "Views" } },
});

async function count(result: string): Promise<number> {
  const metric = await featureReads.get();
  return (
    metric.values.find((v) => v.labels["store"] === set.name && v.labels["result"] === result)?.value ?? 0
  );
}

async function degraded(): Promise<number> {
  const metric = await featureDegradedReads.get();
  return metric.values.find((v) => v.labels["store"] === set.name)?.value ?? 0;
}

describe("feature-store metrics", () => {
  it("count hits, misses, stale records and degraded reads per feature set", async () => {
    let now = 10_000;
    const backend = new SwitchableBackend();
    const store = new FeatureStore({ backend, cacheTtlMs: 1_000, clock: { now: () => now } });
    await store.write(set, [["p1", { views: 3 }]]);

    await store.read(set, ["p1", "p2", "p3"]);
    expect(await count("hit")).toBe(1);
    expect(await count("miss")).toBe(2);
    expect(await count("stale")).toBe(0);
    expect(await degraded()).toBe(0);

    // The cached p1 expires and the backend goes away: p1 is served stale, p2 from defaults, both degraded.
    now += 5_000;
    backend.down = true;
    const read = await store.read(set, ["p1", "p2"]);
    expect(read.degraded).toBe(true);
    expect(await count("stale")).toBe(1);
    expect(await count("miss")).toBe(3);
    expect(await count("hit")).toBe(1);
    expect(await degraded()).toBe(1);
    await store.close();
  });
});
