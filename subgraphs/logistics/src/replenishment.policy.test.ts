import { describe, expect, it } from "vitest";
import { normalApproximationPolicy, type ReplenishmentInput } from "./replenishment.policy.ts";

const Z95 = 1.6448536269514722;
const base: ReplenishmentInput = {
  dailyDemand: 10,
  dailyDemandSd: 3,
  leadTimeDays: 9,
  leadTimeSdDays: 0,
  onHand: 120,
  serviceLevel: 0.95,
  orderCostMinor: 5_000,
  annualHoldingCostMinor: 500,
};
const plan = (changes: Partial<ReplenishmentInput>) =>
  normalApproximationPolicy.plan({ ...base, ...changes });

describe("normalApproximationPolicy", () => {
  it("matches the textbook figures", () => {
    const p = plan({});
    // z(0.95) = 1.6449; sigma_LT = 3 * sqrt(9) = 9.
    expect(p.safetyStock).toBeCloseTo(Z95 * 9, 3);
    expect(p.reorderPoint).toBeCloseTo(90 + Z95 * 9, 3);
    expect(p.economicOrderQuantity).toBeCloseTo(Math.sqrt((2 * 3650 * 5000) / 500), 6);
    expect(p.daysOfCover).toBe(12);
    expect(p.stockoutRisk).toBeCloseTo(1 - 0.99957, 4); // (120 - 90) / 9 = 3.33 sd
    expect(p.reorderNow).toBe(false);
  });

  it("handles zero demand: nothing to stock, no cover figure, no risk", () => {
    const p = plan({ dailyDemand: 0, dailyDemandSd: 0, onHand: 0 });
    expect(p.safetyStock).toBe(0);
    expect(p.reorderPoint).toBe(0);
    expect(p.economicOrderQuantity).toBe(0);
    expect(p.daysOfCover).toBeNull();
    expect(p.stockoutRisk).toBe(0);
  });

  it("handles zero lead time: no safety stock needed, reorder point 0", () => {
    const p = plan({ leadTimeDays: 0 });
    expect(p.safetyStock).toBe(0);
    expect(p.reorderPoint).toBe(0);
    expect(p.stockoutRisk).toBe(0);
    expect(p.reorderNow).toBe(false);
  });

  it("counts lead-time variance even with steady demand", () => {
    const p = plan({ dailyDemandSd: 0, leadTimeSdDays: 2 });
    expect(p.safetyStock).toBeCloseTo(Z95 * 20, 3);
  });

  it("stays finite and monotone with huge variance", () => {
    const p = plan({ dailyDemandSd: 1e6 });
    expect(Number.isFinite(p.safetyStock)).toBe(true);
    expect(p.safetyStock).toBeGreaterThan(1e6);
    expect(p.stockoutRisk).toBeGreaterThan(0.45);
    expect(p.stockoutRisk).toBeLessThan(0.5);
    expect(p.reorderNow).toBe(true);
    expect(plan({ serviceLevel: 0.99 }).safetyStock).toBeGreaterThan(plan({ serviceLevel: 0.9 }).safetyStock);
  });

  it("refuses inputs that make no sense", () => {
    expect(() => plan({ dailyDemand: -1 })).toThrow(RangeError);
    expect(() => plan({ serviceLevel: 1 })).toThrow(RangeError);
    expect(() => plan({ serviceLevel: 0 })).toThrow(RangeError);
    expect(() => plan({ annualHoldingCostMinor: 0 })).toThrow(RangeError);
    expect(() => plan({ dailyDemandSd: Number.NaN })).toThrow(RangeError);
  });
});
