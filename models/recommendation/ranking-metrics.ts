import { createRng, hashString } from "@aisle/world";

/** Cut-offs of the S3-Rec / ICLRec tables. */
export const CUTOFFS = [5, 10, 20] as const;
export const METRICS = CUTOFFS.flatMap((k) => [`HR@${k}`, `NDCG@${k}`]);

/** HR@k and NDCG@k of one user from the 0-based rank of the target (null: not in the list). */
export function userMetrics(rank: number | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of CUTOFFS) {
    const hit = rank !== null && rank < k;
    out[`HR@${k}`] = hit ? 1 : 0;
    out[`NDCG@${k}`] = hit ? 1 / Math.log2((rank as number) + 2) : 0;
  }
  return out;
}

export interface Estimate {
  readonly value: number;
  readonly ci95: [number, number];
}

export interface PairedEstimate {
  readonly mean: number;
  readonly ci95: [number, number];
  readonly wins: number;
  readonly ties: number;
  readonly losses: number;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * Bootstrap over users (`resamples` draws of the same users for every method, so differences are paired):
 * each method's metrics with 95 % percentile intervals, and each method minus `baseline` per metric.
 */
export function bootstrap(
  perUser: Readonly<Record<string, readonly Record<string, number>[]>>,
  baseline: string,
  seed: number,
  resamples = 2000,
): {
  results: Record<string, Record<string, Estimate>>;
  paired: Record<string, Record<string, PairedEstimate>>;
} {
  const methods = Object.keys(perUser);
  const n = perUser[baseline]?.length ?? 0;
  const rng = createRng(hashString(`recommendation-eval-bootstrap:${seed}`));
  const draws: Int32Array[] = Array.from({ length: resamples }, () => {
    const d = new Int32Array(n);
    for (let i = 0; i < n; i++) d[i] = rng.int(0, n - 1);
    return d;
  });
  const column = (method: string, metric: string) =>
    Float64Array.from((perUser[method] ?? []).map((m) => m[metric] ?? 0));
  const interval = (values: Float64Array): [number, number] => {
    const means = draws
      .map((d) => {
        let s = 0;
        for (const i of d) s += values[i] as number;
        return s / Math.max(1, n);
      })
      .sort((a, b) => a - b);
    return [
      means[Math.floor(0.025 * resamples)] as number,
      means[Math.ceil(0.975 * resamples) - 1] as number,
    ];
  };
  const results: Record<string, Record<string, Estimate>> = {};
  const paired: Record<string, Record<string, PairedEstimate>> = {};
  for (const method of methods) {
    results[method] = {};
    for (const metric of METRICS) {
      const values = column(method, metric);
      results[method][metric] = { value: mean([...values]), ci95: interval(values) };
    }
    if (method === baseline) continue;
    const label = `${method} − ${baseline}`;
    paired[label] = {};
    for (const metric of METRICS) {
      const a = column(method, metric);
      const b = column(baseline, metric);
      const diff = a.map((x, i) => x - (b[i] as number));
      paired[label][metric] = {
        mean: mean([...diff]),
        ci95: interval(diff),
        wins: diff.filter((d) => d > 1e-12).length,
        ties: diff.filter((d) => Math.abs(d) <= 1e-12).length,
        losses: diff.filter((d) => d < -1e-12).length,
      };
    }
  }
  return { results, paired };
}
