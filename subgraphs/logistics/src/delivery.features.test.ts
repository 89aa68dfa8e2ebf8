import { describe, expect, it } from "vitest";
import {
  DELIVERY_FEATURES,
  deliveryEncoder,
  deliveryRowProblem,
  encodeDeliveryRow,
  type DeliveryRow,
} from "./delivery.features.ts";

const demo: DeliveryRow = {
  warehouseId: "wh-ga",
  carrierId: "swiftship",
  service: "EXPRESS",
  distanceKm: 1200,
  destRegion: 3,
  orderedAt: Date.UTC(2026, 5, 3, 21, 30), // a Wednesday, after a 20:00 cutoff
  weightKg: 2.5,
  quantity: 2,
  warehouseBacklog: 0.4,
  hubCongestion: 0,
  cutoffHourUtc: 20,
};

/** An Olist order as models/logistics/olist.ts maps it: no carrier, no distance or weight, a state. */
const olist: DeliveryRow = {
  warehouseId: "",
  carrierId: "",
  service: "",
  distanceKm: Number.NaN,
  destRegion: 3,
  orderedAt: Date.UTC(2017, 7, 30, 11, 41),
  weightKg: Number.NaN,
  quantity: 1,
  warehouseBacklog: 0,
  hubCongestion: 0,
  cutoffHourUtc: 24,
  destArea: "MG",
  promisedDays: 21.5,
  shippingCost: 14.38,
};

describe("delivery features", () => {
  it("encodes the demo model's 42 columns by name", () => {
    const row = encodeDeliveryRow(demo);
    expect(row).toHaveLength(DELIVERY_FEATURES.length);
    const at = (name: string) => row[DELIVERY_FEATURES.indexOf(name)];
    expect(at("distance_1000km")).toBeCloseTo(1.2, 9);
    expect(at("carrier_swiftship")).toBe(1);
    expect(at("service_express")).toBe(1);
    expect(at("origin_wh-ga")).toBe(1);
    expect(at("origin_wh-nj")).toBe(0);
    expect(at("dest_region_3")).toBe(1);
    expect(at("order_weekday_3")).toBe(1);
    expect(at("after_cutoff")).toBe(1);
    expect(at("log_quantity")).toBeCloseTo(Math.log(2), 9);
    const oneHots = DELIVERY_FEATURES.filter((n) =>
      /^(carrier|service|origin|dest_region|order_weekday)_/.test(n),
    );
    expect(oneHots.filter((n) => at(n) === 1)).toHaveLength(5);
  });

  it("encodes a real-table model's own feature list, with missing flags", () => {
    const names = [
      "log_promised_days",
      "dest_area_MG",
      "dest_area_SP",
      "dest_region_3",
      "dest_unknown",
      "log_shipping_cost",
      "shipping_cost_missing",
      "weight_missing",
      "log_weight_kg",
      "order_weekday_3",
      "order_hour",
    ];
    const encode = deliveryEncoder(names);
    expect(encode(olist)).toEqual([
      Math.log(21.5),
      1,
      0,
      1,
      0,
      Math.log1p(14.38),
      0,
      1,
      0,
      1,
      (11 + 41 / 60) / 24,
    ]);
    const unknown = encode({ ...olist, destRegion: -1, destArea: "", shippingCost: Number.NaN });
    expect(unknown.slice(1, 7)).toEqual([0, 0, 0, 1, 0, 1]);
  });

  it("refuses a feature name it cannot compute", () => {
    expect(() => deliveryEncoder(["log_promised_days", "te_city"])).toThrow(/te_city/);
  });

  it("accepts an unknown destination region (-1) and nothing below it", () => {
    expect(deliveryRowProblem(olist)).toBeUndefined();
    expect(deliveryRowProblem({ ...olist, destRegion: -1 })).toBeUndefined();
    expect(deliveryRowProblem({ ...olist, destRegion: -2 })).toBe("bad region");
    expect(deliveryRowProblem({ ...olist, quantity: 0 })).toMatch(/quantity/);
  });
});
