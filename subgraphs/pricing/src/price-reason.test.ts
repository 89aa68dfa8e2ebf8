import { describe, expect, it } from "vitest";
import { explainPrice, type ReasonInput } from "./price-reason.ts";

const base: ReasonInput = {
  listMinor: 10_000,
  offeredMinor: 9_000,
  lastPriceMinor: 10_000,
  stockLevel: 100,
  demandAtList: 5,
  trend: 0,
  unitsPerDay: 5,
  binding: [],
  clearanceCoverDays: 90,
};

describe("explainPrice", () => {
  it("gives no text at list price", () => {
    expect(explainPrice({ ...base, offeredMinor: 10_000 })).toEqual({ code: "LIST_PRICE", text: null });
  });

  it("calls a discount on heavy stock a clearance, at the cover threshold's edge", () => {
    expect(explainPrice({ ...base, stockLevel: 451 }).code).toBe("CLEARANCE");
    expect(explainPrice({ ...base, stockLevel: 450 }).code).toBe("PRICE_SENSITIVE");
    expect(explainPrice({ ...base, stockLevel: 451 }).text).toBe("clearance: stock high");
  });

  it("tells demand up, demand down and a price limited by the max change", () => {
    expect(explainPrice({ ...base, lastPriceMinor: 8_500, trend: 0.3 })).toEqual({
      code: "DEMAND_UP",
      text: "demand up",
    });
    expect(explainPrice({ ...base, trend: -0.3 }).code).toBe("DEMAND_DOWN");
    // Too few sales for a trend to mean anything.
    expect(explainPrice({ ...base, trend: -0.3, unitsPerDay: 1.9 }).code).toBe("PRICE_SENSITIVE");
    expect(explainPrice({ ...base, binding: ["MAX_CHANGE_PER_DAY"] }).text).toBe(
      "moving down at the maximum change per day",
    );
  });
});
