import { describe, expect, it } from "vitest";
import { StandardGuardrails, type GuardrailConfig } from "./guardrails.strategy.ts";

const config: GuardrailConfig = {
  minMargin: 0.05,
  maxChangePerDay: 0.1,
  maxDiscount: 0.3,
  allowAboveList: false,
  maxAboveList: 0.1,
};
const guardrails = new StandardGuardrails(config);
// List $100.00, cost $50.00, yesterday at list.
const base = { listMinor: 10_000, costMinor: 5_000, lastPriceMinor: 10_000 };

describe("StandardGuardrails", () => {
  it("allows at most the max change per day below yesterday's price, and never above list", () => {
    const window = guardrails.window(base);
    expect(window).toMatchObject({
      lowMinor: 9_000,
      highMinor: 10_000,
      lowBy: "MAX_CHANGE_PER_DAY",
      highBy: "CEILING",
    });
    expect(window.clamp(8_999)).toBe(9_000);
    expect(window.clamp(9_000)).toBe(9_000);
    expect(window.clamp(10_001)).toBe(10_000);
    expect(window.bindingAt(9_000)).toEqual(["MAX_CHANGE_PER_DAY"]);
    expect(window.bindingAt(9_500)).toEqual([]);
    expect(window.bindingAt(10_000)).toEqual(["CEILING"]);
  });

  it("moves up from a discounted yesterday by at most the max change", () => {
    const window = guardrails.window({ ...base, lastPriceMinor: 8_000 });
    expect(window.lowMinor).toBe(7_200);
    expect(window.highMinor).toBe(8_800);
    expect(window.highBy).toBe("MAX_CHANGE_PER_DAY");
    expect(window.clamp(10_000)).toBe(8_800);
  });

  it("keeps the max discount: exactly 30 % off is allowed, a cent more is not", () => {
    const window = guardrails.window({ ...base, lastPriceMinor: null });
    expect(window.lowMinor).toBe(7_000);
    expect(window.lowBy).toBe("MAX_DISCOUNT");
    expect(window.clamp(7_000)).toBe(7_000);
    expect(window.clamp(6_999)).toBe(7_000);
  });

  it("lets max discount beat max change after a deep clearance", () => {
    const window = guardrails.window({ ...base, lastPriceMinor: 5_000 });
    // Max change alone would allow 4,500–5,500; the max discount lifts the window to 7,000 at once.
    expect(window.lowMinor).toBe(7_000);
    expect(window.highMinor).toBe(7_000);
    expect(window.bindingAt(7_000)).toEqual(["MAX_DISCOUNT"]);
  });

  it("never goes under cost plus the minimum margin: the floor at its edge", () => {
    const window = guardrails.window({ ...base, costMinor: 8_000, lastPriceMinor: null });
    expect(window.lowMinor).toBe(8_400);
    expect(window.lowBy).toBe("FLOOR");
    expect(window.clamp(8_399)).toBe(8_400);
    expect(window.clamp(8_400)).toBe(8_400);
  });

  it("offers list when cost plus margin exceeds list: the ceiling wins over the floor", () => {
    const window = guardrails.window({ ...base, costMinor: 9_800, lastPriceMinor: null });
    expect(window.lowMinor).toBe(10_000);
    expect(window.highMinor).toBe(10_000);
    expect(window.lowBy).toBe("CEILING");
  });

  it("goes above list only when configured, up to the premium", () => {
    const above = new StandardGuardrails({ ...config, allowAboveList: true, maxAboveList: 0.05 });
    const window = above.window({ ...base, lastPriceMinor: null });
    expect(window.highMinor).toBe(10_500);
    expect(window.clamp(10_501)).toBe(10_500);
    const limitedByChange = above.window(base);
    expect(limitedByChange.highMinor).toBe(10_500);
    const tight = new StandardGuardrails({ ...config, allowAboveList: true, maxAboveList: 0.5 }).window(base);
    expect(tight.highMinor).toBe(11_000);
    expect(tight.highBy).toBe("MAX_CHANGE_PER_DAY");
  });

  it("with zero max change per day pins the price to yesterday's, inside the other bounds", () => {
    const frozen = new StandardGuardrails({ ...config, maxChangePerDay: 0 }).window({
      ...base,
      lastPriceMinor: 9_123,
    });
    expect(frozen.lowMinor).toBe(9_123);
    expect(frozen.highMinor).toBe(9_123);
  });
});
