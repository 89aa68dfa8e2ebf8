import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeatureStore, RedisFeatureBackend } from "@aisle/ml";
import {
  ActivityStore,
  decodeActivity,
  FeatureUpdater,
  RedisEventStream,
  type ActivityEvent,
  type EventStream,
  type ProductFacts,
} from "@aisle/user-profile";
import { testLog } from "./quiet-log.ts";

/* The event pipeline on real Redis: a stream with a consumer group, the feature store, and an updater that dies. */

const REDIS_URL = "redis://127.0.0.1:6379";
const prefix = `aisle-test:${randomUUID()}`;
const facts = (): ProductFacts => ({
  categoryId: "c-1",
  departmentId: "d-1",
  brandId: "b-1",
  priceMinor: 900,
});
let redis: Redis;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  for (const close of closers) await close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

function setup(name: string) {
  const stream = new RedisEventStream({ url: REDIS_URL, key: `${prefix}:${name}:stream`, log: testLog });
  const features = new FeatureStore({
    backend: new RedisFeatureBackend({ url: REDIS_URL, commandTimeoutMs: 500, log: testLog }),
    namespace: `${prefix}:${name}:features`,
    timeoutMs: 500,
    cacheTtlMs: 0,
  });
  closers.push(
    () => stream.close(),
    () => features.close(),
  );
  return { stream, store: new ActivityStore(features, () => null) };
}

function events(count: number, users: number): ActivityEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `e-${i}`,
    userId: `u${i % users}`,
    type: i % 5 === 0 ? ("purchase" as const) : ("view" as const),
    productId: `p-${i}`,
    query: null,
    at: 1_000 + i,
    receivedAt: Date.now(),
    device: "web",
    surface: "home",
  }));
}

async function totals(store: ActivityStore, users: number) {
  const { values } = await store.read(Array.from({ length: users }, (_, i) => `u${i}`));
  return values
    .map(decodeActivity)
    .reduce(
      (sum, a) => ({ views: sum.views + a.counts.views, purchases: sum.purchases + a.counts.purchases }),
      { views: 0, purchases: 0 },
    );
}

function dieBeforeAck(inner: EventStream): EventStream {
  return {
    kind: inner.kind,
    append: (e) => inner.append(e),
    read: (c, n, b) => inner.read(c, n, b),
    range: (a, n) => inner.range(a, n),
    pendingCount: () => inner.pendingCount(),
    close: async () => {},
    ack: async () => {
      throw new Error("killed mid-batch");
    },
  };
}

describe("behaviour events on Redis Streams", () => {
  it("an updater killed mid-batch loses no event after restart, and the replay does not double-count", async () => {
    const { stream, store } = setup("kill");
    await stream.append(events(50, 4));
    const dying = new FeatureUpdater(dieBeforeAck(stream), store, facts, {
      consumer: "updater-1",
      batchSize: 20,
      log: testLog,
    });
    await expect(dying.runOnce(0)).rejects.toThrow("killed mid-batch");
    expect(await stream.pendingCount()).toBe(20);

    const restarted = new FeatureUpdater(stream, store, facts, {
      consumer: "updater-1",
      batchSize: 20,
      log: testLog,
    });
    while ((await restarted.runOnce(0)) > 0);
    expect(restarted.stats.duplicates).toBe(20);
    expect(restarted.stats.applied).toBe(30);
    expect(await totals(store, 4)).toEqual({ views: 40, purchases: 10 });
    expect(await stream.pendingCount()).toBe(0);

    // Appending the same events again (a client retry) changes nothing either.
    await stream.append(events(50, 4));
    while ((await restarted.runOnce(0)) > 0);
    expect(await totals(store, 4)).toEqual({ views: 40, purchases: 10 });
  });

  it("a background updater makes events visible in the features quickly", async () => {
    const { stream, store } = setup("live");
    const updater = new FeatureUpdater(stream, store, facts, {
      consumer: "updater-live",
      blockMs: 100,
      log: testLog,
    });
    updater.start();
    await stream.append(events(10, 1));
    for (let i = 0; i < 100 && (await totals(store, 1)).views < 8; i++)
      await new Promise((r) => setTimeout(r, 20));
    await updater.stop();
    expect(await totals(store, 1)).toEqual({ views: 8, purchases: 2 });
    expect(updater.stats.latencyP50Ms).not.toBeNull();
  });

  it("recreates a lost stream and consumer group (NOGROUP) and applies the events appended since", async () => {
    const { stream, store } = setup("regroup");
    const updater = new FeatureUpdater(stream, store, facts, { consumer: "updater-regroup", log: testLog });
    await stream.append(events(5, 1));
    while ((await updater.runOnce(0)) > 0);
    expect(await totals(store, 1)).toEqual({ views: 4, purchases: 1 });

    // What a Redis restarted empty does to the stream: key and group gone; the next XADD recreates the key only.
    await redis.del(stream.key);
    await stream.append(events(10, 1).slice(5));
    while ((await updater.runOnce(0)) > 0);
    expect(await totals(store, 1)).toEqual({ views: 8, purchases: 2 });
    expect(stream.groupsCreated).toBe(2);
    expect(await stream.pendingCount()).toBe(0);
  });
});
