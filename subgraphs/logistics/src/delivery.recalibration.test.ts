import { describe, expect, it } from "vitest";
import { cdfDays, lastArrivalQuantile, Z, type DeliveryDistribution } from "./delivery.model.ts";
import { DeliveryRecalibrator, type RecalibrationSettings } from "./delivery.recalibration.ts";

/** Seeded standard normals (xorshift32 and Box–Muller), so every run sees the same stream. */
function normals(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** What the model says for every shipment: 5 days median, sigma 0.3 (its trained calibration). */
const predicted: DeliveryDistribution = { mu: Math.log(5), sigma: 0.3 };
const p90 = (d: DeliveryDistribution) => lastArrivalQuantile([d], 0.9, Z.p90);
const p50 = (d: DeliveryDistribution) => lastArrivalQuantile([d], 0.5, Z.p50);

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Replays a stream in time order: shipment i is ordered at hour i and takes `truth(i, z)` days; its outcome
 * reaches the recalibrator once it is delivered, before the first order placed after that. Returns P90
 * coverage and P50 mean absolute error over the last `scored` shipments, with recalibration, and the
 * coverage without.
 */
function replay(
  settings: RecalibrationSettings,
  truth: (i: number, z: number) => number,
  options: { total: number; scored: number; seed?: number },
) {
  const recalibrator = new DeliveryRecalibrator(settings);
  const draw = normals(options.seed ?? 7);
  const days = Array.from({ length: options.total }, (_, i) => truth(i, draw()));
  const byDelivery = days
    .map((_, i) => i)
    .sort(
      (a, b) => a * HOUR_MS + (days[a] as number) * DAY_MS - (b * HOUR_MS + (days[b] as number) * DAY_MS),
    );
  let next = 0;
  let covered = 0;
  let staticCovered = 0;
  let absError = 0;
  for (let i = 0; i < options.total; i++) {
    for (; next < byDelivery.length; next++) {
      const j = byDelivery[next] as number;
      const deliveredAt = j * HOUR_MS + (days[j] as number) * DAY_MS;
      if (deliveredAt >= i * HOUR_MS) break;
      recalibrator.observe(predicted, j * HOUR_MS, deliveredAt);
    }
    if (i < options.total - options.scored) continue;
    const served = recalibrator.adjust(predicted);
    const t = days[i] as number;
    covered += t <= p90(served) ? 1 : 0;
    staticCovered += t <= p90(predicted) ? 1 : 0;
    absError += Math.abs(t - p50(served));
  }
  return {
    coverage: covered / options.scored,
    staticCoverage: staticCovered / options.scored,
    mae: absError / options.scored,
    recalibrator,
  };
}

const rolling: RecalibrationSettings = { window: 300, minOutcomes: 50, step: 0, centre: true };

describe("DeliveryRecalibrator", () => {
  it("serves the trained calibration until it has enough outcomes, and when off", () => {
    const r = new DeliveryRecalibrator({ ...rolling, minOutcomes: 3 });
    r.observe(predicted, 0, 20 * DAY_MS);
    r.observe(predicted, 0, 20 * DAY_MS);
    expect(r.static).toBe(true);
    expect(r.adjust(predicted)).toBe(predicted);
    r.observe(predicted, 0, 20 * DAY_MS);
    expect(r.static).toBe(false);
    expect(p90(r.adjust(predicted))).toBeGreaterThan(p90(predicted));

    const off = new DeliveryRecalibrator({ ...rolling, window: 0 });
    for (let i = 0; i < 100; i++) off.observe(predicted, 0, 20 * DAY_MS);
    expect(off.outcomes).toBe(0);
    expect(off.adjust(predicted)).toBe(predicted);
  });

  it("leaves a well-calibrated model about where it was", () => {
    const { coverage, staticCoverage, recalibrator } = replay(
      rolling,
      (_, z) => Math.exp(predicted.mu + predicted.sigma * z),
      { total: 3000, scored: 2000 },
    );
    expect(staticCoverage).toBeGreaterThan(0.88);
    expect(Math.abs(coverage - 0.9)).toBeLessThan(0.02);
    const served = recalibrator.adjust(predicted);
    expect(Math.abs(served.mu - predicted.mu)).toBeLessThan(0.05);
    expect(Math.abs(served.sigma / predicted.sigma - 1)).toBeLessThan(0.25);
  });

  it("keeps P90 coverage at 0.9 after delivery times drift, where the trained calibration misses", () => {
    // From shipment 1000 on, deliveries take 60 % longer and spread more; the model does not know.
    const drifted = (i: number, z: number) =>
      i < 1000 ? Math.exp(predicted.mu + 0.3 * z) : Math.exp(predicted.mu + Math.log(1.6) + 0.4 * z);
    const { coverage, staticCoverage, mae } = replay(rolling, drifted, { total: 4000, scored: 2500 });
    expect(staticCoverage).toBeLessThan(0.5);
    expect(Math.abs(coverage - 0.9)).toBeLessThan(0.02);
    // The P50 moved too: its error is that of the true median (8 days), not the stale 5.
    const staleMae = replay({ ...rolling, window: 0 }, drifted, { total: 4000, scored: 2500 }).mae;
    expect(mae).toBeLessThan(0.8 * staleMae);
  });

  it("with a learnt offset, makes up for outcomes that arrive late in a steady slowdown", () => {
    // Times grow by 0.02 % per order (about 3.3x over the stream, from 5 to 17 days): the outcomes that have
    // arrived are those of faster, older orders, and the slowest recent ones are still on their way.
    const slowing = (i: number, z: number) => Math.exp(predicted.mu + 0.0002 * i + 0.25 * z);
    const options = { total: 6000, scored: 4000 };
    const fixed = replay(rolling, slowing, options);
    const adaptive = replay({ ...rolling, step: 0.01 }, slowing, options);
    expect(fixed.coverage).toBeLessThan(0.85);
    expect(Math.abs(adaptive.coverage - 0.9)).toBeLessThan(0.03);
    expect(adaptive.recalibrator.offset).toBeGreaterThan(0);
  });

  it("never serves a P90 below its P50, nor a non-finite distribution", () => {
    const r = new DeliveryRecalibrator({ ...rolling, minOutcomes: 1 });
    for (let i = 0; i < 10; i++) r.observe(predicted, 0, 5 * DAY_MS); // every score the same
    r.observe(predicted, DAY_MS, DAY_MS); // not a delivery time: ignored
    r.observe({ mu: 1, sigma: 0 }, 0, 3 * DAY_MS); // an infinite score: ignored
    expect(r.outcomes).toBe(10);
    const served = r.adjust(predicted);
    expect(served.sigma).toBeGreaterThan(0);
    expect(p90(served)).toBeGreaterThan(p50(served));
    expect(cdfDays(served, p90(served))).toBeCloseTo(0.9, 6);
  });

  it("refuses settings it cannot serve", () => {
    expect(() => new DeliveryRecalibrator({ ...rolling, minOutcomes: 0 })).toThrow(RangeError);
    expect(() => new DeliveryRecalibrator({ ...rolling, step: -1 })).toThrow(RangeError);
  });
});
