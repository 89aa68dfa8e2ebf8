import { describe, expect, it } from "vitest";
import { ANONYMOUS, rateLimitRejections } from "@aisle/kit";
import { MemoryRateLimitStore, RateLimiter } from "./rate-limit.ts";

async function rejections(callerClass: string): Promise<number> {
  const metric = await rateLimitRejections.get();
  return metric.values.find((v) => v.labels["caller_class"] === callerClass)?.value ?? 0;
}

describe("rate-limit metric", () => {
  it("counts each refused request by caller class, and no allowed one", async () => {
    const limiter = new RateLimiter(new MemoryRateLimitStore({ nowMs: () => 1_000_000 }), {
      anonymous: 2,
      user: 100,
      service: 100,
    });
    const verdicts = [];
    for (let i = 0; i < 5; i += 1) verdicts.push((await limiter.check(ANONYMOUS, "198.51.100.7")).allowed);
    expect(verdicts).toEqual([true, true, false, false, false]);
    expect(await rejections("anonymous")).toBe(3);
    expect(await rejections("user")).toBe(0);
    await limiter.close();
  });
});
