import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, signedHeaders, startSubgraph, type SubgraphDefinition } from "@aisle/kit";
import { createServer } from "node:net";
import { createPaymentRisk, riskRedisClient, type PaymentRiskInstance } from "@aisle/payment-risk";
import { demoWorld } from "@aisle/world";
import { median } from "./lib/load.ts";
import { deleteRedisKeys } from "../tests/redis-cleanup.ts";

/**
 * `npm run bench -- --suite payment-risk [--duration 10 --connections 10 --rounds 3]`: assessments per second
 * and p50/p99 latency of `assessPayment` on the payment-risk subgraph (in this process, like the demo's
 * all-in-one mode), for single calls (one at a time) and for a batch of `connections` concurrent calls, with
 * the embedded backend (memory velocity, fsync'd NDJSON log), with Redis (Lua velocity, Streams log), and with
 * Redis down (client on a closed port: degraded answers from the model alone, records fsync'd to the spool).
 * Also the model runs per request (from @aisle/ml's run counters). Each phase lasts --duration seconds;
 * the figures are medians over --rounds. Ratios (Redis vs embedded, concurrent vs single) are what to compare
 * across machines.
 */
export interface PaymentRiskPhase {
  readonly backend: Backend;
  readonly mode: "single" | "concurrent";
  readonly concurrency: number;
  readonly assessmentsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly requests: number;
  readonly errors: number;
  readonly degraded: number;
  readonly modelRunsPerRequest: number;
}

/** `redis-down`: the Redis backend with its client on a closed port: degraded answers, records spooled. */
type Backend = "embedded" | "redis" | "redis-down";

const ASSESS = `mutation($input: AssessPaymentInput!) { assessPayment(input: $input) { id score action degraded reasons { code } } }`;
const SECRET = "bench-internal-secret-0123456789";
const PREFIX = `bench:payment-risk:${randomUUID().slice(0, 8)}:`;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function inputFor(i: number): Record<string, unknown> {
  const users = demoWorld().users;
  const user = users[i % users.length]!;
  return {
    orderId: `bench-${i}-${randomUUID()}`,
    userId: user.id,
    amountMinor: 1_000 + ((i * 7919) % 40_000),
    currency: "USD",
    paymentMethodFingerprint: `pm_bench_${i % 2_000}`,
    deviceId: `dev_bench_${i % 3_000}`,
    ip: `198.51.${(i >> 8) % 256}.${i % 256}`,
    ipCountry: "US",
    emailDomain: i % 50 === 0 ? "mailinator.com" : "gmail.com",
    billingAddress: { country: "US" },
    shippingAddress: { country: i % 40 === 0 ? "GB" : "US" },
    items: [{ productId: `p-${i % 500}`, quantity: 1 + (i % 3), unitPriceMinor: 1_000 }],
  };
}

async function phase(
  url: string,
  instance: PaymentRiskInstance,
  backend: PaymentRiskPhase["backend"],
  concurrency: number,
  seconds: number,
  counter: { next: number },
): Promise<PaymentRiskPhase> {
  const latencies: number[] = [];
  let errors = 0;
  let degraded = 0;
  instance.model.resetStats();
  const until = performance.now() + seconds * 1_000;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      const t0 = performance.now();
      const requestBody = JSON.stringify({ query: ASSESS, variables: { input: inputFor(counter.next++) } });
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...signedHeaders(
            { userId: "bench", scopes: ["service:checkout"] },
            { subgraph: "payment-risk", body: requestBody },
            SECRET,
          ),
        },
        body: requestBody,
      });
      const body = (await response.json()) as {
        data?: { assessPayment?: { degraded: boolean } | null };
        errors?: unknown[];
      };
      latencies.push(performance.now() - t0);
      if (!response.ok || body.errors !== undefined || body.data?.assessPayment == null) errors += 1;
      else if (body.data.assessPayment.degraded) degraded += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1_000;
  latencies.sort((a, b) => a - b);
  return {
    backend,
    mode: concurrency === 1 ? "single" : "concurrent",
    concurrency,
    assessmentsPerSecond: Math.round(latencies.length / elapsed),
    latencyP50Ms: Math.round(percentile(latencies, 50) * 100) / 100,
    latencyP99Ms: Math.round(percentile(latencies, 99) * 100) / 100,
    requests: latencies.length,
    errors,
    degraded,
    modelRunsPerRequest: Math.round((instance.model.stats.runs / Math.max(1, latencies.length)) * 100) / 100,
  };
}

const BACKENDS: readonly Backend[] = ["embedded", "redis", "redis-down"];

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function cleanRedis(): Promise<void> {
  await deleteRedisKeys(`${PREFIX}*`);
}

export async function runPaymentRiskBench(options: {
  durationSeconds: number;
  connections: number;
  rounds: number;
}) {
  const log = createLogger("bench", "warn");
  const phases: PaymentRiskPhase[] = [];
  const counter = { next: 0 };
  for (const backend of BACKENDS) {
    const deadClient =
      backend === "redis-down"
        ? riskRedisClient(`redis://127.0.0.1:${await closedPort()}`, 150, log)
        : undefined;
    const dir = await mkdtemp(join(tmpdir(), "aisle-bench-risk-"));
    let instance: PaymentRiskInstance | undefined;
    const definition: SubgraphDefinition = {
      name: "payment-risk",
      defaultPort: 4006,
      create: async (input) =>
        (instance = await createPaymentRisk(input, deadClient === undefined ? {} : { redis: deadClient })),
    };
    const server = await startSubgraph(definition, {
      port: 0,
      log,
      env: {
        ...process.env,
        NODE_ENV: "production",
        AISLE_INTERNAL_SECRET: SECRET,
        LOG_LEVEL: "warn",
        RISK_BACKEND: backend === "embedded" ? "embedded" : "redis",
        RISK_DATA_DIR: dir,
        RISK_REDIS_PREFIX: PREFIX,
      },
    });
    try {
      await phase(server.url, instance!, backend, options.connections, 2, counter); // warm-up
      for (let round = 0; round < options.rounds; round += 1) {
        for (const concurrency of [1, options.connections]) {
          const result = await phase(
            server.url,
            instance!,
            backend,
            concurrency,
            options.durationSeconds,
            counter,
          );
          process.stderr.write(
            `  round ${round + 1} ${backend} ${result.mode}×${concurrency}: ${result.assessmentsPerSecond}/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms, runs/request ${result.modelRunsPerRequest}, errors ${result.errors}, degraded ${result.degraded}\n`,
          );
          phases.push(result);
        }
      }
    } finally {
      await server.close();
      deadClient?.disconnect();
      await rm(dir, { recursive: true, force: true });
    }
  }
  await cleanRedis();
  const summary: Record<string, Omit<PaymentRiskPhase, "requests" | "errors" | "degraded">> = {};
  for (const backend of BACKENDS) {
    for (const mode of ["single", "concurrent"] as const) {
      const mine = phases.filter((p) => p.backend === backend && p.mode === mode);
      summary[`${backend}/${mode}`] = {
        backend,
        mode,
        concurrency: mine[0]!.concurrency,
        assessmentsPerSecond: median(mine.map((p) => p.assessmentsPerSecond)),
        latencyP50Ms: Math.round(median(mine.map((p) => p.latencyP50Ms)) * 100) / 100,
        latencyP99Ms: Math.round(median(mine.map((p) => p.latencyP99Ms)) * 100) / 100,
        modelRunsPerRequest: median(mine.map((p) => p.modelRunsPerRequest)),
      };
    }
  }
  const s = (k: string) => summary[k]!.assessmentsPerSecond;
  return {
    settings: options,
    phases,
    summary,
    ratios: {
      redisOverEmbeddedSingle: Math.round((s("redis/single") / s("embedded/single")) * 100) / 100,
      redisOverEmbeddedConcurrent: Math.round((s("redis/concurrent") / s("embedded/concurrent")) * 100) / 100,
      concurrentOverSingleEmbedded: Math.round((s("embedded/concurrent") / s("embedded/single")) * 100) / 100,
      concurrentOverSingleRedis: Math.round((s("redis/concurrent") / s("redis/single")) * 100) / 100,
      redisDownOverRedisSingleP99:
        Math.round(
          (summary["redis-down/single"]!.latencyP99Ms / summary["redis/single"]!.latencyP99Ms) * 100,
        ) / 100,
    },
  };
}
