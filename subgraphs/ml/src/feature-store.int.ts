import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { blackHole, closedPort, tcpProxy } from "@aisle/kit/testing";
import { RedisFeatureBackend } from "./feature-backends.ts";
import { demand, featureStoreContract, ManualClock } from "./feature-store.contract.ts";
import { FeatureStore } from "./feature-store.ts";
import { createFeatureStore, featureStoreConfigFromEnv } from "./config.ts";
import { deleteRedisKeys } from "../../../tests/redis-cleanup.ts";
import { startOwnRedis } from "../../../tests/redis-server.ts";

const REDIS_URL = "redis://127.0.0.1:6379";
const PREFIX = `test:ml:${randomUUID()}`;

async function redisUp(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
const up = await redisUp();
if (!up) process.stderr.write("Redis is not running on 127.0.0.1:6379: feature store Redis tests skipped\n");

/** Deletes every key this file wrote. */
async function cleanUp(): Promise<void> {
  await deleteRedisKeys(`${PREFIX}*`);
}

afterAll(async () => {
  if (up) await cleanUp();
});

describe.skipIf(!up)("FeatureStore on the real Redis", () => {
  featureStoreContract(
    "redis",
    () => new RedisFeatureBackend({ url: REDIS_URL, commandTimeoutMs: 2_000 }),
    `${PREFIX}:contract`,
  );

  it("writes values that expire when the set has a TTL", async () => {
    const store = new FeatureStore({
      backend: new RedisFeatureBackend({ url: REDIS_URL, commandTimeoutMs: 2_000 }),
      namespace: PREFIX,
    });
    await store.connect(5_000);
    const expiring = { ...demand, ttlSeconds: 60 };
    await store.write(expiring, [["p1", { views7d: 1 }]]);
    const client = new Redis(REDIS_URL);
    const ttl = await client.ttl(store.keyOf(demand, "p1"));
    client.disconnect();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    await store.close();
  });
});

describe("FeatureStore when Redis does not answer", () => {
  it("degrades to defaults when nothing listens on the port, without throwing", async () => {
    const store = new FeatureStore({
      backend: new RedisFeatureBackend({
        url: `redis://127.0.0.1:${await closedPort()}`,
        commandTimeoutMs: 50,
      }),
      namespace: PREFIX,
      timeoutMs: 50,
    });
    expect(await store.connect(100)).toBe(false);
    const read = await store.read(demand, ["p1", "p2"]);
    expect(read).toEqual({
      values: [demand.defaults, demand.defaults],
      degraded: true,
      missing: ["p1", "p2"],
      stale: [],
    });
    expect(store.stats.degradedReads).toBe(1);
    await expect(store.write(demand, [["p1", { views7d: 1 }]])).rejects.toMatchObject({
      extensions: { code: "UNAVAILABLE" },
    });
    expect(
      await store
        .readiness()
        .check()
        .catch(() => false),
    ).toBe(false);
    await store.close();
  });

  it("degrades when a server accepts the connection and never answers", async () => {
    const hole = await blackHole();
    const store = new FeatureStore({
      backend: new RedisFeatureBackend({ url: `redis://127.0.0.1:${hole.port}`, commandTimeoutMs: 50 }),
      namespace: PREFIX,
      timeoutMs: 50,
    });
    const reads = await Promise.all([store.read(demand, ["p1"]), store.read(demand, ["p1", "p2"])]);
    for (const read of reads) expect(read.degraded).toBe(true);
    expect(reads[1]!.missing).toEqual(["p1", "p2"]);
    await store.close();
    await hole.close();
  });

  it.skipIf(!up)("serves the last cached values, flagged stale, when Redis stops answering", async () => {
    const proxy = await tcpProxy(6379);
    const clock = new ManualClock();
    const store = new FeatureStore({
      backend: new RedisFeatureBackend({ url: `redis://127.0.0.1:${proxy.port}`, commandTimeoutMs: 50 }),
      namespace: PREFIX,
      timeoutMs: 50,
      cacheTtlMs: 1_000,
      clock,
    });
    expect(await store.connect(5_000)).toBe(true);
    await store.write(demand, [["p1", { views7d: 42, segment: "hot" }]]);
    store.clearCache();
    expect((await store.read(demand, ["p1"])).values[0]!.views7d).toBe(42);
    clock.advance(5_000); // the cached copy is now expired
    proxy.hang();
    const read = await store.read(demand, ["p1", "p2"]);
    expect(read).toEqual({
      values: [{ ...demand.defaults, views7d: 42, segment: "hot" }, demand.defaults],
      degraded: true,
      missing: ["p2"],
      stale: ["p1"],
    });
    await store.close();
    await proxy.close();
  });
});

describe("FeatureStore on a Redis that restarts empty", () => {
  it("reads of a guarded set are degraded once its build marker is gone, and whole again once rebuilt", async () => {
    const redis = await startOwnRedis();
    const store = new FeatureStore({
      backend: new RedisFeatureBackend({ url: redis.url, commandTimeoutMs: 500 }),
      namespace: PREFIX,
      timeoutMs: 500,
      cacheTtlMs: 0,
    });
    // Checked on every read here (0 ms), so the test need not wait out the default 1 s.
    store.requireBuilt(demand, 0);
    try {
      expect(await store.connect(5_000)).toBe(true);
      expect((await store.read(demand, ["p1"])).degraded).toBe(true); // never built
      await store.write(demand, [["p1", { views7d: 7 }]]);
      await store.markBuilt(demand);
      expect(await store.read(demand, ["p1"])).toMatchObject({ degraded: false, missing: [] });

      await redis.kill9();
      await redis.restart();
      expect(await store.connect(10_000)).toBe(true);
      // The value is gone with the data; without the marker that would pass for "nothing stored".
      const wiped = await store.read(demand, ["p1"]);
      expect(wiped).toMatchObject({ degraded: true, missing: ["p1"] });
      expect(await store.buildState(demand)).toBe("absent");

      expect(await store.claimBuild(demand, 10_000)).toBe(true);
      expect(await store.claimBuild(demand, 10_000)).toBe(false); // one builder at a time
      expect((await store.read(demand, ["p1"])).degraded).toBe(true); // being rebuilt
      await store.write(demand, [["p1", { views7d: 7 }]]);
      await store.markBuilt(demand);
      const rebuilt = await store.read(demand, ["p1"]);
      expect(rebuilt).toMatchObject({ degraded: false, missing: [] });
      expect(rebuilt.values[0]?.views7d).toBe(7);
    } finally {
      await store.close();
      await redis.stop();
    }
  });

  it("a write slower than the read timeout still lands (a start-up seed on a busy machine)", async () => {
    const redis = await startOwnRedis();
    // The defaults: reads are bounded at 50 ms, writes at the store's 500 ms write bound.
    const store = createFeatureStore(
      featureStoreConfigFromEnv({
        FEATURE_STORE: "redis",
        REDIS_URL: redis.url,
        FEATURE_KEY_NAMESPACE: PREFIX,
      }),
    );
    const pauser = new Redis(redis.url);
    try {
      expect(await store.connect(5_000)).toBe(true);
      // Redis holds every write for 150 ms: longer than the read timeout, well inside the write bound.
      await pauser.call("CLIENT", "PAUSE", "150", "WRITE");
      await store.write(demand, [["p1", { views7d: 3 }]]);
      expect((await store.read(demand, ["p1"])).values[0]?.views7d).toBe(3);
    } finally {
      pauser.disconnect();
      await store.close();
      await redis.stop();
    }
  });
});
