import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { print } from "graphql";
import { demoWorld } from "@aisle/world";
import { CategoryPageDocument } from "../operations/__generated__/graphql.ts";
import { assertAnswers, load, median, type LoadOptions, type LoadResult } from "./lib/load.ts";
import {
  freePort,
  processUsage,
  repoRoot,
  startProcess,
  tsxNode,
  type ServerProcess,
} from "./lib/processes.ts";

const SECRET = "bench-internal-secret-0123456789";

/** The subgraphs the benchmark's pages touch, each in its own process. */
const SUBGRAPHS = ["catalog", "pricing", "logistics"] as const;
type Subgraph = (typeof SUBGRAPHS)[number];

/** The plain listing: 20 products, id and title (catalog only), as the `pages` and `pricing` suites send it. */
const PLAIN_LISTING = `query PlainListing($categoryId: ID!, $first: Int = 20) {
  productsByCategory(categoryId: $categoryId, first: $first) { totalCount edges { node { id title } } }
}`;

/** The request bodies of the two pages, for the demo world's first department. */
export function pageBodies(): Record<PageName, string> {
  const department = demoWorld().categories.find((c) => c.parentId === null)!;
  return {
    plain: JSON.stringify({ query: PLAIN_LISTING, variables: { categoryId: department.id, first: 20 } }),
    // The storefront's category page (operations/logistics.graphql): 24 products with the offered price,
    // availability and the compact delivery promise (date, on-time probability, carrier).
    delivery: JSON.stringify({
      query: print(CategoryPageDocument),
      variables: {
        categoryId: department.id,
        first: 24,
        context: { currency: "USD", region: "US" },
        destination: { country: "US", postalCode: "80202" },
      },
    }),
  };
}

type Merging = "on" | "off" | "none";

interface Arm {
  readonly name: string;
  readonly merging: Merging;
  /** Gateways have arms on every page; the catalog arm only where it answers alone. */
  readonly pages: readonly PageName[];
  start(supergraphPath: string, urls: Readonly<Record<string, string>>): Promise<ServerProcess>;
}

export type PageName = "plain" | "delivery";

export interface ArmFigures {
  readonly merging: Merging;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** This arm's req/s over ours with merging on; and over ours with the same merging setting. */
  readonly vsOurs: number;
  readonly vsOursSameMerging: number;
  /** CPU time of the arm's process(es) over the requests answered, in ms. */
  readonly cpuMsPerRequest: number;
  /** Subgraph requests per client request (below 1 per subgraph when fetches were merged). */
  readonly subgraphCallsPerRequest: number;
  readonly errors: number;
}

export interface GatewayBenchResult {
  readonly settings: LoadOptions & { rounds: number };
  readonly pages: Record<PageName, Record<string, ArmFigures>>;
  readonly ratios: {
    /** catalog direct req/s over ours, plain listing; with merging off it is the gateway's own overhead. */
    readonly gatewayOverheadMergingOff: number;
    readonly gatewayOverheadMergingOn: number;
  };
  readonly rounds: Record<PageName, LoadResult[][]>;
}

/** A public key nobody uses, so the production-mode gateway starts (it refuses the dev key). */
export async function throwawayPublicKeyFile(dir: string): Promise<string> {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const path = join(dir, "public.pem");
  await writeFile(path, publicKey.export({ type: "spki", format: "pem" }));
  return path;
}

/**
 * The committed supergraph with each benchmarked subgraph's URL pointed at its process, and every other
 * subgraph at a closed port (the pages never reach them; a plan that did would fail, not hit a demo server).
 */
async function supergraphFor(dir: string, urls: Readonly<Record<string, string>>): Promise<string> {
  const sdl = await readFile(join(repoRoot, "schema/supergraph.graphql"), "utf8");
  const rewritten = sdl.replace(
    /@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g,
    (_all, name: string) =>
      `@join__graph(name: "${name}", url: "${urls[name] ?? "http://127.0.0.1:9/graphql"}")`,
  );
  const path = join(dir, "supergraph.graphql");
  await writeFile(path, rewritten);
  return path;
}

/** Requests a subgraph has answered so far, from its Prometheus counter. */
async function requestsServed(subgraphUrl: string, subgraph: Subgraph): Promise<number> {
  const text = await (await fetch(subgraphUrl.replace(/\/graphql$/, "/metrics"))).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`aisle_graphql_requests_total{server="${subgraph}"`)) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

/** The benchmarked subgraphs (or `names`), each in its own process (added to `started`), and a supergraph pointing at them. */
export async function startSubgraphs<Name extends string = Subgraph>(
  dir: string,
  started: ServerProcess[],
  names: readonly Name[] = SUBGRAPHS as readonly string[] as readonly Name[],
  /** Added to each subgraph's environment (e.g. NODE_OPTIONS, for the semi-space suite). */
  extraEnv: Readonly<Record<string, string>> = {},
) {
  const subgraphs = {} as Record<Name, ServerProcess>;
  for (const name of names) {
    const port = await freePort();
    const server = await startProcess({
      name,
      ...tsxNode(`subgraphs/${name}/src/main.ts`),
      env: { ...subgraphEnv, ...extraEnv, PORT: String(port) },
      url: `http://127.0.0.1:${port}/graphql`,
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    started.push(server);
    subgraphs[name] = server;
  }
  const urls = Object.fromEntries(names.map((n) => [n, subgraphs[n].url])) as Record<Name, string>;
  return { subgraphs, urls, supergraphPath: await supergraphFor(dir, urls) };
}

const subgraphEnv = {
  NODE_ENV: "production",
  LOG_LEVEL: "warn",
  AISLE_INTERNAL_SECRET: SECRET,
  HOST: "127.0.0.1",
  // The peer gateways do not sign identities; these pages read only public fields.
  AISLE_UNSIGNED_REQUESTS: "anonymous",
  // Signatures' nonces kept in each subgraph's memory: in production they go to a shared Redis, a round trip
  // per signed call that only our arms would pay (the peers' calls are unsigned), and the box's Redis is shared.
  AISLE_REPLAY_STORE: "memory",
};

/** Ours; `entry` runs another copy of the gateway (BENCH_BEFORE_ENTRY: an older checkout, for before/after). */
export function oursArm(
  merging: "on" | "off",
  keyFile: string,
  entry = "gateway/src/main.ts",
  name = `ours, merging ${merging}`,
  /** Added to the gateway's environment (e.g. NODE_OPTIONS, for the semi-space suite). */
  extraEnv: Readonly<Record<string, string>> = {},
): Arm {
  return {
    name,
    merging,
    pages: ["plain", "delivery"],
    async start(supergraphPath) {
      const port = await freePort();
      return startProcess({
        name: this.name,
        ...tsxNode(entry),
        env: {
          ...subgraphEnv,
          PORT: String(port),
          SUPERGRAPH_PATH: supergraphPath,
          SUBGRAPH_MERGE_INFLIGHT: merging === "on" ? "true" : "false",
          // Production refuses the committed dev key; the load is anonymous from one IP, so the per-caller
          // limit is raised out of the way (the memory limiter still runs and is part of the measured cost).
          AUTH_PUBLIC_KEY_FILE: keyFile,
          RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000000",
          RATE_LIMIT_USER_PER_MINUTE: "1000000000",
          ...extraEnv,
        },
        url: `http://127.0.0.1:${port}/graphql`,
        readyUrl: `http://127.0.0.1:${port}/readyz`,
      });
    },
  };
}

const apolloDefaultsArm: Arm = {
  name: "@apollo/gateway defaults",
  merging: "none",
  pages: ["plain", "delivery"],
  async start(supergraphPath) {
    const port = await freePort();
    return startProcess({
      name: this.name,
      command: process.execPath,
      args: [...tsxNode("bench/lib/apollo-gateway-defaults.ts").args, supergraphPath, String(port)],
      env: { NODE_ENV: "production" },
      url: `http://127.0.0.1:${port}/graphql`,
      readyUrl: `http://127.0.0.1:${port}/graphql`,
      readyQuery: "{ __typename }",
    });
  },
};

/**
 * Hive Gateway (the `hive-gateway` CLI, one process: `--fork 1`) with its JavaScript planner or with Hive
 * Router's Rust planner (`--hive-router-runtime`, @graphql-hive/router-runtime), in-flight merging on (its
 * default) or off (`deduplicateInflightRequests: false` on the HTTP transport, from a config file).
 */
function hiveArm(planner: "js" | "rust", merging: "on" | "off", dir: string): Arm {
  return {
    name: `hive ${planner}, merging ${merging}`,
    merging,
    pages: ["plain", "delivery"],
    async start(supergraphPath) {
      const port = await freePort();
      const configPath = join(dir, `hive-merging-${merging}.config.mjs`);
      await writeFile(
        configPath,
        `export const gatewayConfig = { transportEntries: { "*.http": { options: { deduplicateInflightRequests: ${
          merging === "on"
        } } } } };\n`,
      );
      return startProcess({
        name: this.name,
        command: process.execPath,
        args: [
          join(repoRoot, "node_modules/@graphql-hive/gateway/dist/bin.js"),
          "supergraph",
          supergraphPath,
          ...(planner === "rust" ? ["--hive-router-runtime"] : []),
          "--config-path",
          configPath,
          "--port",
          String(port),
          "--host",
          "127.0.0.1",
          "--fork",
          "1",
        ],
        env: { NODE_ENV: "production" },
        url: `http://127.0.0.1:${port}/graphql`,
        readyUrl: `http://127.0.0.1:${port}/healthcheck`,
      });
    },
  };
}

const catalogDirectArm = (catalog: ServerProcess): Arm => ({
  name: "catalog direct",
  merging: "none",
  pages: ["plain"],
  start: async () => catalog,
});

/**
 * `npm run bench -- --suite gateway`: gateways like for like. Every arm runs in its own process over the same
 * supergraph, with one worker, against the same subgraph processes (catalog, pricing, logistics), in
 * interleaved rounds (each arm once per round and page): ours (@apollo/gateway's planner and executor with
 * Aisle's undici client), @apollo/gateway with its defaults, Hive Gateway with its JavaScript planner and with
 * the Rust planner, each with in-flight merging on and off where it has the setting, and the catalog subgraph
 * directly on the plain listing (the gateway overhead). Pages: the plain 20-product listing and the 24-product
 * delivery listing (CategoryPage: price, availability, delivery promise). Prints req/s relative to ours,
 * the arm's CPU per request (process CPU time over requests) and subgraph calls per request.
 */
export async function runGatewayBench(
  options: LoadOptions & { rounds: number },
): Promise<GatewayBenchResult> {
  const bodies = pageBodies();
  const dir = await mkdtemp(join(tmpdir(), "aisle-bench-gateway-"));
  const started: ServerProcess[] = [];
  try {
    const { subgraphs, urls, supergraphPath } = await startSubgraphs(dir, started);
    const keyFile = await throwawayPublicKeyFile(dir);
    const arms: Arm[] = [
      oursArm("on", keyFile),
      oursArm("off", keyFile),
      apolloDefaultsArm,
      hiveArm("js", "on", dir),
      hiveArm("js", "off", dir),
      hiveArm("rust", "on", dir),
      hiveArm("rust", "off", dir),
      catalogDirectArm(subgraphs.catalog),
    ];
    const before = process.env["BENCH_BEFORE_ENTRY"];
    if (before !== undefined) arms.splice(2, 0, oursArm("off", keyFile, before, `ours before (${before})`));
    const servers = new Map<string, ServerProcess>();
    for (const arm of arms) {
      const server = await arm.start(supergraphPath, urls);
      if (server !== subgraphs.catalog) started.push(server);
      servers.set(arm.name, server);
    }
    for (const page of ["plain", "delivery"] as const) {
      for (const arm of arms.filter((a) => a.pages.includes(page))) {
        const url = servers.get(arm.name)!.url;
        await assertAnswers(url, bodies[page]);
        await load(arm.name, url, bodies[page], { ...options, durationSeconds: 2 }); // JIT, pools, plan caches
      }
    }

    interface Measured extends LoadResult {
      readonly cpuMsPerRequest: number;
      readonly subgraphCallsPerRequest: number;
    }
    const rounds: Record<PageName, Measured[][]> = { plain: [], delivery: [] };
    for (let round = 0; round < options.rounds; round++) {
      for (const page of ["plain", "delivery"] as const) {
        const results: Measured[] = [];
        for (const arm of arms.filter((a) => a.pages.includes(page))) {
          const server = servers.get(arm.name)!;
          const served = async () => {
            let total = 0;
            for (const name of SUBGRAPHS) total += await requestsServed(subgraphs[name].url, name);
            return total;
          };
          const [cpuBefore, callsBefore] = [await processUsage(server.pid), await served()];
          const result = await load(arm.name, server.url, bodies[page], options);
          const [cpuAfter, callsAfter] = [await processUsage(server.pid), await served()];
          const requests = Math.max(result.requests, 1);
          const measured: Measured = {
            ...result,
            cpuMsPerRequest: round2(((cpuAfter.cpuSeconds - cpuBefore.cpuSeconds) * 1000) / requests),
            subgraphCallsPerRequest: round2((callsAfter - callsBefore) / requests),
          };
          process.stderr.write(
            `  round ${round + 1} ${page} ${arm.name}: ${result.requestsPerSecond} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms, ${measured.cpuMsPerRequest} ms CPU/req, ${measured.subgraphCallsPerRequest} subgraph calls/req${result.errors + result.non2xx > 0 ? `, ${result.errors} errors, ${result.non2xx} non-2xx` : ""}\n`,
          );
          results.push(measured);
        }
        rounds[page].push(results);
      }
    }

    const pages = { plain: {}, delivery: {} } as Record<PageName, Record<string, ArmFigures>>;
    for (const page of ["plain", "delivery"] as const) {
      const of = (name: string) => rounds[page].map((r) => r.find((x) => x.target === name)!);
      const rps = (name: string) => median(of(name).map((r) => r.requestsPerSecond));
      for (const arm of arms.filter((a) => a.pages.includes(page))) {
        const mine = of(arm.name);
        const same = arm.merging === "off" ? "ours, merging off" : "ours, merging on";
        pages[page][arm.name] = {
          merging: arm.merging,
          requestsPerSecond: rps(arm.name),
          latencyP50Ms: median(mine.map((r) => r.latencyP50Ms)),
          latencyP99Ms: median(mine.map((r) => r.latencyP99Ms)),
          vsOurs: round2(rps(arm.name) / rps("ours, merging on")),
          vsOursSameMerging: round2(rps(arm.name) / rps(same)),
          cpuMsPerRequest: median(mine.map((r) => r.cpuMsPerRequest)),
          subgraphCallsPerRequest: median(mine.map((r) => r.subgraphCallsPerRequest)),
          errors: mine.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
        };
      }
      process.stderr.write(`\n${page} listing (median of ${options.rounds} rounds)\n`);
      process.stderr.write(
        "| arm | req/s | vs ours (merging on) | vs ours (same merging) | p50 ms | p99 ms | CPU ms/req | subgraph calls/req |\n|---|---|---|---|---|---|---|---|\n",
      );
      for (const [name, f] of Object.entries(pages[page])) {
        process.stderr.write(
          `| ${name} | ${f.requestsPerSecond} | ${f.vsOurs}× | ${f.vsOursSameMerging}× | ${f.latencyP50Ms} | ${f.latencyP99Ms} | ${f.cpuMsPerRequest} | ${f.subgraphCallsPerRequest} |\n`,
        );
      }
    }
    const plain = pages.plain;
    return {
      settings: options,
      pages,
      ratios: {
        gatewayOverheadMergingOff: round2(
          plain["catalog direct"]!.requestsPerSecond / plain["ours, merging off"]!.requestsPerSecond,
        ),
        gatewayOverheadMergingOn: round2(
          plain["catalog direct"]!.requestsPerSecond / plain["ours, merging on"]!.requestsPerSecond,
        ),
      },
      rounds,
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export interface GatewayStabilityResult {
  readonly page: PageName;
  /** Open-loop rates: the base load is 35 % of the closed-loop throughput measured first, the step twice it. */
  readonly closedLoopRequestsPerSecond: number;
  readonly steps: {
    readonly requestsPerSecond: number;
    readonly achieved: number;
    readonly latencyP50Ms: number;
    readonly latencyP99Ms: number;
    readonly p99OverP50: number;
    readonly errors: number;
  }[];
  readonly soak: {
    readonly seconds: number;
    readonly requests: number;
    /** Resident memory of each server after warm-up and after the soak, and its growth. */
    readonly rss: Record<
      string,
      { readonly beforeMb: number; readonly afterMb: number; readonly growth: number }
    >;
  };
  readonly goals: {
    readonly p99Within3xP50AtTwiceTheLoad: boolean;
    readonly rssGrowthBelow10Percent: boolean;
  };
}

/**
 * `npm run bench -- --suite gateway-stability [--duration 10 --connections 10 --soak 120]`: ours (merging on)
 * in its own process over catalog, pricing and logistics processes, on the delivery listing.
 * Step: the closed-loop throughput at `connections` is measured, then an open-loop load at 35 % of it and a
 * step to twice that (70 %), each for `duration` seconds: p99 must stay within 3× p50 after the step.
 * Soak: the bench load (closed loop, `connections`) for `soak` seconds; each server's resident memory after
 * warm-up and at the end must differ by less than 10 %. The soak's length is printed with its figures.
 */
export async function runGatewayStabilityBench(
  options: LoadOptions & { soakSeconds: number },
): Promise<GatewayStabilityResult> {
  const page: PageName = "delivery";
  const body = pageBodies()[page];
  const dir = await mkdtemp(join(tmpdir(), "aisle-bench-stability-"));
  const started: ServerProcess[] = [];
  try {
    const { subgraphs, urls, supergraphPath } = await startSubgraphs(dir, started);
    const ours = await oursArm("on", await throwawayPublicKeyFile(dir)).start(supergraphPath, urls);
    started.push(ours);
    await assertAnswers(ours.url, body);
    await load("warm-up", ours.url, body, { ...options, durationSeconds: 5 });
    const closed = await load("closed loop", ours.url, body, options);
    process.stderr.write(`  closed loop: ${closed.requestsPerSecond} req/s, p50 ${closed.latencyP50Ms} ms\n`);
    const base = Math.max(1, Math.round(closed.requestsPerSecond * 0.35));
    const steps: GatewayStabilityResult["steps"] = [];
    for (const rate of [base, 2 * base]) {
      // Enough connections that the rate, not the connections, sets the load.
      const result = await load(`${rate} req/s`, ours.url, body, {
        ...options,
        connections: Math.max(options.connections * 4, 50),
        requestsPerSecond: rate,
      });
      const step = {
        requestsPerSecond: rate,
        achieved: result.requestsPerSecond,
        latencyP50Ms: result.latencyP50Ms,
        latencyP99Ms: result.latencyP99Ms,
        p99OverP50: round2(result.latencyP99Ms / Math.max(result.latencyP50Ms, 1)),
        errors: result.errors + result.non2xx,
      };
      process.stderr.write(`  open loop ${JSON.stringify(step)}\n`);
      steps.push(step);
    }
    const servers: ServerProcess[] = [ours, ...SUBGRAPHS.map((n) => subgraphs[n])];
    const before = new Map<string, number>();
    for (const server of servers) before.set(server.name, (await processUsage(server.pid)).rssBytes);
    const soak = await load("soak", ours.url, body, { ...options, durationSeconds: options.soakSeconds });
    const rss: GatewayStabilityResult["soak"]["rss"] = {};
    for (const server of servers) {
      const after = (await processUsage(server.pid)).rssBytes;
      const start = before.get(server.name)!;
      rss[server.name] = {
        beforeMb: round2(start / 2 ** 20),
        afterMb: round2(after / 2 ** 20),
        growth: round2((after - start) / start),
      };
    }
    process.stderr.write(
      `  soak of ${options.soakSeconds} s (${soak.requests} requests): ${JSON.stringify(rss)}\n`,
    );
    const last = steps[steps.length - 1]!;
    return {
      page,
      closedLoopRequestsPerSecond: closed.requestsPerSecond,
      steps,
      soak: { seconds: options.soakSeconds, requests: soak.requests, rss },
      goals: {
        p99Within3xP50AtTwiceTheLoad: last.latencyP99Ms <= 3 * last.latencyP50Ms,
        rssGrowthBelow10Percent: Object.values(rss).every((r) => r.growth < 0.1),
      },
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}
