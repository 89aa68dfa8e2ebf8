import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { print } from "graphql";
import { demoWorld } from "@aisle/world";
import { CategoryListingDocument } from "../operations/__generated__/graphql.ts";
import { assertAnswers, load, median, type LoadOptions, type LoadResult } from "./lib/load.ts";
import { repoRoot, startProcess, tsxNode, type ServerProcess } from "./lib/processes.ts";

const PORTS = { catalog: 4101, gateway: 4100, peer: 4102 } as const;
const SECRET = "bench-internal-secret-0123456789";

export interface GatewayBenchResult {
  readonly operation: string;
  readonly settings: LoadOptions & { rounds: number };
  readonly rounds: LoadResult[][];
  readonly summary: Record<string, { requestsPerSecond: number; latencyP50Ms: number; latencyP99Ms: number }>;
  readonly ratios: { gatewayOverhead: number; oursOverPeerThroughput: number; oursOverPeerP99: number };
}

/** A public key nobody uses, so the production-mode gateway starts (it refuses the dev key). */
async function throwawayPublicKeyFile(): Promise<string> {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const path = join(await mkdtemp(join(tmpdir(), "aisle-bench-key-")), "public.pem");
  await writeFile(path, publicKey.export({ type: "spki", format: "pem" }));
  return path;
}

/** The supergraph with its subgraph URLs pointed at the benchmark's ports, for the peer gateway. */
async function supergraphFor(catalogUrl: string): Promise<string> {
  const sdl = await readFile(join(repoRoot, "schema/supergraph.graphql"), "utf8");
  const dir = await mkdtemp(join(tmpdir(), "aisle-bench-"));
  const path = join(dir, "supergraph.graphql");
  await writeFile(path, sdl.replace(/http:\/\/localhost:4001\/graphql/g, catalogUrl));
  return path;
}

/**
 * One catalog operation (a 24-product category listing) sent with the same load to three targets in
 * interleaved rounds: our gateway, the catalog subgraph directly, and Hive Gateway on the same supergraph.
 * Each server runs in its own single process; the load generator in this one.
 */
export async function runGatewayBench(
  options: LoadOptions & { rounds: number },
): Promise<GatewayBenchResult> {
  const department = demoWorld().categories.find((c) => c.parentId === null)!;
  const body = JSON.stringify({
    query: print(CategoryListingDocument),
    variables: { categoryId: department.id, first: 24 },
  });
  const common = {
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    AISLE_INTERNAL_SECRET: SECRET,
    HOST: "127.0.0.1",
  };
  const started: ServerProcess[] = [];
  try {
    const catalogUrl = `http://127.0.0.1:${PORTS.catalog}/graphql`;
    started.push(
      await startProcess({
        name: "catalog",
        ...tsxNode("subgraphs/catalog/src/main.ts"),
        // The peer gateway does not sign identities; this subgraph serves only public fields.
        env: { ...common, PORT: String(PORTS.catalog), AISLE_UNSIGNED_REQUESTS: "anonymous" },
        url: catalogUrl,
        readyUrl: `http://127.0.0.1:${PORTS.catalog}/readyz`,
      }),
    );
    started.push(
      await startProcess({
        name: "aisle-gateway",
        ...tsxNode("gateway/src/main.ts"),
        env: {
          ...common,
          PORT: String(PORTS.gateway),
          CATALOG_URL: catalogUrl,
          // Production refuses the committed dev key; the load is anonymous from one IP, so the per-caller
          // limit is raised out of the way (the memory limiter still runs and is part of the measured cost).
          AUTH_PUBLIC_KEY_FILE: await throwawayPublicKeyFile(),
          RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000000",
        },
        url: `http://127.0.0.1:${PORTS.gateway}/graphql`,
        readyUrl: `http://127.0.0.1:${PORTS.gateway}/readyz`,
      }),
    );
    const peerSupergraph = await supergraphFor(catalogUrl);
    started.push(
      await startProcess({
        name: "hive-gateway",
        command: process.execPath,
        args: [
          join(repoRoot, "node_modules/@graphql-hive/gateway/dist/bin.js"),
          "supergraph",
          peerSupergraph,
          "--port",
          String(PORTS.peer),
          "--host",
          "127.0.0.1",
          "--fork",
          "1",
        ],
        env: { NODE_ENV: "production" },
        url: `http://127.0.0.1:${PORTS.peer}/graphql`,
        readyUrl: `http://127.0.0.1:${PORTS.peer}/healthcheck`,
      }),
    );
    const targets = [
      { name: "aisle-gateway", url: started[1]!.url },
      { name: "catalog-direct", url: catalogUrl },
      { name: "hive-gateway", url: started[2]!.url },
    ];
    for (const target of targets) {
      await assertAnswers(target.url, body);
      await load(target.name, target.url, body, { ...options, durationSeconds: 2 }); // warm-up: JIT, pools, plan caches
    }
    const rounds: LoadResult[][] = [];
    for (let round = 0; round < options.rounds; round++) {
      const results: LoadResult[] = [];
      for (const target of targets) {
        const result = await load(target.name, target.url, body, options);
        process.stderr.write(
          `  round ${round + 1} ${target.name}: ${result.requestsPerSecond} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms\n`,
        );
        results.push(result);
      }
      rounds.push(results);
    }
    const summary: GatewayBenchResult["summary"] = {};
    for (const target of targets) {
      const mine = rounds.map((r) => r.find((x) => x.target === target.name)!);
      summary[target.name] = {
        requestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
        latencyP50Ms: median(mine.map((r) => r.latencyP50Ms)),
        latencyP99Ms: median(mine.map((r) => r.latencyP99Ms)),
      };
    }
    const ours = summary["aisle-gateway"]!;
    const direct = summary["catalog-direct"]!;
    const peer = summary["hive-gateway"]!;
    return {
      operation: "CategoryListing (24 products)",
      settings: options,
      rounds,
      summary,
      ratios: {
        gatewayOverhead: round2(direct.requestsPerSecond / ours.requestsPerSecond),
        oursOverPeerThroughput: round2(ours.requestsPerSecond / peer.requestsPerSecond),
        oursOverPeerP99: round2(ours.latencyP99Ms / peer.latencyP99Ms),
      },
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;
