/**
 * WAPE (Σ|y − ŷ| / Σy) of several forecasts of the same rows, with 95 % bootstrap intervals over items (an
 * item's rows are resampled together) and the paired differences model − each other forecast on the same
 * resamples. Used by the demand and pricing evaluations (models/demand/eval.ts, models/pricing/eval.ts); the
 * JSON shape is the one models/common/plot_card.py draws.
 */
export interface Estimate {
  readonly wape: number;
  readonly ci95: readonly [number, number];
}

/** Deterministic uniform [0, 1) numbers (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export function wape(actual: readonly number[], forecast: readonly number[]): number {
  let err = 0;
  let total = 0;
  actual.forEach((y, i) => {
    err += Math.abs(y - (forecast[i] as number));
    total += Math.abs(y);
  });
  return total > 0 ? err / total : Number.NaN;
}

/**
 * `forecasts` must hold "model"; every other key is a baseline. Returns `{ <key>: Estimate, model_minus_<key>:
 * Estimate }` (the point value of a difference is the difference of the point values).
 */
export function wapeIntervals(
  actual: readonly number[],
  forecasts: Readonly<Record<string, readonly number[]>>,
  items: readonly string[],
  options: { readonly resamples?: number; readonly seed?: number } = {},
): Record<string, Estimate> {
  if (forecasts["model"] === undefined) throw new Error("wapeIntervals needs a 'model' forecast");
  const index = new Map<string, number>();
  const itemOf = items.map((item) => index.get(item) ?? (index.set(item, index.size), index.size - 1));
  const n = index.size;
  const total = new Float64Array(n);
  actual.forEach(
    (y, i) => (total[itemOf[i] as number] = (total[itemOf[i] as number] as number) + Math.abs(y)),
  );
  const errors = Object.fromEntries(
    Object.entries(forecasts).map(([key, f]) => {
      const e = new Float64Array(n);
      actual.forEach((y, i) => {
        const k = itemOf[i] as number;
        e[k] = (e[k] as number) + Math.abs(y - (f[i] as number));
      });
      return [key, e];
    }),
  );
  const random = seededRandom(options.seed ?? 7);
  const boots: Record<string, number[]> = Object.fromEntries(Object.keys(forecasts).map((k) => [k, []]));
  const counts = new Float64Array(n);
  for (let b = 0; b < (options.resamples ?? 2000); b++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const k = Math.floor(random() * n);
      counts[k] = (counts[k] as number) + 1;
    }
    let denominator = 0;
    for (let i = 0; i < n; i++) denominator += (counts[i] as number) * (total[i] as number);
    for (const [key, e] of Object.entries(errors)) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (counts[i] as number) * (e[i] as number);
      boots[key]?.push(sum / denominator);
    }
  }
  const ci = (values: number[]): [number, number] => [quantile(values, 0.025), quantile(values, 0.975)];
  const sumOf = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  const out: Record<string, Estimate> = {};
  for (const [key, e] of Object.entries(errors))
    out[key] = { wape: sumOf(e) / sumOf(total), ci95: ci(boots[key] as number[]) };
  const model = boots["model"] as number[];
  for (const key of Object.keys(forecasts)) {
    if (key === "model") continue;
    const other = boots[key] as number[];
    out[`model_minus_${key}`] = {
      wape: (out["model"] as Estimate).wape - (out[key] as Estimate).wape,
      ci95: ci(model.map((m, i) => m - (other[i] as number))),
    };
  }
  return out;
}
