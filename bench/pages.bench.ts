import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { print, type DocumentNode } from "graphql";
import { createLogger } from "@aisle/kit";
import { InThreadRunner, type Feeds } from "@aisle/ml";
import { signToken } from "@aisle/gateway";
import { demoBehaviour, demoWorld } from "@aisle/world";
import {
  CategoryPageDocument,
  HomeFeedDocument,
  PricedListingDocument,
  ProductListingWithDeliveryDocument,
} from "../operations/__generated__/graphql.ts";
import { startLocalSupergraph } from "../scripts/local-supergraph.ts";
import autocannon from "autocannon";
import { median, type LoadOptions, type LoadResult } from "./lib/load.ts";
import { processUsage, type ServerProcess } from "./lib/processes.ts";
import { oursArm, startSubgraphs } from "./gateway.bench.ts";

/**
 * `npm run bench -- --suite pages [--duration 10 --connections 10 --rounds 3]`: the page types of the issue-21
 * table, side by side on the in-process supergraph (the demo's all-in-one mode: gateway, every subgraph and
 * the load generator share one process, so absolute figures are pessimistic; the ratios are what to compare):
 *
 * - `plain`: a 20-product listing, id and title only (the reference, 1×);
 * - `price`: the same listing with `price` (PricedListing);
 * - `delivery-full`: 24 products with availability and every delivery option with its parcels
 *   (ProductListingWithDelivery, the product-page shape used on a listing);
 * - `category-page`: 24 products with title, price, availability and the compact `deliveryPromise`
 *   (CategoryPage, what the storefront's category page sends);
 * - `home-feed`: the signed-in home feed, 20 items (HomeFeed).
 *
 * In-flight merging of identical subgraph fetches is off: the load repeats one body per page, and real traffic
 * would not merge nearly as often. Rounds are interleaved (every page once per round), each figure is the median over rounds. For every page
 * it also reports the process CPU per request and the share of it spent inside model runs (the sum of
 * aisle_model_run_duration_seconds over the load, divided by the process CPU time over the same window:
 * the load generator's CPU is in the denominator too, so the share is a lower bound).
 *
 * `--suite pages-processes`: production-shaped instead: the gateway (ours, merging off) and each subgraph the pages reach
 * (catalog, pricing, logistics, recommendation, user-profile) in its own process with NODE_ENV=production, one
 * of each. CPU per request is then the servers' CPU time (from /proc) over the requests answered, per process
 * and in all, without the load generator's; model shares are not measured in this mode (the models run in the
 * subgraph processes).
 */
export interface PageFigures {
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly vsPlain: number;
  readonly cpuMsPerRequest: number;
  /** --processes: CPU ms per request of each server process (their sum is cpuMsPerRequest). */
  readonly cpuMsPerRequestByProcess?: Record<string, number>;
  /** session.run calls of one request, and the CPU they take replayed alone (ms); in-process mode only. */
  readonly modelRunsPerRequest?: number;
  readonly modelCpuMsPerRequest?: number;
  /** modelCpuMsPerRequest over cpuMsPerRequest under load. */
  readonly modelShareOfCpu?: number;
  readonly responseBytes: number;
  readonly errors: number;
}

export interface PagesBenchResult {
  readonly settings: LoadOptions & { rounds: number; processes: boolean };
  readonly pages: Record<string, PageFigures>;
  readonly goals: Record<string, { value: number; goal: string; met: boolean }>;
}

interface Page {
  readonly name: string;
  readonly document: DocumentNode | string;
  readonly variables: Record<string, unknown>;
  readonly signedIn?: boolean;
}

const PLAIN_LISTING = `query PlainListing($categoryId: ID!, $first: Int = 20) {
  productsByCategory(categoryId: $categoryId, first: $first) { totalCount edges { node { id title } } }
}`;

/**
 * The model runs one request makes, caught at `session.run` (every model of the process runs in-thread by
 * default): the bench records them for one request, then replays exactly those runs on their own to get the
 * CPU time a request spends inside the models. Process CPU time, not wall time, on both sides of the ratio,
 * so a busy machine does not inflate the models' share with waiting.
 */
const runs: { runner: InThreadRunner; feeds: Feeds }[] = [];
let capturing = false;
const originalRun = InThreadRunner.prototype.run;
InThreadRunner.prototype.run = function (this: InThreadRunner, feeds: Feeds): Promise<Feeds> {
  if (capturing) runs.push({ runner: this, feeds });
  return originalRun.call(this, feeds);
};

async function modelCpuMsPerRequest(send: () => Promise<void>): Promise<{ ms: number; runs: number }> {
  // Requests autocannon abandoned at the end of the previous load may still be running their models.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  runs.length = 0;
  capturing = true;
  await send();
  capturing = false;
  const caught = runs.splice(0);
  if (caught.length === 0) return { ms: 0, runs: 0 };
  for (const run of caught) await originalRun.call(run.runner, run.feeds); // warm
  const repeats = 50;
  const cpu0 = cpuSeconds();
  for (let i = 0; i < repeats; i++) {
    for (const run of caught) await originalRun.call(run.runner, run.feeds);
  }
  return { ms: ((cpuSeconds() - cpu0) * 1000) / repeats, runs: caught.length };
}

const cpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** bench/lib/load.ts's `load`, with request headers (the feed is signed in). */
async function load(
  target: string,
  url: string,
  body: string,
  options: LoadOptions & { headers: Record<string, string> },
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: "POST",
    headers: options.headers,
    body,
    connections: options.connections,
    duration: options.durationSeconds,
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

/** The supergraph under load. */
interface Target {
  readonly url: string;
  /** Server processes whose CPU is measured; none: this process's CPU (the load generator's included). */
  readonly servers: readonly ServerProcess[];
  signShopper(user: string): Promise<string>;
  close(): Promise<void>;
}

async function inProcessTarget(): Promise<Target> {
  const supergraph = await startLocalSupergraph({
    port: 0,
    log: createLogger("bench", "error"),
    env: {
      ...process.env,
      LOG_LEVEL: "error",
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000000",
      RATE_LIMIT_USER_PER_MINUTE: "1000000000",
      // Every request of a load here has the same body; merged in-flight fetches would make one subgraph call
      // serve about ten client requests, which real traffic (other categories, other shoppers) does not get.
      SUBGRAPH_MERGE_INFLIGHT: "false",
    },
  });
  return {
    url: supergraph.url,
    servers: [],
    signShopper: (user) => signToken({ user, scopes: ["shopper"] }),
    close: () => supergraph.close(),
  };
}

/** The subgraphs the five pages reach. */
const PAGE_SUBGRAPHS = ["catalog", "pricing", "logistics", "recommendation", "user-profile"] as const;

/** Gateway (merging off, as in process) and subgraphs, one process each, production mode, a throwaway key pair. */
async function processesTarget(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), "aisle-bench-pages-"));
  const started: ServerProcess[] = [];
  const close = async () => {
    await Promise.all(started.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const { supergraphPath } = await startSubgraphs(dir, started, PAGE_SUBGRAPHS);
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const keyFile = join(dir, "public.pem");
    await writeFile(keyFile, publicKey.export({ type: "spki", format: "pem" }));
    const gateway = await oursArm("off", keyFile, undefined, "gateway").start(supergraphPath, {});
    started.unshift(gateway);
    return {
      url: gateway.url,
      servers: started,
      signShopper: (user) => signToken({ user, scopes: ["shopper"] }, { key: privateKey, alg: "ES256" }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** CPU seconds so far of each measured process (this one, when the target is in process). */
async function cpuByProcess(target: Target): Promise<Map<string, number>> {
  if (target.servers.length === 0) return new Map([["bench process", cpuSeconds()]]);
  const entries = await Promise.all(
    target.servers.map(async (s) => [s.name, (await processUsage(s.pid)).cpuSeconds] as const),
  );
  return new Map(entries);
}

export async function runPagesBench(
  options: LoadOptions & { rounds: number; processes?: boolean },
): Promise<PagesBenchResult> {
  const processes = options.processes === true;
  const target = processes ? await processesTarget() : await inProcessTarget();
  try {
    const world = demoWorld();
    const behaviour = demoBehaviour();
    const department = world.categories.find((c) => c.parentId === null)!;
    const regular = world.users.find((u) => behaviour.events(u.id).length > 30)!;
    const token = await target.signShopper(regular.id);
    const destination = { country: "US", postalCode: "80202" };
    const priceContext = { currency: "USD", region: "US" };
    const pages: Page[] = [
      { name: "plain", document: PLAIN_LISTING, variables: { categoryId: "c-electronics", first: 20 } },
      {
        name: "price",
        document: PricedListingDocument,
        variables: { categoryId: "c-electronics", first: 20, context: priceContext },
      },
      {
        name: "delivery-full",
        document: ProductListingWithDeliveryDocument,
        variables: { categoryId: department.id, first: 24, destination },
      },
      {
        name: "category-page",
        document: CategoryPageDocument,
        variables: { categoryId: department.id, first: 24, destination, context: priceContext },
      },
      { name: "home-feed", document: HomeFeedDocument, variables: { first: 20 }, signedIn: true },
    ];
    const headersOf = (page: Page): Record<string, string> => ({
      "content-type": "application/json",
      ...(page.signedIn === true ? { authorization: `Bearer ${token}` } : {}),
    });
    const bodyOf = (page: Page): string =>
      JSON.stringify({
        query: typeof page.document === "string" ? page.document : print(page.document),
        variables: page.variables,
      });
    const send = async (page: Page): Promise<string> => {
      const response = await fetch(target.url, {
        method: "POST",
        headers: headersOf(page),
        body: bodyOf(page),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`page ${page.name}: HTTP ${response.status} ${text.slice(0, 300)}`);
      return text;
    };
    const bytes = new Map<string, number>();
    const modelCpu = new Map<string, { ms: number; runs: number }>();
    for (const page of pages) {
      const response = await fetch(target.url, {
        method: "POST",
        headers: headersOf(page),
        body: bodyOf(page),
      });
      const text = await response.text();
      const json = JSON.parse(text) as { data?: unknown; errors?: unknown[] };
      if (!response.ok || json.errors !== undefined || json.data == null) {
        throw new Error(`page ${page.name} did not answer: ${response.status} ${text.slice(0, 300)}`);
      }
      bytes.set(page.name, Buffer.byteLength(text));
      await load(`warm-${page.name}`, target.url, bodyOf(page), {
        ...options,
        durationSeconds: 2,
        headers: headersOf(page),
      });
      if (!processes)
        modelCpu.set(
          page.name,
          await modelCpuMsPerRequest(async () => {
            await send(page);
          }),
        );
    }
    const results = new Map<
      string,
      { load: LoadResult; cpuMsPerRequest: number; byProcess: Record<string, number> }[]
    >(pages.map((p) => [p.name, []]));
    for (let r = 0; r < options.rounds; r++) {
      for (const page of pages) {
        const cpu0 = await cpuByProcess(target);
        const t0 = performance.now();
        const result = await load(page.name, target.url, bodyOf(page), {
          ...options,
          headers: headersOf(page),
        });
        const cpu1 = await cpuByProcess(target);
        const elapsed = (performance.now() - t0) / 1000;
        const requests = Math.max(1, result.requests);
        const byProcess: Record<string, number> = {};
        let cpu = 0;
        for (const [name, seconds] of cpu1) {
          cpu += seconds - cpu0.get(name)!;
          byProcess[name] = round(((seconds - cpu0.get(name)!) * 1000) / requests);
        }
        const entry = { load: result, cpuMsPerRequest: round((cpu * 1000) / requests), byProcess };
        results.get(page.name)!.push(entry);
        process.stderr.write(
          `  round ${r + 1} ${page.name}: ${result.requestsPerSecond} req/s, p50 ${result.latencyP50Ms} ms, ` +
            `p99 ${result.latencyP99Ms} ms, cpu ${entry.cpuMsPerRequest} ms/req (${round(cpu / elapsed)} cores)` +
            `${processes ? ` ${JSON.stringify(byProcess)}` : ""}\n`,
        );
      }
    }
    const summary = (name: string) => {
      const entries = results.get(name)!;
      const cpuMsPerRequest = median(entries.map((e) => e.cpuMsPerRequest));
      const model = modelCpu.get(name);
      const byProcess = Object.fromEntries(
        Object.keys(entries[0]!.byProcess).map((p) => [p, median(entries.map((e) => e.byProcess[p]!))]),
      );
      return {
        requestsPerSecond: median(entries.map((e) => e.load.requestsPerSecond)),
        latencyP50Ms: median(entries.map((e) => e.load.latencyP50Ms)),
        latencyP99Ms: median(entries.map((e) => e.load.latencyP99Ms)),
        cpuMsPerRequest,
        ...(processes ? { cpuMsPerRequestByProcess: byProcess } : {}),
        ...(model === undefined
          ? {}
          : {
              modelRunsPerRequest: model.runs,
              modelCpuMsPerRequest: round(model.ms, 3),
              modelShareOfCpu: round(model.ms / Math.max(1e-9, cpuMsPerRequest), 3),
            }),
        errors: entries.reduce((n, e) => n + e.load.errors + e.load.non2xx, 0),
      };
    };
    const plain = summary("plain").requestsPerSecond;
    const figures: Record<string, PageFigures> = {};
    for (const page of pages) {
      const s = summary(page.name);
      figures[page.name] = {
        ...s,
        vsPlain: round(s.requestsPerSecond / Math.max(1, plain)),
        responseBytes: bytes.get(page.name) ?? 0,
      };
    }
    const goal = (value: number, min: number) => ({ value, goal: `>= ${min}`, met: value >= min });
    const feedModelShare = figures["home-feed"]!.modelShareOfCpu;
    const goals = {
      "category-page vs plain": goal(figures["category-page"]!.vsPlain, 0.5),
      "home-feed vs plain": goal(figures["home-feed"]!.vsPlain, 0.5),
      ...(feedModelShare === undefined ? {} : { "home-feed model share of cpu": goal(feedModelShare, 0.25) }),
    };
    process.stderr.write(
      `\n  page            req/s   vs plain  p50 ms  p99 ms  cpu ms/req  model runs  model ms  model % cpu   bytes\n`,
    );
    for (const [name, f] of Object.entries(figures)) {
      process.stderr.write(
        `  ${name.padEnd(14)} ${String(f.requestsPerSecond).padStart(6)} ${f.vsPlain.toFixed(2).padStart(9)} ` +
          `${String(f.latencyP50Ms).padStart(7)} ${String(f.latencyP99Ms).padStart(7)} ` +
          `${f.cpuMsPerRequest.toFixed(2).padStart(11)} ${String(f.modelRunsPerRequest ?? "–").padStart(11)} ` +
          `${(f.modelCpuMsPerRequest?.toFixed(2) ?? "–").padStart(9)} ` +
          `${(f.modelShareOfCpu === undefined ? "–" : (f.modelShareOfCpu * 100).toFixed(1)).padStart(12)} ` +
          `${String(f.responseBytes).padStart(7)}` +
          `${f.cpuMsPerRequestByProcess === undefined ? "" : `  ${JSON.stringify(f.cpuMsPerRequestByProcess)}`}\n`,
      );
    }
    for (const [name, g] of Object.entries(goals)) {
      process.stderr.write(`  goal ${name}: ${g.value} (${g.goal}) ${g.met ? "met" : "NOT met"}\n`);
    }
    return { settings: { ...options, processes }, pages: figures, goals };
  } finally {
    await target.close();
  }
}
