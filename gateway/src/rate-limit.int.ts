import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@aisle/kit";
import { blackHole, closedPort } from "@aisle/kit/testing";
import { startLocalSupergraph, type LocalSupergraph } from "../../scripts/local-supergraph.ts";
import { codes, postGraphQL } from "../../tests/graphql-client.ts";
import { signToken } from "./dev-token.ts";
import { startGateway } from "./gateway.ts";
import { RedisRateLimitStore, type RateLimitStore } from "./rate-limit.ts";
import { deleteRedisKeys } from "../../tests/redis-cleanup.ts";

const log = createLogger("rate-limit-test", "silent");
const REDIS_URL = "redis://127.0.0.1:6379";
/** Unique per run, removed afterwards. */
const PREFIX = `aisle-test:rl:${randomUUID()}:`;
const admin = new Redis(REDIS_URL, { lazyConnect: true });

async function cleanUp(): Promise<void> {
  await deleteRedisKeys(`${PREFIX}*`);
}

beforeAll(async () => {
  await admin.connect();
});
afterAll(async () => {
  await cleanUp();
  admin.disconnect();
});

describe("RedisRateLimitStore against a real Redis", () => {
  let store: RedisRateLimitStore;
  const rule = { capacity: 3, refillPerSecond: 1 / 3600 };

  beforeAll(async () => {
    store = new RedisRateLimitStore({ url: REDIS_URL, prefix: PREFIX, timeoutMs: 1_000, log });
  });
  afterAll(async () => {
    await store?.close();
  });

  /** The first commands may race the connection (no offline queue, so they fail open): wait until it is up. */
  async function ready(s: RateLimitStore): Promise<void> {
    // Fail-open answers {remaining: 0}; a live Redis answers 998 for a fresh key of capacity 999.
    for (let i = 0; i < 100; i++) {
      if ((await s.take(`ready-${randomUUID()}`, { capacity: 999, refillPerSecond: 1 })).remaining === 998)
        return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error("Redis store never became ready");
  }

  it("allows a burst of capacity, then refuses with retry-after; keys stay apart", async () => {
    await ready(store);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await store.take("user:a", rule));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[3]!.retryAfterSeconds).toBeGreaterThan(3000);
    expect(results[3]!.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect((await store.take("user:b", rule)).allowed).toBe(true);
    // The bucket lives under the prefix and expires once it would be full again.
    const ttl = await admin.pttl(`${PREFIX}user:a`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3 * 3600 * 1000 + 1000);
  });

  it("is atomic: 40 concurrent takes on a bucket of 10 allow exactly 10", async () => {
    await ready(store);
    const other = new RedisRateLimitStore({ url: REDIS_URL, prefix: PREFIX, timeoutMs: 1_000, log });
    try {
      await ready(other);
      const takes = Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? store : other).take("user:burst", { capacity: 10, refillPerSecond: 1 / 3600 }),
      );
      const allowed = (await Promise.all(takes)).filter((r) => r.allowed).length;
      expect(allowed).toBe(10);
    } finally {
      await other.close();
    }
  });

  it("fails open when Redis is unreachable, and logs it", async () => {
    const lines: string[] = [];
    const captured = pino(
      { level: "warn" },
      new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) }),
    );
    const down = new RedisRateLimitStore({
      url: `redis://127.0.0.1:${await closedPort()}`,
      prefix: PREFIX,
      timeoutMs: 100,
      log: captured,
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 5 }, () => down.take("user:x", { capacity: 1, refillPerSecond: 1 })),
      );
      expect(results.every((r) => r.allowed)).toBe(true);
      expect(lines.join("")).toMatch(/rate limit/);
    } finally {
      await down.close();
    }
  });

  it("fails open instead of hanging when Redis accepts connections but never answers", async () => {
    const silent = await blackHole();
    const hung = new RedisRateLimitStore({
      url: `redis://127.0.0.1:${silent.port}`,
      prefix: PREFIX,
      timeoutMs: 100,
      log,
    });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await hung.take("user:x", { capacity: 1, refillPerSecond: 1 })).allowed).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await hung.close();
      await silent.close();
    }
  });
});

describe.each(["memory", "redis"] as const)(
  "per-caller limits at the gateway (RATE_LIMIT_STORE=%s)",
  (store) => {
    let supergraph: LocalSupergraph;
    let gatewayUrl: string;
    let closeGateway: () => Promise<void>;
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      supergraph = await startLocalSupergraph({ port: 0, log });
      const gateway = await startGateway({
        port: 0,
        log,
        subgraphUrls: supergraph.subgraphs,
        env: {
          RATE_LIMIT_STORE: store,
          REDIS_URL,
          RATE_LIMIT_KEY_PREFIX: `${PREFIX}${store}:`,
          RATE_LIMIT_ANONYMOUS_PER_MINUTE: "2",
          RATE_LIMIT_USER_PER_MINUTE: "3",
          RATE_LIMIT_SERVICE_PER_MINUTE: "1000",
          RATE_LIMIT_REDIS_TIMEOUT_MS: "1000",
        },
      });
      gatewayUrl = gateway.url;
      closeGateway = () => gateway.close();
      tokens["a"] = await signToken({ user: "1", scopes: ["shopper"] });
      tokens["b"] = await signToken({ user: "2", scopes: ["shopper"] });
      tokens["checkout"] = await signToken({ user: "svc-checkout", scopes: ["service:checkout"] });
      // Redis connects in the background; requests before that are let through (fail open), so wait for it.
      if (store === "redis") {
        const probe = new RedisRateLimitStore({
          url: REDIS_URL,
          prefix: `${PREFIX}probe:`,
          timeoutMs: 1_000,
          log,
        });
        for (
          let i = 0;
          i < 100 && (await probe.take("p", { capacity: 9, refillPerSecond: 1 })).remaining !== 8;
          i++
        ) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await probe.close();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    afterAll(async () => {
      await closeGateway?.();
      await supergraph?.close();
    });

    const query = "{ categories { id } }";
    const as = (name?: string) => (name === undefined ? {} : { authorization: `Bearer ${tokens[name]}` });

    it("answers 429 RATE_LIMITED with retry-after past the limit, without affecting other callers", async () => {
      const anonymous = [];
      for (let i = 0; i < 3; i++) anonymous.push(await postGraphQL(gatewayUrl, query, {}, as()));
      expect(anonymous.map((r) => r.status)).toEqual([200, 200, 429]);
      const limited = anonymous[2]!;
      expect(codes(limited)).toEqual(["RATE_LIMITED"]);
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.body.errors?.[0]?.extensions?.["retryAfterSeconds"]).toBe(retryAfter);
      expect(limited.body.data).toBeUndefined();

      // Shopper A has a bucket of their own (3), then is limited; B and the checkout service are not affected.
      const a = [];
      for (let i = 0; i < 4; i++) a.push((await postGraphQL(gatewayUrl, query, {}, as("a"))).status);
      expect(a).toEqual([200, 200, 200, 429]);
      expect((await postGraphQL(gatewayUrl, query, {}, as("b"))).status).toBe(200);
      const checkout = [];
      for (let i = 0; i < 5; i++)
        checkout.push((await postGraphQL(gatewayUrl, query, {}, as("checkout"))).status);
      expect(checkout).toEqual([200, 200, 200, 200, 200]);
    });

    it("keys anonymous callers by IP, not by spoofable headers", async () => {
      // Still limited: a forged x-user-id or X-Forwarded-For does not buy a fresh bucket (TRUSTED_PROXY_HOPS=0).
      const result = await postGraphQL(
        gatewayUrl,
        query,
        {},
        { "x-user-id": "999", "x-forwarded-for": "203.0.113.9" },
      );
      expect(result.status).toBe(429);
    });
  },
);
