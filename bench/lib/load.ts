import autocannon from "autocannon";

export interface LoadResult {
  readonly target: string;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
}

export interface LoadOptions {
  readonly connections: number;
  readonly durationSeconds: number;
  readonly workers?: number;
  /** Open loop: send this many requests per second in all (autocannon's overallRate); closed loop when absent. */
  readonly requestsPerSecond?: number;
}

/** Sends the same POST body for a fixed time with autocannon and keeps the figures that matter. */
export async function load(
  target: string,
  url: string,
  body: string,
  options: LoadOptions,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.requestsPerSecond === undefined ? {} : { overallRate: options.requestsPerSecond }),
  });
  return {
    target,
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Checks one request's answer before measuring, so a broken target is never benchmarked. */
export async function assertAnswers(url: string, body: string): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const json = (await response.json()) as { data?: unknown; errors?: unknown[] };
  if (!response.ok || json.errors !== undefined || json.data == null) {
    throw new Error(
      `${url} did not answer the benchmark operation: ${response.status} ${JSON.stringify(json).slice(0, 300)}`,
    );
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
