import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { connect } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, processUsage, repoRoot, startProcess, tsxNode } from "./lib/processes.ts";
import type { ScaleSize } from "./scale.worker.ts";

/**
 * `npm run bench -- --suite scale`: catalogue growth. For 10k, 100k and 1M products (BENCH_SCALE_SIZES, comma
 * separated) it runs bench/scale.worker.ts in its own process (`nice -n 10`, `--expose-gc`; run the suite itself
 * un-niced, or the niceness adds up), which generates the world at that size and builds what the subgraphs build
 * at start with their own classes: the catalog's store, recommendation's item vectors and HNSW index (with ANN
 * recall and latency against exact search; and the same index over the vectors made distinct by a little noise,
 * since items past the model's vocabulary share vectors), search's embedded engine (with query latency) and pricing's product
 * features in the feature store (memory backend, and Redis: a private redis-server per size, whose used_memory
 * is read). Build costs are compared as CPU time of the worker (all its threads): on a shared box, wall times
 * mostly measure the others' load. A size that runs past BENCH_SCALE_TIMEOUT_SECONDS (default 900) is stopped;
 * the steps it finished are kept, the rest extrapolated (labelled) from the two sizes before it. Every cost is
 * compared with n log n between consecutive sizes. Whole subgraph start-up (spawn to ready) is measured at the demo
 * size only: the subgraphs always serve the demo world.
 */
export interface Growth {
  readonly metric: string;
  readonly from: number;
  readonly to: number;
  readonly ratio: number;
  /** (to log to) / (from log from). */
  readonly nLogNRatio: number;
  readonly fasterThanNLogN: boolean;
}

export interface ScaleBenchResult {
  readonly sizes: ScaleSize[];
  readonly growth: Growth[];
  /** Figures of unfinished sizes, by power-law extrapolation from the two sizes before: estimates, not measurements. */
  readonly extrapolated: { readonly products: number; readonly metric: string; readonly estimate: number }[];
  readonly loadAverage: { readonly before: number[]; readonly after: number[] };
  /** Whole subgraph processes from spawn to ready, at the demo size only (the subgraphs serve the demo world). */
  readonly startupAtDemoSize: Record<string, { wallMs: number; cpuMs: number; rssMb: number }>;
}

/** Costs that must grow no faster than n log n (CPU time of builds, and memory), by name. */
const COSTS: Record<string, (s: ScaleSize) => number | undefined> = {
  "world generation CPU ms": (s) => s.steps.world?.cpuMs,
  "world (product objects) heap MB": (s) => s.steps.world?.memory.heapMb,
  "catalog store + listings CPU ms": (s) =>
    s.steps.catalog === undefined ? undefined : s.steps.catalog.store.cpuMs + s.steps.catalog.listings.cpuMs,
  "catalog store heap MB": (s) => s.steps.catalog?.memory.heapMb,
  "recommendation item tower CPU ms": (s) => s.steps.recommendation?.tower.cpuMs,
  "recommendation vectors + index CPU ms": (s) => s.steps.recommendation?.vectorsAndIndex.cpuMs,
  "HNSW build CPU ms, distinct vectors": (s) => s.steps.recommendationDistinct?.build.cpuMs,
  "recommendation heap + external MB": (s) =>
    s.steps.recommendation === undefined
      ? undefined
      : s.steps.recommendation.memory.heapMb + s.steps.recommendation.memory.externalMb,
  "recommendation RSS MB": (s) => s.steps.recommendation?.memory.rssMb,
  "HNSW heap + external MB, distinct vectors": (s) =>
    s.steps.recommendationDistinct === undefined
      ? undefined
      : s.steps.recommendationDistinct.memory.heapMb + s.steps.recommendationDistinct.memory.externalMb,
  "HNSW RSS MB, distinct vectors": (s) => s.steps.recommendationDistinct?.memory.rssMb,
  "search engine build CPU ms": (s) => s.steps.search?.build.cpuMs,
  "search heap MB": (s) => s.steps.search?.memory.heapMb,
  "search RSS MB": (s) => s.steps.search?.memory.rssMb,
  "features: memory backend heap MB": (s) => s.steps.features?.memoryBackend.memory.heapMb,
  "features: Redis used_memory MB": (s) => s.steps.features?.redis.usedMemoryMb,
  "features: Redis write CPU ms (client)": (s) => s.steps.features?.redis.write.cpuMs,
};

/** Per-request CPU times: compared with n log n as well (they should grow far slower: log n for the ANN). */
const PER_QUERY: Record<string, (s: ScaleSize) => number | undefined> = {
  "ANN search CPU p50 ms": (s) => s.steps.recommendation?.query.ann.cpuP50Ms,
  "ANN search CPU p50 ms, distinct vectors": (s) => s.steps.recommendationDistinct?.query.ann.cpuP50Ms,
  "exact search CPU p50 ms": (s) => s.steps.recommendation?.query.exact.cpuP50Ms,
  "similar items CPU p50 ms": (s) => s.steps.recommendation?.query.neighbours.cpuP50Ms,
  "search query CPU p50 ms": (s) => s.steps.search?.query?.cpuP50Ms,
};

/** Printed beside the others, no growth bound. */
const QUALITY: Record<string, (s: ScaleSize) => number | undefined> = {
  "world generation wall ms": (s) => s.steps.world?.ms,
  "recommendation vectors + index wall ms": (s) => s.steps.recommendation?.vectorsAndIndex.ms,
  "search engine build wall ms": (s) => s.steps.search?.build.ms,
  "search lexical index wall ms": (s) => s.steps.search?.indexMs,
  "search embedding wall ms": (s) => s.steps.search?.embedMs,
  "ANN search wall p50 ms": (s) => s.steps.recommendation?.query.ann.p50Ms,
  "ANN search wall p99 ms": (s) => s.steps.recommendation?.query.ann.p99Ms,
  "search query wall p50 ms": (s) => s.steps.search?.query?.p50Ms,
  "search query wall p99 ms": (s) => s.steps.search?.query?.p99Ms,
  "ANN recall@100": (s) => s.steps.recommendation?.query.recallAtK,
  "ANN recall@10": (s) => s.steps.recommendation?.query.recallAt10,
  "ANN recall@100, distinct vectors": (s) => s.steps.recommendationDistinct?.query.recallAtK,
  "ANN recall@10, distinct vectors": (s) => s.steps.recommendationDistinct?.query.recallAt10,
  "duplicate item vectors (share)": (s) => s.steps.recommendation?.duplicateVectorShare,
  "peak RSS MB": (s) => s.peakRssMb,
};

const nLogN = (n: number) => n * Math.log(n);
const round = (x: number) => Math.round(x * 100) / 100;

/** A private redis-server on a free port for one size (the box's Redis is shared), stopped by its pid. */
async function privateRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const listening = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => resolve(socket.end() !== undefined));
      socket.once("error", () => resolve(false));
    });
  for (let attempt = 0; !(await listening()); attempt++) {
    if (attempt > 50) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Start-up of the catalog, search and recommendation processes as deployed (NODE_ENV=production, tsx), one at a
 * time: wall time to /readyz, and the process's CPU time and resident memory then.
 */
async function startupAtDemoSize(): Promise<ScaleBenchResult["startupAtDemoSize"]> {
  const figures: ScaleBenchResult["startupAtDemoSize"] = {};
  for (const name of ["catalog", "search", "recommendation"]) {
    const port = await freePort();
    const t0 = performance.now();
    const server = await startProcess({
      name,
      ...tsxNode(`subgraphs/${name}/src/main.ts`),
      env: {
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        HOST: "127.0.0.1",
        PORT: String(port),
        AISLE_INTERNAL_SECRET: "bench-internal-secret-0123456789",
        AISLE_REPLAY_STORE: "memory",
      },
      url: `http://127.0.0.1:${port}/graphql`,
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    const wallMs = Math.round(performance.now() - t0);
    const usage = await processUsage(server.pid);
    await server.stop();
    figures[name] = {
      wallMs,
      cpuMs: Math.round(usage.cpuSeconds * 1000),
      rssMb: round(usage.rssBytes / 2 ** 20),
    };
    process.stderr.write(`  start-up of ${name} at the demo size: ${JSON.stringify(figures[name])}\n`);
  }
  return figures;
}

async function runSize(products: number, dir: string, timeoutSeconds: number): Promise<ScaleSize | null> {
  const out = join(dir, `scale-${products}.json`);
  const redis = await privateRedis();
  const child = spawn(
    "nice",
    [
      "-n",
      "10",
      process.execPath,
      "--expose-gc",
      "--max-old-space-size=16384",
      "--conditions=aisle-source",
      "--import",
      "tsx",
      "bench/scale.worker.ts",
      String(products),
      out,
      redis.url,
    ],
    { cwd: repoRoot, stdio: ["ignore", process.stderr, "inherit"] },
  );
  const timer = setTimeout(() => {
    process.stderr.write(`  scale ${products}: stopped after ${timeoutSeconds} s\n`);
    child.kill("SIGKILL");
  }, timeoutSeconds * 1000);
  await new Promise((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  await redis.stop();
  return existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as ScaleSize) : null;
}

export async function runScaleBench(): Promise<ScaleBenchResult> {
  const sizes = (process.env["BENCH_SCALE_SIZES"] ?? "10000,100000,1000000")
    .split(",")
    .filter((x) => x !== "")
    .map(Number);
  const timeoutSeconds = Number(process.env["BENCH_SCALE_TIMEOUT_SECONDS"] ?? "900");
  const dir = await mkdtemp(join(tmpdir(), "aisle-bench-scale-"));
  const before = loadavg().map(round);
  const startup = await startupAtDemoSize();
  const results: ScaleSize[] = [];
  for (const products of sizes) {
    const size = await runSize(products, dir, timeoutSeconds);
    results.push(size ?? { products, users: 0, steps: {}, errors: {}, done: false, peakRssMb: 0 });
  }
  const after = loadavg().map(round);

  const growth: Growth[] = [];
  const extrapolated: ScaleBenchResult["extrapolated"] = [];
  for (const [metric, value] of Object.entries({ ...COSTS, ...PER_QUERY })) {
    for (let i = 1; i < results.length; i++) {
      const [a, b] = [results[i - 1]!, results[i]!];
      const [va, vb] = [value(a), value(b)];
      if (va !== undefined && vb !== undefined && va > 0) {
        const ratio = round(vb / va);
        const bound = round(nLogN(b.products) / nLogN(a.products));
        growth.push({
          metric,
          from: a.products,
          to: b.products,
          ratio,
          nLogNRatio: bound,
          fasterThanNLogN: ratio > bound,
        });
      } else if (vb === undefined && i >= 2) {
        const z = results[i - 2]!;
        const vz = value(z);
        if (va !== undefined && vz !== undefined && va > 0 && vz > 0) {
          const exponent = Math.log(va / vz) / Math.log(a.products / z.products);
          extrapolated.push({
            products: b.products,
            metric,
            estimate: round(va * (b.products / a.products) ** exponent),
          });
        }
      }
    }
  }

  process.stderr.write(`\n  load average before ${before.join(" ")}, after ${after.join(" ")}\n`);
  process.stderr.write(
    `\n  | metric | ${results.map((r) => `${r.products}${r.done ? "" : " (unfinished)"}`).join(" | ")} |\n`,
  );
  for (const [metric, value] of Object.entries({ ...COSTS, ...PER_QUERY, ...QUALITY })) {
    const cells = results.map((r) => {
      const v = value(r);
      const estimate = extrapolated.find((e) => e.products === r.products && e.metric === metric);
      return v !== undefined
        ? String(v)
        : estimate !== undefined
          ? `~${estimate.estimate} (extrapolated)`
          : "–";
    });
    process.stderr.write(`  | ${metric} | ${cells.join(" | ")} |\n`);
  }
  process.stderr.write(`\n  | growth | sizes | ratio | n log n ratio | faster than n log n |\n`);
  for (const g of growth) {
    process.stderr.write(
      `  | ${g.metric} | ${g.from} → ${g.to} | ${g.ratio} | ${g.nLogNRatio} | ${g.fasterThanNLogN ? "YES" : "no"} |\n`,
    );
  }
  return { sizes: results, growth, extrapolated, loadAverage: { before, after }, startupAtDemoSize: startup };
}
