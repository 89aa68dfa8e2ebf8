import { describe, expect, it } from "vitest";
import { StandardGuardrails } from "./guardrails.strategy.ts";
import {
  ExpectedMarginOptimiser,
  ListPriceOptimiser,
  spreadCandidates,
  type CandidateOutcome,
} from "./optimiser.strategy.ts";

const optimiser = new ExpectedMarginOptimiser({
  candidateCount: 11,
  sellThroughDays: 90,
  overstockLoss: 0.5,
});
const guardrails = new StandardGuardrails({
  minMargin: 0.05,
  maxChangePerDay: 0.1,
  maxDiscount: 0.3,
  allowAboveList: false,
  maxAboveList: 0,
});
const list = 10_000;

/** Constant-elasticity demand: q = base × (p / list)^e. */
function outcomes(prices: readonly number[], elasticity: number, base = 10): CandidateOutcome[] {
  return prices.map((priceMinor) => ({ priceMinor, demandPerDay: base * (priceMinor / list) ** elasticity }));
}

describe("spreadCandidates", () => {
  it("spreads over the window, adds list and yesterday when allowed, ascending and unique", () => {
    const window = guardrails.window({ listMinor: list, costMinor: 5_000, lastPriceMinor: 9_500 });
    const prices = spreadCandidates(window, 5, [list, 9_500, null]);
    expect(prices[0]).toBe(window.lowMinor);
    expect(prices.at(-1)).toBe(window.highMinor);
    expect(prices).toContain(9_500);
    expect(prices).toEqual([...new Set(prices)].sort((a, b) => a - b));
    expect(prices.every((p) => p >= window.lowMinor && p <= window.highMinor)).toBe(true);
  });
});

describe("ExpectedMarginOptimiser", () => {
  const window = guardrails.window({ listMinor: list, costMinor: 4_000, lastPriceMinor: null });
  const prices = optimiser.candidates(window, list, null);

  it("keeps the list price for inelastic demand (|e| < 1: a higher price always earns more)", () => {
    const choice = optimiser.choose({
      listMinor: list,
      costMinor: 4_000,
      stockLevel: null,
      outcomes: outcomes(prices, -0.8),
    });
    expect(choice.priceMinor).toBe(list);
  });

  it("discounts elastic demand towards the margin-optimal price cost × e / (1 + e)", () => {
    // e = −3, cost 40 → optimum 60: below the 70 max-discount bound, so the bound is chosen.
    const choice = optimiser.choose({
      listMinor: list,
      costMinor: 4_000,
      stockLevel: null,
      outcomes: outcomes(prices, -3),
    });
    expect(choice.priceMinor).toBe(7_000);
    // e = −2.5, cost 50 → optimum 83.33: an interior price near it.
    const window2 = guardrails.window({ listMinor: list, costMinor: 5_000, lastPriceMinor: null });
    const fine = new ExpectedMarginOptimiser({ candidateCount: 31, sellThroughDays: 90, overstockLoss: 0.5 });
    const choice2 = fine.choose({
      listMinor: list,
      costMinor: 5_000,
      stockLevel: null,
      outcomes: outcomes(fine.candidates(window2, list, null), -2.5),
    });
    expect(Math.abs(choice2.priceMinor - 8_333)).toBeLessThan(60);
  });

  it("clears excess stock: the same product with a year of stock is offered lower", () => {
    // e = −1.6, cost 60: margin-optimal 160 > list, so list; with overstock the effective cost halves → ~80.
    const lean = optimiser.choose({
      listMinor: list,
      costMinor: 6_000,
      stockLevel: 500,
      outcomes: outcomes(prices, -1.6),
    });
    const heavy = optimiser.choose({
      listMinor: list,
      costMinor: 6_000,
      stockLevel: 3_650,
      outcomes: outcomes(prices, -1.6),
    });
    expect(lean.priceMinor).toBe(list);
    expect(heavy.priceMinor).toBeLessThan(8_500);
    expect(heavy.priceMinor).toBeGreaterThan(7_000);
  });

  it("does not discount when stock caps sales anyway", () => {
    // 3 units left and hundreds of units of demand in the window at any price: the highest price wins.
    const choice = optimiser.choose({
      listMinor: list,
      costMinor: 4_000,
      stockLevel: 3,
      outcomes: outcomes(prices, -3),
    });
    expect(choice.priceMinor).toBe(list);
  });

  it("breaks ties towards the higher price and refuses an empty candidate list", () => {
    const flat = [7_000, 8_000].map((priceMinor) => ({ priceMinor, demandPerDay: 0 }));
    expect(
      optimiser.choose({ listMinor: list, costMinor: 4_000, stockLevel: null, outcomes: flat }).priceMinor,
    ).toBe(8_000);
    expect(() =>
      optimiser.choose({ listMinor: list, costMinor: 1, stockLevel: null, outcomes: [] }),
    ).toThrow();
  });
});

describe("ListPriceOptimiser", () => {
  it("offers the list price, clamped by the guardrails", () => {
    const strategy = new ListPriceOptimiser();
    const window = guardrails.window({ listMinor: list, costMinor: 4_000, lastPriceMinor: 8_000 });
    expect(strategy.candidates(window, list)).toEqual([8_800]);
  });
});
