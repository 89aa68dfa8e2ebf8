import type { ModelSpec } from "@aisle/ml";
import { describe, expect, it } from "vitest";
import type { DeliveryRow } from "./delivery.features.ts";
import {
  allArrivedBy,
  cdfDays,
  deliveryContract,
  lastArrivalQuantile,
  normalCdf,
  Z,
} from "./delivery.model.ts";
import { normalQuantile, quantilePromise } from "./promise.strategy.ts";

describe("distribution maths", () => {
  it("normalCdf and normalQuantile invert each other", () => {
    for (const p of [0.001, 0.02, 0.1, 0.5, 0.9, 0.975, 0.999]) {
      expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
    }
    expect(normalQuantile(0.9)).toBeCloseTo(Z.p90, 6);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });

  it("gives one parcel's quantiles in closed form", () => {
    const d = { mu: Math.log(3), sigma: 0.4 };
    expect(lastArrivalQuantile([d], 0.5, Z.p50)).toBeCloseTo(3, 9);
    expect(cdfDays(d, lastArrivalQuantile([d], 0.9, Z.p90))).toBeCloseTo(0.9, 6);
    expect(cdfDays(d, 0)).toBe(0);
  });

  it("makes a split order later than either parcel alone", () => {
    const a = { mu: Math.log(3), sigma: 0.3 };
    const b = { mu: Math.log(3), sigma: 0.3 };
    const both = lastArrivalQuantile([a, b], 0.9, Z.p90);
    expect(both).toBeGreaterThan(lastArrivalQuantile([a], 0.9, Z.p90));
    expect(allArrivedBy([a, b], both)).toBeCloseTo(0.9, 6);
    // Two identical independent parcels: the 0.9 quantile of the later one is the sqrt(0.9) quantile of one.
    expect(cdfDays(a, both)).toBeCloseTo(Math.sqrt(0.9), 6);
  });

  it("promises the configured quantile", () => {
    const d = { mu: Math.log(4), sigma: 0.5 };
    expect(quantilePromise().promiseDays([d])).toBeCloseTo(lastArrivalQuantile([d], 0.9, Z.p90), 9);
    expect(quantilePromise(0.5).promiseDays([d])).toBeCloseTo(4, 6);
    expect(quantilePromise(0.97).promiseDays([d])).toBeGreaterThan(quantilePromise(0.9).promiseDays([d]));
  });
});

describe("deliveryContract", () => {
  const spec = (features: string[] | undefined): ModelSpec => ({
    name: "logistics",
    version: "test",
    file: "logistics/logistics.onnx",
    sha256: "0".repeat(64),
    opset: 17,
    inputs: [
      {
        name: "features",
        dtype: "float32",
        shape: ["batch", features?.length ?? 42],
        ...(features === undefined ? {} : { features }),
      },
    ],
    outputs: [
      { name: "mu", dtype: "float32", shape: ["batch", 1] },
      { name: "sigma", dtype: "float32", shape: ["batch", 1] },
    ],
  });
  const row: DeliveryRow = {
    warehouseId: "SP",
    carrierId: "",
    service: "",
    distanceKm: Number.NaN,
    destRegion: 0,
    orderedAt: Date.UTC(2018, 0, 3, 12),
    weightKg: Number.NaN,
    quantity: 1,
    warehouseBacklog: 0,
    hubCongestion: 0,
    cutoffHourUtc: 24,
    destArea: "SP",
    promisedDays: 20,
  };

  it("encodes the columns the model's spec names, in its order", () => {
    const feeds = deliveryContract.encode(
      [row, { ...row, destArea: "RJ" }],
      spec(["dest_area_SP", "log_promised_days", "origin_SP"]),
    );
    expect(feeds["features"]?.dims).toEqual([2, 3]);
    expect(Array.from(feeds["features"]?.data as Float32Array)).toEqual([
      1,
      Math.fround(Math.log(20)),
      1,
      0,
      Math.fround(Math.log(20)),
      1,
    ]);
  });

  it("encodes the demo's 42 columns when the spec names none", () => {
    expect(deliveryContract.encode([row], spec(undefined))["features"]?.dims).toEqual([1, 42]);
  });

  it("refuses a spec naming a feature the subgraph cannot compute", () => {
    expect(() => deliveryContract.encode([row], spec(["log_promised_days", "te_city"]))).toThrow(/te_city/);
  });
});
