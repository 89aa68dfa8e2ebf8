import { describe, expect, it, vi } from "vitest";
import { createLogger } from "@aisle/kit";
import { FeatureStore, MemoryFeatureBackend } from "@aisle/ml";
import { decodeActivity, type ActivityEvent, type ProductFacts } from "./activity.features.ts";
import { ActivityStore } from "./activity.store.ts";
import { MemoryEventStream, type EventStream } from "./event-stream.ts";
import { FeatureUpdater } from "./feature-updater.ts";

const log = createLogger("test", "silent");
const facts = (): ProductFacts => ({
  categoryId: "c-1",
  departmentId: "d-1",
  brandId: "b-1",
  priceMinor: 500,
});

function events(count: number, users = 3): ActivityEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `e-${i}`,
    userId: `u${i % users}`,
    type: "view" as const,
    productId: `p-${i}`,
    query: null,
    at: i,
    receivedAt: Date.now(),
    device: "web",
    surface: "home",
  }));
}

function setup() {
  const store = new ActivityStore(
    new FeatureStore({ backend: new MemoryFeatureBackend(), cacheTtlMs: 0 }),
    () => null,
  );
  const stream = new MemoryEventStream();
  return { store, stream };
}

async function totalViews(store: ActivityStore, users: string[]): Promise<number> {
  const { values } = await store.read(users);
  return values.reduce((sum, v) => sum + decodeActivity(v).counts.views, 0);
}

/** A stream whose ack fails once: the updater "dies" after writing features, before acknowledging. */
function ackFailsOnce(inner: EventStream): EventStream {
  let failed = false;
  return {
    kind: inner.kind,
    append: (e) => inner.append(e),
    read: (c, n, b) => inner.read(c, n, b),
    range: (a, n) => inner.range(a, n),
    pendingCount: () => inner.pendingCount(),
    close: () => inner.close(),
    ack: async (ids) => {
      if (!failed) {
        failed = true;
        throw new Error("killed before ack");
      }
      await inner.ack(ids);
    },
  };
}

describe("FeatureUpdater (at-least-once, idempotent)", () => {
  it("applies every event exactly once", async () => {
    const { store, stream } = setup();
    await stream.append(events(30));
    const updater = new FeatureUpdater(stream, store, facts, { consumer: "a", batchSize: 8, log });
    while ((await updater.runOnce(0)) > 0);
    expect(await totalViews(store, ["u0", "u1", "u2"])).toBe(30);
    expect(updater.stats.applied).toBe(30);
    expect(await stream.pendingCount()).toBe(0);
    expect(updater.stats.latencyP50Ms).not.toBeNull();
  });

  it("loses nothing and double-counts nothing when killed after writing, before the ack", async () => {
    const { store, stream } = setup();
    await stream.append(events(20));
    const dying = new FeatureUpdater(ackFailsOnce(stream), store, facts, {
      consumer: "a",
      batchSize: 8,
      log,
    });
    await expect(dying.runOnce(0)).rejects.toThrow("killed before ack");
    expect(await stream.pendingCount()).toBe(8);
    // The restarted updater (same consumer name) gets its pending batch back first.
    const restarted = new FeatureUpdater(stream, store, facts, { consumer: "a", batchSize: 8, log });
    while ((await restarted.runOnce(0)) > 0);
    expect(restarted.stats.duplicates).toBe(8);
    expect(await totalViews(store, ["u0", "u1", "u2"])).toBe(20);
    expect(await stream.pendingCount()).toBe(0);
  });

  it("loses nothing when killed before writing (the feature store is down)", async () => {
    const { store, stream } = setup();
    await stream.append(events(10));
    /** A backend that is down: every read fails. */
    class DownBackend extends MemoryFeatureBackend {
      override async mget(): Promise<(string | null)[]> {
        throw new Error("down");
      }
    }
    const broken = new ActivityStore(
      new FeatureStore({ backend: new DownBackend(), cacheTtlMs: 0 }),
      () => null,
    );
    const dying = new FeatureUpdater(stream, broken, facts, { consumer: "a", batchSize: 8, log });
    await expect(dying.runOnce(0)).rejects.toThrow(/unavailable/);
    const restarted = new FeatureUpdater(stream, store, facts, { consumer: "a", batchSize: 8, log });
    while ((await restarted.runOnce(0)) > 0);
    expect(await totalViews(store, ["u0", "u1", "u2"])).toBe(10);
  });

  it("runs in the background and stops cleanly", async () => {
    const { store, stream } = setup();
    const updater = new FeatureUpdater(stream, store, facts, { consumer: "a", blockMs: 20, log });
    updater.start();
    await stream.append(events(5, 1));
    for (let i = 0; i < 100 && (await totalViews(store, ["u0"])) < 5; i++)
      await new Promise((r) => setTimeout(r, 10));
    await updater.stop();
    expect(await totalViews(store, ["u0"])).toBe(5);
  });

  it("while its stream fails, logs once, then at most every warnEveryMs, and once on recovery", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    try {
      const { store, stream } = setup();
      let down = true;
      const flaky: EventStream = {
        kind: stream.kind,
        append: (e) => stream.append(e),
        read: async (c, n, b) => {
          if (down) throw new Error("connect ECONNREFUSED");
          return stream.read(c, n, b);
        },
        range: (a, n) => stream.range(a, n),
        ack: (ids) => stream.ack(ids),
        pendingCount: () => stream.pendingCount(),
        close: () => stream.close(),
      };
      const lines: string[] = [];
      const record = (_fields: unknown, msg: string): void => void lines.push(msg);
      const recording = Object.assign(Object.create(log) as typeof log, { warn: record, info: record });
      const updater = new FeatureUpdater(flaky, store, facts, {
        consumer: "a",
        blockMs: 50,
        log: recording,
        warnEveryMs: 10_000,
      });
      updater.start();
      await vi.advanceTimersByTimeAsync(25_000);
      const failures = updater.stats.failures;
      down = false;
      await stream.append(events(3, 1));
      await vi.advanceTimersByTimeAsync(2_000);
      const stopped = updater.stop();
      await vi.advanceTimersByTimeAsync(1_000);
      await stopped;
      // Every 100 ms doubling to 1 s: some 30 failed attempts, three lines about them.
      expect(failures).toBeGreaterThan(20);
      expect(lines.filter((l) => !l.startsWith("activity features"))).toEqual([
        "feature updater batch failed; events stay pending, retrying",
        "feature updater still failing; events stay pending",
        "feature updater still failing; events stay pending",
        "feature updater recovered",
      ]);
      expect(await totalViews(store, ["u0"])).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
