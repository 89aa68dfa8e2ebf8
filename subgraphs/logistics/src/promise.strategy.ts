import type { DeliveryDistribution } from "./delivery.model.ts";
import { lastArrivalQuantile, Z } from "./delivery.model.ts";

/**
 * Decides the date Aisle promises for an option. The default promises the calibrated P90 date, so about
 * nine orders in ten arrive by it (late rate measured in models/logistics/CARD.md); a shop that wants a
 * bolder or safer promise swaps the quantile (config LOGISTICS_PROMISE_QUANTILE).
 */
export interface PromiseStrategy {
  readonly name: string;
  /** Days after the order by which the promise falls (its date is the promised date). */
  promiseDays(parcels: readonly DeliveryDistribution[]): number;
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError("p must be in (0, 1)");
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const at = (xs: number[], i: number) => xs[i] as number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((at(c, 0) * q + at(c, 1)) * q + at(c, 2)) * q + at(c, 3)) * q + at(c, 4)) * q + at(c, 5)) /
      ((((at(d, 0) * q + at(d, 1)) * q + at(d, 2)) * q + at(d, 3)) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((at(a, 0) * r + at(a, 1)) * r + at(a, 2)) * r + at(a, 3)) * r + at(a, 4)) * r + at(a, 5)) * q) /
    (((((at(b, 0) * r + at(b, 1)) * r + at(b, 2)) * r + at(b, 3)) * r + at(b, 4)) * r + 1)
  );
}

/** Promises the date of the `quantile` of the last parcel's arrival (default 0.9: the calibrated P90). */
export function quantilePromise(quantile = 0.9): PromiseStrategy {
  const z = quantile === 0.9 ? Z.p90 : normalQuantile(quantile);
  return {
    name: `quantile:${quantile}`,
    promiseDays: (parcels) => lastArrivalQuantile(parcels, quantile, z),
  };
}
