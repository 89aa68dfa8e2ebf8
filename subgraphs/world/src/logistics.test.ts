import { describe, expect, it } from "vitest";
import { CARRIERS, WAREHOUSES, locateUsZip } from "./logistics-data.ts";
import { demoLogistics, logisticsFor, nominalDispatchDay, weekdayOf } from "./logistics.ts";
import { demoMarket } from "./market.ts";
import { generateWorld } from "./world.ts";

const DAY_MS = 86_400_000;
const logistics = demoLogistics();
const shipments = logistics.shipments();

describe("logistics world part", () => {
  it("has at least five warehouses with locations, and carriers with service levels", () => {
    expect(WAREHOUSES.length).toBeGreaterThanOrEqual(5);
    for (const w of WAREHOUSES) expect(locateUsZip(w.postalCode).served).toBe(true);
    expect(CARRIERS.length).toBeGreaterThanOrEqual(3);
    expect(new Set(logistics.carrierServices.map((s) => s.service)).size).toBe(4);
  });

  it("splits each product's market stock over 2–4 warehouses, deterministically", () => {
    const market = demoMarket();
    const fresh = logisticsFor(generateWorld());
    for (const id of ["p-1", "p-2", "p-77", "p-9999"]) {
      const facts = logistics.product(id)!;
      expect(facts.totalStock).toBe(market.state(id)!.stockLevel);
      expect(facts.stock.reduce((n, s) => n + s.quantity, 0)).toBe(facts.totalStock);
      expect(facts.stock.length).toBeGreaterThanOrEqual(2);
      expect(facts.stock.length).toBeLessThanOrEqual(4);
      expect(facts.stock.reduce((n, s) => n + s.demandShare, 0)).toBeCloseTo(1, 9);
      expect(fresh.product(id)).toEqual(facts);
    }
    expect(logistics.product("p-nope")).toBeNull();
  });

  it("generates a year of shipments following its rules", () => {
    expect(shipments.length).toBeGreaterThan(50_000);
    const carriers = new Map(CARRIERS.map((c) => [c.id, c]));
    const warehouses = new Map(WAREHOUSES.map((w) => [w.id, w]));
    const problems: string[] = [];
    const weekend = (ms: number) => weekdayOf(ms) === 0 || weekdayOf(ms) === 6;
    for (const s of shipments) {
      const cutoff = warehouses.get(s.warehouseId)!.cutoffHourUtc;
      if (weekend(s.dispatchedAt)) problems.push(`${s.id} dispatched on a weekend`);
      if (s.dispatchedAt < nominalDispatchDay(s.orderedAt, cutoff))
        problems.push(`${s.id} left before it could`);
      if (s.deliveredAt <= s.dispatchedAt) problems.push(`${s.id} delivered before dispatch`);
      const deliveryDay = weekdayOf(s.deliveredAt);
      if (deliveryDay === 0) problems.push(`${s.id} delivered on a Sunday`);
      if (deliveryDay === 6 && !carriers.get(s.carrierId)!.deliversSaturday)
        problems.push(`${s.id} on a Saturday`);
      if (weekend(Date.parse(`${s.promisedDate}T00:00:00Z`))) problems.push(`${s.id} promised for a weekend`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it("delays dispatch when a warehouse is backed up, and transit when a hub is congested", () => {
    const dispatchDelay = (s: (typeof shipments)[number]) =>
      (s.dispatchedAt - nominalDispatchDay(s.orderedAt, 20)) / DAY_MS;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const backed = shipments.filter((s) => s.warehouseBacklog > 1.3).map(dispatchDelay);
    const calm = shipments.filter((s) => s.warehouseBacklog < 0.8).map(dispatchDelay);
    expect(backed.length).toBeGreaterThan(100);
    expect(mean(backed)).toBeGreaterThan(mean(calm) + 0.4);
    const transitRatio = (s: (typeof shipments)[number]) =>
      (s.deliveredAt - s.dispatchedAt) /
      DAY_MS /
      logistics.trueTransitMedianDays(
        s,
        s.weightKg,
        Math.floor((s.orderedAt - shipments[0]!.orderedAt) / DAY_MS),
        0,
      );
    const congested = shipments.filter((s) => s.hubCongestion > 1.2).map(transitRatio);
    const clear = shipments.filter((s) => Math.abs(s.hubCongestion) < 0.2).map(transitRatio);
    expect(congested.length).toBeGreaterThan(100);
    expect(mean(congested)).toBeGreaterThan(mean(clear) * 1.1);
  });

  it("leaves the other parts of the world unchanged (their own streams)", () => {
    const world = generateWorld();
    expect(Object.keys(world).sort()).toEqual(["brands", "categories", "products", "seed", "users"]);
  });
});
