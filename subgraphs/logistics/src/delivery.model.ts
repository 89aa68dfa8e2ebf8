import { float32Rows, rowOf, type InferenceContract } from "@aisle/ml";
import type { ModelSpec } from "@aisle/ml";
import {
  DELIVERY_FEATURES,
  deliveryEncoder,
  deliveryRowProblem,
  type DeliveryEncoder,
  type DeliveryRow,
} from "./delivery.features.ts";

/** The model's answer for one row: log delivery days ~ Normal(mu, sigma), calibrated (see models/logistics/CARD.md). */
export interface DeliveryDistribution {
  readonly mu: number;
  readonly sigma: number;
}

/** Name of the delivery model in models/manifest.json. */
export const DELIVERY_MODEL = "logistics";

/** One encoder per loaded model, for the feature list its model.json names (the demo list when it names none). */
const encoders = new WeakMap<ModelSpec, DeliveryEncoder>();
function encoderFor(spec: ModelSpec): DeliveryEncoder {
  let encoder = encoders.get(spec);
  if (encoder === undefined) {
    encoder = deliveryEncoder(spec.inputs[0]?.features ?? DELIVERY_FEATURES);
    encoders.set(spec, encoder);
  }
  return encoder;
}

export const deliveryContract: InferenceContract<DeliveryRow, DeliveryDistribution> = {
  validate: deliveryRowProblem,
  encode(rows, spec) {
    const names = spec.inputs[0]?.features ?? DELIVERY_FEATURES;
    return { features: float32Rows(rows.map(encoderFor(spec)), names.length) };
  },
  decode(outputs, count) {
    const mu = outputs["mu"];
    const sigma = outputs["sigma"];
    if (mu === undefined || sigma === undefined) throw new Error("model gave no mu/sigma");
    return Array.from({ length: count }, (_, i) => ({
      mu: rowOf(mu, i)[0] as number,
      sigma: Math.max(1e-3, rowOf(sigma, i)[0] as number),
    }));
  },
};

/** Standard normal quantiles used for the served figures. */
export const Z = {
  p10: -1.2815515655446004,
  p50: 0,
  p90: 1.2815515655446004,
  p99: 2.3263478740408408,
} as const;

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 on erf, error < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** P(T <= days) for one parcel. */
export function cdfDays(d: DeliveryDistribution, days: number): number {
  if (days <= 0) return 0;
  return normalCdf((Math.log(days) - d.mu) / d.sigma);
}

/** P(every parcel has arrived by `days`), parcels independent. */
export function allArrivedBy(parcels: readonly DeliveryDistribution[], days: number): number {
  return parcels.reduce((p, d) => p * cdfDays(d, days), 1);
}

/**
 * The `p`-quantile (days) of the arrival of the LAST parcel. One parcel: closed form; several: bisection on
 * the product of their CDFs.
 */
export function lastArrivalQuantile(parcels: readonly DeliveryDistribution[], p: number, z: number): number {
  if (parcels.length === 1) {
    const d = parcels[0] as DeliveryDistribution;
    return Math.exp(d.mu + d.sigma * z);
  }
  let low = 0.001;
  let high = 365;
  for (let i = 0; i < 60; i++) {
    const mid = Math.sqrt(low * high);
    if (allArrivedBy(parcels, mid) < p) low = mid;
    else high = mid;
  }
  return high;
}
