import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateWorld } from "./world.ts";
import { demoMarket, marketFor, MARKET_HISTORY_DAYS } from "./market.ts";
import { demoWorld } from "./world.ts";

const sha256 = (value: unknown): string => createHash("sha256").update(JSON.stringify(value)).digest("hex");

describe("the demo market", () => {
  const world = demoWorld();
  const market = demoMarket();
  const sample = world.products.slice(0, 200);

  it("is one lazily built object per world, and leaves the world itself unchanged", () => {
    const before = sha256(world);
    expect(marketFor(world)).toBe(market);
    market.state("p-1");
    expect(sha256(world)).toBe(before);
    expect(Object.keys(world)).toEqual(["seed", "categories", "brands", "products", "users"]);
  });

  it("is deterministic: the same seed gives the same economics and history", () => {
    const options = { productCount: 300, userCount: 0 };
    const one = marketFor(generateWorld(options));
    const two = marketFor(generateWorld(options));
    expect(two).not.toBe(one);
    for (const id of ["p-1", "p-77", "p-300"]) {
      expect(two.economics(id)).toEqual(one.economics(id));
      expect(sha256(two.history(id))).toBe(sha256(one.history(id)));
      expect(two.state(id)).toEqual(one.state(id));
    }
    const otherSeed = marketFor(generateWorld({ ...options, seed: 1 }));
    expect(sha256(otherSeed.history("p-1"))).not.toBe(sha256(one.history("p-1")));
  });

  it("gives every product a cost below its list price and a negative elasticity near its category's", () => {
    for (const product of sample) {
      const e = market.economics(product.id)!;
      expect(e.listPriceMinor).toBe(product.listPrice.amountMinor);
      expect(e.costMinor).toBeGreaterThan(0);
      expect(e.costMinor).toBeLessThan(e.listPriceMinor);
      expect(e.elasticity).toBeLessThanOrEqual(-0.3);
      expect(e.elasticity).toBeGreaterThanOrEqual(-4.5);
      const category = market.categoryTruth(product.categoryId)!;
      expect(Math.abs(e.elasticity - category.elasticity)).toBeLessThan(1.2);
    }
    expect(market.economics("p-nope")).toBeNull();
    expect(market.state("p-nope")).toBeNull();
    expect(market.history("p-nope")).toEqual([]);
  });

  it("writes a daily history from listing day to the last day, with price variation and sales capped by stock", () => {
    let discounted = 0;
    let days = 0;
    const problems: string[] = [];
    for (const product of sample.slice(0, 50)) {
      const e = market.economics(product.id)!;
      const history = market.history(product.id);
      if (history[0]?.day !== e.firstDay) problems.push(`${product.id}: starts on ${history[0]?.day}`);
      if (history.length !== MARKET_HISTORY_DAYS - e.firstDay)
        problems.push(`${product.id}: ${history.length} days`);
      if (history.at(-1)?.day !== MARKET_HISTORY_DAYS - 1) problems.push(`${product.id}: ends early`);
      for (const day of history) {
        if (day.units < 0 || day.units > day.stockStart)
          problems.push(`${product.id}@${day.day}: sold ${day.units}`);
        if (day.priceMinor > Math.round(e.listPriceMinor * 1.08) + 1)
          problems.push(`${product.id}@${day.day}: price`);
        if (day.priceMinor < e.listPriceMinor * 0.9) discounted++;
        days++;
      }
    }
    expect(problems).toEqual([]);
    expect(discounted / days).toBeGreaterThan(0.05);
    expect(discounted / days).toBeLessThan(0.6);
  });

  it("sells more at lower prices, as the elasticity says", () => {
    // Pool days at list price and days 20 %+ off over many products: discounted days sell more per product.
    let lift = 0;
    let products = 0;
    for (const product of sample) {
      const e = market.economics(product.id)!;
      const history = market.history(product.id);
      const atList = history.filter((d) => d.priceMinor === e.listPriceMinor);
      const deep = history.filter((d) => d.priceMinor <= e.listPriceMinor * 0.8);
      if (atList.length < 20 || deep.length < 5) continue;
      const mean = (days: typeof history) => days.reduce((s, d) => s + d.units, 0) / days.length;
      lift += Math.log((mean(deep) + 0.1) / (mean(atList) + 0.1));
      products++;
    }
    expect(products).toBeGreaterThan(20);
    expect(lift / products).toBeGreaterThan(0.2);
  });

  it("summarises the end of the history as the state the feature store is seeded with", () => {
    for (const product of sample.slice(0, 50)) {
      const state = market.state(product.id)!;
      const history = market.history(product.id);
      const last = history.at(-1)!;
      expect(state.lastPriceMinor).toBe(last.priceMinor);
      expect(state.stockLevel).toBeGreaterThanOrEqual(0);
      const last7 = history.slice(-7);
      expect(state.unitsPerDay7).toBeCloseTo(last7.reduce((s, d) => s + d.units, 0) / last7.length, 10);
      expect(state.regularUnitsPerDay28).toBeGreaterThanOrEqual(0);
    }
    expect(market.today).toBe("2026-11-01");
    expect(market.startDate).toBe("2025-11-01");
  });
});
