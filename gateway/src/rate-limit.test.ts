import { describe, expect, it } from "vitest";
import { ANONYMOUS } from "@aisle/kit";
import { callerClassOf, MemoryRateLimitStore, RateLimiter } from "./rate-limit.ts";

function clock(start = 1_000_000) {
  let now = start;
  return { nowMs: () => now, advance: (ms: number) => (now += ms) };
}

const rule = { capacity: 3, refillPerSecond: 1 };

describe("MemoryRateLimitStore", () => {
  it("allows a burst of `capacity`, then refuses with the time until the next token", async () => {
    const time = clock();
    const store = new MemoryRateLimitStore({ nowMs: time.nowMs });
    const taken = [];
    for (let i = 0; i < 4; i++) taken.push(await store.take("k", rule));
    expect(taken.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(taken.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    expect(taken[3]?.retryAfterSeconds).toBe(1);
  });

  it("refills at the configured rate, never above capacity", async () => {
    const time = clock();
    const store = new MemoryRateLimitStore({ nowMs: time.nowMs });
    for (let i = 0; i < 3; i++) await store.take("k", rule);
    time.advance(500);
    expect((await store.take("k", rule)).allowed).toBe(false);
    time.advance(500);
    expect(await store.take("k", rule)).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
    time.advance(3_600_000);
    expect((await store.take("k", rule)).remaining).toBe(2);
  });

  it("keeps buckets apart and forgets the least recently used past maxKeys", async () => {
    const time = clock();
    const store = new MemoryRateLimitStore({ nowMs: time.nowMs, maxKeys: 2 });
    for (let i = 0; i < 3; i++) await store.take("a", rule);
    expect((await store.take("a", rule)).allowed).toBe(false);
    expect((await store.take("b", rule)).allowed).toBe(true);
    await store.take("c", rule); // evicts "a", the least recently used
    expect((await store.take("a", rule)).remaining).toBe(2);
  });

  it("says retry-after in whole seconds for slow refill rates", async () => {
    const store = new MemoryRateLimitStore({ nowMs: clock().nowMs });
    const slow = { capacity: 1, refillPerSecond: 1 / 60 };
    await store.take("k", slow);
    expect((await store.take("k", slow)).retryAfterSeconds).toBe(60);
  });
});

describe("RateLimiter", () => {
  it("classes callers and keys anonymous callers by IP, others by user id", async () => {
    const limiter = new RateLimiter(new MemoryRateLimitStore({ nowMs: clock().nowMs }), {
      anonymous: 1,
      user: 2,
      service: 5,
    });
    expect(callerClassOf(ANONYMOUS)).toBe("anonymous");
    expect(callerClassOf({ userId: "42", scopes: ["shopper"] })).toBe("user");
    expect(callerClassOf({ userId: "svc", scopes: ["service:checkout"] })).toBe("service");

    expect((await limiter.check(ANONYMOUS, "10.0.0.1")).allowed).toBe(true);
    expect(await limiter.check(ANONYMOUS, "10.0.0.1")).toMatchObject({
      allowed: false,
      callerClass: "anonymous",
      limit: 1,
    });
    expect((await limiter.check(ANONYMOUS, "10.0.0.2")).allowed).toBe(true);

    const shopper = { userId: "42", scopes: ["shopper"] };
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await limiter.check(shopper, "10.0.0.1")).allowed);
    expect(results).toEqual([true, true, false]);
    expect((await limiter.check({ userId: "43", scopes: ["shopper"] }, "10.0.0.1")).allowed).toBe(true);

    const service = { userId: "svc-checkout", scopes: ["service:checkout"] };
    const serviceResults = [];
    for (let i = 0; i < 6; i++) serviceResults.push((await limiter.check(service, "10.0.0.1")).allowed);
    expect(serviceResults).toEqual([true, true, true, true, true, false]);
  });
});
