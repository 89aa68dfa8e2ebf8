import { describe, expect, it } from "vitest";
import { allArrivedBy, cdfDays, lastArrivalQuantile, normalCdf, Z } from "./delivery.model.ts";
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
