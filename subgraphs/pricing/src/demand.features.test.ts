import { describe, expect, it } from "vitest";
import { dayOfYear, demandDrivers, productDemandFeatures } from "./demand.features.ts";
import { DemandVocabulary, demandContract } from "./demand.model.ts";

describe("demandDrivers (the contract with models/pricing/demand.py DRIVERS)", () => {
  const known = { stockLevel: 99, regularUnitsPerDay7: 4.9, regularUnitsPerDay28: 9.9, lastPriceMinor: 1000 };

  it("computes season, weekend share, cover, recent demand and trend as in training", () => {
    const drivers = demandDrivers(known, new Date("2026-04-02T00:00:00Z")); // day of year 91
    expect(dayOfYear(new Date("2026-01-01T12:00:00Z"))).toBe(0);
    expect(dayOfYear(new Date("2024-12-31T00:00:00Z"))).toBe(0); // day 365 of a leap year folds onto 0
    const angle = (2 * Math.PI * 91) / 365;
    expect(drivers).toHaveLength(8);
    expect(drivers[0]).toBeCloseTo(Math.sin(angle), 12);
    expect(drivers[3]).toBeCloseTo(Math.cos(2 * angle), 12);
    expect(drivers[4]).toBeCloseTo(2 / 7, 12);
    expect(drivers[5]).toBeCloseTo(Math.log(100 / 10), 12);
    expect(drivers[6]).toBeCloseTo(Math.log(10), 12);
    expect(drivers[7]).toBeCloseTo(Math.log(5 / 10), 12);
  });

  it("clips stock cover to [-2, 7] and treats unknown stock as 30 days of cover", () => {
    const date = new Date("2026-11-01T00:00:00Z");
    expect(demandDrivers({ ...known, stockLevel: 1e9 }, date)[5]).toBe(7);
    expect(demandDrivers({ ...known, stockLevel: 0, regularUnitsPerDay28: 1000 }, date)[5]).toBe(-2);
    expect(demandDrivers(productDemandFeatures.defaults, date)[5]).toBeCloseTo(Math.log(30), 12);
  });
});

describe("demand model contract", () => {
  it("maps unknown ids to 0 and encodes 1-D ids and prices with [rows, 8] drivers", () => {
    const vocabulary = new DemandVocabulary(["p-1", "p-2"], ["c-a"]);
    expect([vocabulary.product("p-2"), vocabulary.product("p-3"), vocabulary.category("c-zzz")]).toEqual([
      2, 0, 0,
    ]);
    const row = {
      productIndex: 2,
      categoryIndex: 1,
      logPriceRatio: -0.1,
      drivers: [0, 1, 0, 1, 0.3, 1, 1, 0],
    };
    const feeds = demandContract.encode([row, row], {} as never);
    expect(feeds["product"]!.dims).toEqual([2]);
    expect(feeds["product"]!.data).toBeInstanceOf(BigInt64Array);
    expect(feeds["log_price_ratio"]!.dims).toEqual([2]);
    expect(feeds["drivers"]!.dims).toEqual([2, 8]);
    expect(demandContract.validate?.({ ...row, drivers: [1] })).toMatch(/8 drivers/);
  });
});
