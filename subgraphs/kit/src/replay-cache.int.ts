import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import { Redis, redisClient, redisReady } from "./redis.ts";
import { RedisReplayCache } from "./replay-cache.ts";
import { closedPort } from "./testing/network-faults.ts";
import { deleteRedisKeys } from "../../../tests/redis-cleanup.ts";

/* The Redis replay store against the real Redis on 127.0.0.1:6379 (own key prefix), and with Redis down. */

const REDIS_URL = "redis://127.0.0.1:6379";
const PREFIX = `test:replay-cache:${randomUUID().slice(0, 8)}:`;
const admin = new Redis(REDIS_URL);

afterAll(async () => {
  await deleteRedisKeys(`${PREFIX}*`);
  admin.disconnect();
});

function recordingLog() {
  const warnings: string[] = [];
  const log = createLogger("test", "silent");
  const warn = (_fields: unknown, msg: string): void => void warnings.push(msg);
  return { warnings, log: Object.assign(Object.create(log) as typeof log, { warn }) };
}

async function replica(url = REDIS_URL) {
  const { log, warnings } = recordingLog();
  const client = redisClient({ url, name: "replay-test", log });
  if (url === REDIS_URL) expect(await redisReady(client, 5_000)).toBe(true);
  const cache = new RedisReplayCache({ client, prefix: PREFIX, timeoutMs: 1_000, log, ownsClient: true });
  return { cache, warnings };
}

describe("RedisReplayCache on a real Redis", () => {
  it("accepts a nonce once across replicas, and keeps it no longer than the signature's validity", async () => {
    const a = await replica();
    const b = await replica();
    try {
      const nonce = randomUUID();
      const expiresAt = Date.now() + 60_000;
      expect(await a.cache.claim(nonce, expiresAt)).toBe(true);
      expect(await a.cache.claim(nonce, expiresAt)).toBe(false);
      expect(await b.cache.claim(nonce, expiresAt)).toBe(false);
      const ttl = await admin.pttl(`${PREFIX}${nonce}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      // Concurrent claims of one fresh nonce on both replicas: exactly one wins.
      const fresh = randomUUID();
      const wins = await Promise.all([
        ...Array.from({ length: 10 }, () => a.cache.claim(fresh, expiresAt)),
        ...Array.from({ length: 10 }, () => b.cache.claim(fresh, expiresAt)),
      ]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect([...a.warnings, ...b.warnings]).toEqual([]);
    } finally {
      await a.cache.close();
      await b.cache.close();
    }
  });

  it("falls back to the process's memory while Redis is down, with a warning", async () => {
    const down = await replica(`redis://127.0.0.1:${await closedPort()}`);
    try {
      const nonce = randomUUID();
      const expiresAt = Date.now() + 60_000;
      expect(await down.cache.claim(nonce, expiresAt)).toBe(true);
      expect(await down.cache.claim(nonce, expiresAt)).toBe(false);
      expect(down.warnings).toContain(
        "replay cache: Redis did not answer; signatures checked against this process's memory only",
      );
    } finally {
      await down.cache.close();
    }
  });
});
