import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { FeatureBackend } from "./feature-backends.ts";
import { defineFeatureSet } from "./feature-set.ts";
import { FeatureStore } from "./feature-store.ts";

/** A clock the tests step by hand, so TTL tests never sleep. */
export class ManualClock {
  #now = 1_000;
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

export const demand = defineFeatureSet({
  name: "product-demand",
  version: 1,
  keyPrefix: "pd",
  fields: {
    views7d: { default: 0, description: "Views over 7 days" },
    conversion: { default: 0.02, description: "Orders per view" },
    segment: { default: "unknown", description: "Demand segment" },
    seasonal: { default: false, description: "Whether demand is seasonal" },
  },
});
export const demandV2 = defineFeatureSet({ ...demand, version: 2 });

/**
 * The behaviour every feature backend must give through FeatureStore: run against the in-memory backend
 * (unit) and the real Redis (integration) with the same expectations.
 */
export function featureStoreContract(
  label: string,
  makeBackend: () => FeatureBackend,
  namespace: string,
): void {
  describe(`FeatureStore contract: ${label}`, () => {
    const backend = makeBackend();
    let clock: ManualClock;
    let store: FeatureStore;

    beforeEach(async () => {
      clock = new ManualClock();
      store = new FeatureStore({ backend, namespace, cacheTtlMs: 1_000, clock, timeoutMs: 2_000 });
      expect(await store.connect(5_000)).toBe(true);
      await store.delete(demand, ["p1", "p2", "p3", "p4"]);
      await store.delete(demandV2, ["p1"]);
      store.clearCache();
    });
    afterAll(async () => {
      await backend.close();
    });

    it("reads back what was written, with defaults for fields and records not stored", async () => {
      await store.write(demand, [
        ["p1", { views7d: 120, conversion: 0.05, segment: "hot", seasonal: true }],
        ["p2", { views7d: 3 }],
      ]);
      store.clearCache();
      const read = await store.read(demand, ["p1", "p2", "p3"]);
      expect(read.values).toEqual([
        { views7d: 120, conversion: 0.05, segment: "hot", seasonal: true },
        { views7d: 3, conversion: 0.02, segment: "unknown", seasonal: false },
        demand.defaults,
      ]);
      expect(read).toMatchObject({ degraded: false, missing: ["p3"], stale: [] });
    });

    it("reads a batch of keys in ONE backend round trip, keeping id order and duplicates", async () => {
      await store.write(demand, [
        ["p1", { views7d: 1 }],
        ["p2", { views7d: 2 }],
        ["p3", { views7d: 3 }],
      ]);
      store.clearCache();
      const before = store.stats.backendReads;
      const read = await store.read(demand, ["p3", "p1", "p4", "p3", "p2"]);
      expect(read.values.map((v) => v.views7d)).toEqual([3, 1, 0, 3, 2]);
      expect(store.stats.backendReads - before).toBe(1);
      expect(read.missing).toEqual(["p4"]);
    });

    it("namespaces keys by set, version and store namespace", async () => {
      expect(store.keyOf(demand, "p1")).toBe(`${namespace}:pd:v1:p1`);
      await store.write(demand, [["p1", { views7d: 9 }]]);
      store.clearCache();
      const v2 = await store.read(demandV2, ["p1"]);
      expect(v2.values[0]).toEqual(demand.defaults);
      expect(v2.missing).toEqual(["p1"]);
      const other = new FeatureStore({ backend, namespace: `${namespace}:other` });
      expect((await other.read(demand, ["p1"])).missing).toEqual(["p1"]);
    });

    it("ignores unknown fields and fields of the wrong type", async () => {
      await backend.mset([
        [store.keyOf(demand, "p1"), JSON.stringify({ views7d: "many", conversion: 0.3, x: 1 })],
      ]);
      await backend.mset([[store.keyOf(demand, "p2"), "not json"]]);
      const read = await store.read(demand, ["p1", "p2"]);
      expect(read.values).toEqual([{ ...demand.defaults, conversion: 0.3 }, demand.defaults]);
    });

    it("serves repeated reads from the in-process cache until the TTL passes", async () => {
      await store.write(demand, [["p1", { views7d: 1 }]]);
      store.clearCache();
      expect((await store.readOne(demand, "p1")).value.views7d).toBe(1);
      // Another writer changes the backend behind this store's back.
      await backend.mset([[store.keyOf(demand, "p1"), JSON.stringify({ views7d: 2 })]]);
      const reads = store.stats.backendReads;
      expect((await store.readOne(demand, "p1")).value.views7d).toBe(1);
      expect(store.stats.backendReads).toBe(reads);
      clock.advance(1_001);
      expect((await store.readOne(demand, "p1")).value.views7d).toBe(2);
      expect(store.stats.backendReads).toBe(reads + 1);
    });

    it("makes concurrent misses of the same key share one fetch (single-flight)", async () => {
      await store.write(demand, [["p1", { views7d: 5 }]]);
      store.clearCache();
      const before = store.stats;
      const reads = await Promise.all([
        store.read(demand, ["p1"]),
        store.read(demand, ["p1", "p2"]),
        store.read(demand, ["p1"]),
      ]);
      expect(reads.map((r) => r.values[0]?.views7d)).toEqual([5, 5, 5]);
      const after = store.stats;
      // Read 1 fetches p1; read 2 joins p1 and fetches p2; read 3 joins p1.
      expect(after.backendReads - before.backendReads).toBe(2);
      expect(after.keysFetched - before.keysFetched).toBe(2);
      expect(after.sharedFetches - before.sharedFetches).toBe(2);
    });

    it("deletes records", async () => {
      await store.write(demand, [["p1", { views7d: 5 }]]);
      expect(await store.delete(demand, ["p1", "p4"])).toBe(1);
      expect((await store.readOne(demand, "p1")).missing).toBe(true);
    });

    it("is ready when the backend answers", async () => {
      expect(await store.readiness().check()).toBe(true);
    });
  });
}
