import { describe, expect, it } from "vitest";
import { MemoryReplayCache } from "./replay-cache.ts";

describe("MemoryReplayCache", () => {
  it("accepts a nonce once until its expiry, then forgets it", async () => {
    let now = 1_000;
    const cache = new MemoryReplayCache(() => now);
    expect(await cache.claim("a", 2_000)).toBe(true);
    expect(await cache.claim("a", 2_000)).toBe(false);
    expect(await cache.claim("b", 2_000)).toBe(true);
    now = 2_000;
    expect(await cache.claim("a", 3_000)).toBe(false);
    now = 2_001;
    // Past its expiry a signature is refused as expired before it reaches the cache; the cache may forget it.
    expect(await cache.claim("c", 4_000)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it("holds only unexpired nonces however many pass through", async () => {
    let now = 0;
    const cache = new MemoryReplayCache(() => now);
    for (let i = 0; i < 10_000; i += 1) {
      now = i;
      expect(await cache.claim(`n${i}`, i + 100)).toBe(true);
    }
    expect(cache.size).toBeLessThanOrEqual(101);
  });

  it("keeps a nonce at most five minutes, whatever expiry it claims", async () => {
    let now = 0;
    const cache = new MemoryReplayCache(() => now);
    expect(await cache.claim("far", Number.MAX_SAFE_INTEGER)).toBe(true);
    now = 5 * 60_000 + 1;
    expect(await cache.claim("other", now + 1)).toBe(true);
    expect(cache.size).toBe(1);
  });
});
