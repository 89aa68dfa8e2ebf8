import { mkdtemp } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { assertAnswers, load, median, type LoadOptions, type LoadResult } from "./lib/load.ts";
import { processUsage, type ServerProcess } from "./lib/processes.ts";
import { oursArm, pageBodies, startSubgraphs, throwawayPublicKeyFile } from "./gateway.bench.ts";

/**
 * `npm run bench -- --suite semi-space [--semi-space default,16,32,64 --merging on --duration 10 --rounds 3]`
 * (an entry of `--semi-space` starting with `--` is used as NODE_OPTIONS as it is, any V8 flags NODE_OPTIONS accepts;
 * write the option as `--semi-space=...` then):
 * V8's young generation (`--max-semi-space-size`, MB, given in NODE_OPTIONS) for the gateway and its subgraph
 * processes, side by side. Every arm is a whole stack of its own, started at once and kept running: the gateway
 * (ours, merging on as in `gateway-stability`) and catalog, pricing and logistics, one process each,
 * NODE_ENV=production, every process with the arm's setting (`default`: no flag). Rounds are interleaved, the
 * arms' order rotating round by round, and each arm gets, on the delivery listing (CategoryPage, 24 products):
 *
 * - a closed loop (`connections`, `duration`): req/s, p50/p99, CPU per request of each process (/proc);
 * - the `gateway-stability` step at the same offered load for every arm: open loop at 35 % and then 70 % of the
 *   first arm's closed-loop throughput (measured once after warm-up), `duration` seconds each: p50, p99 and
 *   p99/p50 at 70 % (the goal there is ≤ 3).
 *
 * For each phase and process it also reads the process's own /metrics (prom-client's defaults): GC time and
 * pauses by kind (nodejs_gc_duration_seconds: scavenges are `minor`, mark-compact `major`, incremental marking
 * steps `incremental`), the event-loop delay p99 and max over the phase (nodejs_eventloop_lag_*, reset at every
 * scrape), and model-run time (aisle_model_run_duration_seconds: session.run is synchronous, so it blocks the
 * loop). GC and model times are wall times (a descheduled process's GC lasts longer), so "GC % of CPU" is GC
 * wall time over the process's CPU time: compare it between arms, not with profiles. Figures are medians over
 * rounds, and "vs first arm" divides by the first arm's; compare arms within one run, and mind the printed load
 * average. Put two arms with the same setting (`default,16`: 16 MB is V8's default on a box with 16 GB or more)
 * in a run to see its noise. In a container V8 sizes the heap from the memory limit: about 1 MB semi-spaces
 * under 512 MiB, 4 MB under 1 GiB (docs/adr/0021); `"--semi-space=--max-semi-space-size=1 --max-old-space-size=256"`
 * mimics such a gateway on a bigger box.
 */

const SUBGRAPHS = ["catalog", "pricing", "logistics"] as const;

export interface ProcessPhaseFigures {
  readonly cpuMsPerRequest: number;
  /** GC time per request by kind, in ms, and GC time over the process's CPU time. */
  readonly gcMsPerRequest: number;
  readonly minorGcMsPerRequest: number;
  readonly gcShareOfCpu: number;
  /** GC events in the phase and the number of them that paused 10 ms or more. */
  readonly minorGcs: number;
  readonly majorGcs: number;
  readonly gcPausesOver10Ms: number;
  readonly longestGcBucketMs: string;
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  readonly modelMsPerRequest: number;
}

interface PhaseSample {
  readonly load: LoadResult;
  readonly byProcess: Record<string, ProcessPhaseFigures>;
}

export interface SemiSpaceArmFigures {
  readonly nodeOptions: string;
  readonly closedLoop: {
    readonly requestsPerSecond: number;
    readonly vsFirst: number;
    readonly latencyP50Ms: number;
    readonly latencyP99Ms: number;
    readonly cpuMsPerRequest: number;
    readonly cpuMsPerRequestVsFirst: number;
    readonly byProcess: Record<string, ProcessPhaseFigures>;
  };
  readonly step: {
    readonly requestsPerSecond: number;
    readonly achieved: number;
    readonly baseP99OverP50: number;
    readonly latencyP50Ms: number;
    readonly latencyP99Ms: number;
    readonly p99OverP50: number;
    /** p99/p50 of every round, to judge the spread. */
    readonly p99OverP50ByRound: number[];
    readonly byProcess: Record<string, ProcessPhaseFigures>;
  };
  readonly rssMbAfter: Record<string, number>;
  readonly errors: number;
}

export interface SemiSpaceBenchResult {
  readonly settings: LoadOptions & { rounds: number; merging: string };
  readonly loadAverage: { readonly start: number[]; readonly end: number[] };
  readonly stepRates: readonly [number, number];
  readonly arms: Record<string, SemiSpaceArmFigures>;
}

type Metrics = Map<string, number>;

/** `name{a="x",b="y"} value` lines of a Prometheus text scrape, keyed by name and sorted labels. */
async function scrape(server: ServerProcess): Promise<Metrics> {
  const text = await (await fetch(server.url.replace(/\/graphql$/, "/metrics"))).text();
  const metrics: Metrics = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)/.exec(line);
    if (match === null) continue;
    const labels = (match[3] ?? "")
      .split(",")
      .filter((l) => l !== "")
      .sort()
      .join(",");
    metrics.set(`${match[1]}{${labels}}`, Number(match[4]));
  }
  return metrics;
}

/** Sum of a metric's series whose labels contain every `want` pair. */
function sum(metrics: Metrics, name: string, want: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of metrics) {
    if (!key.startsWith(`${name}{`)) continue;
    if (Object.entries(want).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}

const GC_BUCKETS = ["0.001", "0.01", "0.1", "1", "2", "5"];

function phaseFigures(
  before: Metrics,
  after: Metrics,
  cpuSeconds: number,
  requests: number,
): ProcessPhaseFigures {
  const delta = (name: string, want: Record<string, string> = {}) =>
    sum(after, name, want) - sum(before, name, want);
  const gcSeconds = delta("nodejs_gc_duration_seconds_sum");
  const gcCount = delta("nodejs_gc_duration_seconds_count");
  const under10 = delta("nodejs_gc_duration_seconds_bucket", { le: "0.01" });
  let longest = "none";
  for (const le of GC_BUCKETS) {
    const below = delta("nodejs_gc_duration_seconds_bucket", { le });
    if (below < gcCount) continue;
    longest = `≤ ${Number(le) * 1000} ms`;
    break;
  }
  if (gcCount > 0 && longest === "none") longest = "> 5000 ms";
  const perRequest = (seconds: number) => round((seconds * 1000) / Math.max(1, requests), 3);
  return {
    cpuMsPerRequest: perRequest(cpuSeconds),
    gcMsPerRequest: perRequest(gcSeconds),
    minorGcMsPerRequest: perRequest(delta("nodejs_gc_duration_seconds_sum", { kind: "minor" })),
    gcShareOfCpu: round(gcSeconds / Math.max(1e-9, cpuSeconds), 3),
    minorGcs: delta("nodejs_gc_duration_seconds_count", { kind: "minor" }),
    majorGcs: delta("nodejs_gc_duration_seconds_count", { kind: "major" }),
    gcPausesOver10Ms: gcCount - under10,
    longestGcBucketMs: longest,
    eventLoopDelayP99Ms: round(sum(after, "nodejs_eventloop_lag_p99_seconds") * 1000),
    eventLoopDelayMaxMs: round(sum(after, "nodejs_eventloop_lag_max_seconds") * 1000),
    modelMsPerRequest: perRequest(delta("aisle_model_run_duration_seconds_sum")),
  };
}

interface Stack {
  readonly name: string;
  readonly nodeOptions: string;
  readonly gateway: ServerProcess;
  /** Gateway first, then the subgraphs. */
  readonly servers: readonly ServerProcess[];
}

/** Runs one load on an arm's stack, with every process's CPU and /metrics read on both sides. */
async function measure(stack: Stack, body: string, options: LoadOptions, label: string) {
  const snapshot = () =>
    Promise.all(
      stack.servers.map(async (s) => ({
        cpu: (await processUsage(s.pid)).cpuSeconds,
        metrics: await scrape(s),
      })),
    );
  const before = await snapshot(); // also resets each process's event-loop delay histogram
  const result = await load(label, stack.gateway.url, body, options);
  const after = await snapshot();
  const byProcess: Record<string, ProcessPhaseFigures> = {};
  stack.servers.forEach((server, i) => {
    byProcess[server.name] = phaseFigures(
      before[i]!.metrics,
      after[i]!.metrics,
      after[i]!.cpu - before[i]!.cpu,
      result.requests,
    );
  });
  return { load: result, byProcess };
}

/** Median of each numeric field over the rounds' per-process figures. */
function medianByProcess(samples: readonly PhaseSample[]): Record<string, ProcessPhaseFigures> {
  const out: Record<string, ProcessPhaseFigures> = {};
  for (const name of Object.keys(samples[0]!.byProcess)) {
    const rows = samples.map((s) => s.byProcess[name]!);
    const m = (key: keyof ProcessPhaseFigures) => median(rows.map((r) => r[key] as number));
    out[name] = {
      cpuMsPerRequest: m("cpuMsPerRequest"),
      gcMsPerRequest: m("gcMsPerRequest"),
      minorGcMsPerRequest: m("minorGcMsPerRequest"),
      gcShareOfCpu: m("gcShareOfCpu"),
      minorGcs: m("minorGcs"),
      majorGcs: m("majorGcs"),
      gcPausesOver10Ms: m("gcPausesOver10Ms"),
      longestGcBucketMs: rows.map((r) => r.longestGcBucketMs).join(" / "),
      eventLoopDelayP99Ms: m("eventLoopDelayP99Ms"),
      eventLoopDelayMaxMs: m("eventLoopDelayMaxMs"),
      modelMsPerRequest: m("modelMsPerRequest"),
    };
  }
  return out;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
const loadAverage = () => loadavg().map((x) => round(x));

export async function runSemiSpaceBench(
  options: LoadOptions & { rounds: number; semiSpaces: readonly string[]; merging: "on" | "off" },
): Promise<SemiSpaceBenchResult> {
  const body = pageBodies().delivery;
  const started: ServerProcess[] = [];
  const start = loadAverage();
  try {
    const stacks: Stack[] = [];
    for (const setting of options.semiSpaces) {
      // A number is --max-semi-space-size in MB; an entry starting with "--" is used as NODE_OPTIONS as it is.
      const nodeOptions =
        setting === "default"
          ? ""
          : setting.startsWith("--")
            ? setting
            : `--max-semi-space-size=${Number(setting)}`;
      const env = { NODE_OPTIONS: nodeOptions };
      // One directory per arm: each writes its own supergraph.graphql (its subgraphs' ports).
      const dir = await mkdtemp(join(tmpdir(), "aisle-bench-semi-space-"));
      const name = setting === "default" || setting.startsWith("--") ? setting : `${setting} MB`;
      const { subgraphs, urls, supergraphPath } = await startSubgraphs(dir, started, SUBGRAPHS, env);
      const gateway = await oursArm(
        options.merging,
        await throwawayPublicKeyFile(dir),
        undefined,
        `gateway (${name})`,
        env,
      ).start(supergraphPath, urls);
      started.push(gateway);
      const servers = [gateway, ...SUBGRAPHS.map((s) => subgraphs[s])].map((s) => ({
        ...s,
        name: s === gateway ? "gateway" : s.name,
      }));
      stacks.push({ name, nodeOptions, gateway, servers });
      process.stderr.write(
        `  started ${name}${nodeOptions === "" ? "" : ` (NODE_OPTIONS=${nodeOptions})`}\n`,
      );
    }
    for (const stack of stacks) {
      await assertAnswers(stack.gateway.url, body);
      await load("warm-up", stack.gateway.url, body, { ...options, durationSeconds: 5 });
    }
    const reference = await load("closed loop", stacks[0]!.gateway.url, body, options);
    const base = Math.max(1, Math.round(reference.requestsPerSecond * 0.35));
    const stepRates = [base, 2 * base] as const;
    process.stderr.write(
      `  ${stacks[0]!.name} closed loop ${reference.requestsPerSecond} req/s: steps at ${stepRates.join(" and ")} req/s; load average ${start.join(" ")}\n`,
    );
    const openLoop = (rate: number): LoadOptions => ({
      ...options,
      connections: Math.max(options.connections * 4, 50),
      requestsPerSecond: rate,
    });

    const samples = new Map(
      stacks.map((s) => [
        s.name,
        { closed: [] as PhaseSample[], base: [] as PhaseSample[], step: [] as PhaseSample[] },
      ]),
    );
    for (let r = 0; r < options.rounds; r++) {
      // The arms' order rotates, so none is always first after a pause or last on a warm box.
      const order = stacks.map((_, i) => stacks[(i + r) % stacks.length]!);
      for (const stack of order) {
        const mine = samples.get(stack.name)!;
        const closed = await measure(stack, body, options, stack.name);
        const baseLoad = await measure(stack, body, openLoop(stepRates[0]), stack.name);
        const step = await measure(stack, body, openLoop(stepRates[1]), stack.name);
        mine.closed.push(closed);
        mine.base.push(baseLoad);
        mine.step.push(step);
        const gw = (s: PhaseSample) => s.byProcess["gateway"]!;
        process.stderr.write(
          `  round ${r + 1} ${stack.name}: closed ${closed.load.requestsPerSecond} req/s p50 ${closed.load.latencyP50Ms} p99 ${closed.load.latencyP99Ms}, ` +
            `cpu ${round(Object.values(closed.byProcess).reduce((n, p) => n + p.cpuMsPerRequest, 0))} ms/req (gateway ${gw(closed).cpuMsPerRequest}, gc ${round(gw(closed).gcShareOfCpu * 100, 1)} %); ` +
            `step ${step.load.requestsPerSecond} req/s p50 ${step.load.latencyP50Ms} p99 ${step.load.latencyP99Ms} (${round(step.load.latencyP99Ms / Math.max(1, step.load.latencyP50Ms))}x), ` +
            `gc pauses ≥10 ms ${JSON.stringify(Object.fromEntries(Object.entries(step.byProcess).map(([n, p]) => [n, p.gcPausesOver10Ms])))}, ` +
            `loop delay p99/max ms ${JSON.stringify(Object.fromEntries(Object.entries(step.byProcess).map(([n, p]) => [n, `${p.eventLoopDelayP99Ms}/${p.eventLoopDelayMaxMs}`])))}; load ${loadAverage()[0]}` +
            `${[closed, baseLoad, step].some((s) => s.load.errors + s.load.non2xx > 0) ? " ERRORS" : ""}\n`,
        );
      }
    }

    const arms: Record<string, SemiSpaceArmFigures> = {};
    const totalCpu = (s: PhaseSample) =>
      Object.values(s.byProcess).reduce((n, p) => n + p.cpuMsPerRequest, 0);
    const first = samples.get(stacks[0]!.name)!;
    const firstRps = median(first.closed.map((s) => s.load.requestsPerSecond));
    const firstCpu = median(first.closed.map(totalCpu));
    for (const stack of stacks) {
      const mine = samples.get(stack.name)!;
      const rps = median(mine.closed.map((s) => s.load.requestsPerSecond));
      const cpu = round(median(mine.closed.map(totalCpu)));
      const ratio = (s: PhaseSample) => round(s.load.latencyP99Ms / Math.max(1, s.load.latencyP50Ms));
      const rss: Record<string, number> = {};
      for (const server of stack.servers)
        rss[server.name] = round((await processUsage(server.pid)).rssBytes / 2 ** 20, 0);
      arms[stack.name] = {
        nodeOptions: stack.nodeOptions,
        closedLoop: {
          requestsPerSecond: rps,
          vsFirst: round(rps / Math.max(1, firstRps)),
          latencyP50Ms: median(mine.closed.map((s) => s.load.latencyP50Ms)),
          latencyP99Ms: median(mine.closed.map((s) => s.load.latencyP99Ms)),
          cpuMsPerRequest: cpu,
          cpuMsPerRequestVsFirst: round(cpu / Math.max(1e-9, firstCpu)),
          byProcess: medianByProcess(mine.closed),
        },
        step: {
          requestsPerSecond: stepRates[1],
          achieved: median(mine.step.map((s) => s.load.requestsPerSecond)),
          baseP99OverP50: median(mine.base.map(ratio)),
          latencyP50Ms: median(mine.step.map((s) => s.load.latencyP50Ms)),
          latencyP99Ms: median(mine.step.map((s) => s.load.latencyP99Ms)),
          p99OverP50: median(mine.step.map(ratio)),
          p99OverP50ByRound: mine.step.map(ratio),
          byProcess: medianByProcess(mine.step),
        },
        rssMbAfter: rss,
        errors: [...mine.closed, ...mine.base, ...mine.step].reduce(
          (n, s) => n + s.load.errors + s.load.non2xx,
          0,
        ),
      };
    }
    const end = loadAverage();
    process.stderr.write(
      `\nDelivery listing, medians of ${options.rounds} rounds; load average ${start.join(" ")} at the start, ${end.join(" ")} at the end\n` +
        "| arm | req/s | vs first arm | CPU ms/req | vs first arm | gateway GC % CPU | gateway scavenges/s | step p50 ms | step p99 ms | p99/p50 (rounds) | GC pauses ≥10 ms at step | RSS MB gateway |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (const [name, a] of Object.entries(arms)) {
      const gw = a.closedLoop.byProcess["gateway"]!;
      const pauses = Object.values(a.step.byProcess).reduce((n, p) => n + p.gcPausesOver10Ms, 0);
      process.stderr.write(
        `| ${name} | ${a.closedLoop.requestsPerSecond} | ${a.closedLoop.vsFirst}× | ${a.closedLoop.cpuMsPerRequest} | ${a.closedLoop.cpuMsPerRequestVsFirst}× | ${round(gw.gcShareOfCpu * 100, 1)} | ${round(gw.minorGcs / options.durationSeconds, 1)} | ${a.step.latencyP50Ms} | ${a.step.latencyP99Ms} | ${a.step.p99OverP50} (${a.step.p99OverP50ByRound.join(", ")}) | ${pauses} | ${a.rssMbAfter["gateway"]} |\n`,
      );
    }
    process.stderr.write(
      "\nPer process (closed loop: CPU ms/req, GC % of CPU; step: loop delay p99/max ms, model ms/req)\n",
    );
    for (const [name, a] of Object.entries(arms)) {
      const cells = Object.entries(a.closedLoop.byProcess).map(([p, f]) => {
        const s = a.step.byProcess[p]!;
        return `${p} ${f.cpuMsPerRequest} ms, GC ${round(f.gcShareOfCpu * 100, 1)} %, delay ${s.eventLoopDelayP99Ms}/${s.eventLoopDelayMaxMs} ms, model ${s.modelMsPerRequest} ms`;
      });
      process.stderr.write(`  ${name}: ${cells.join("; ")}\n`);
    }
    return {
      settings: { ...options, merging: options.merging },
      loadAverage: { start, end },
      stepRates,
      arms,
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}
