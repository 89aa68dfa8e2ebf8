import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { graphql, print } from "graphql";
import { ANONYMOUS, createLogger, RequestContext } from "@aisle/kit";
import { createSearchParts } from "@aisle/search";
import { SearchPageDocument } from "../operations/__generated__/graphql.ts";
import { assertAnswers, load, median, type LoadOptions, type LoadResult } from "./lib/load.ts";
import { startProcess, tsxNode, type ServerProcess } from "./lib/processes.ts";

const PORTS = { gateway: 4120, catalog: 4121, search: 4122 } as const;
const SECRET = "bench-internal-secret-0123456789";
/** A few shopper queries, one per request in turn: typos, synonyms, price phrases and plain category words. */
const QUERIES = [
  "wireless earbuds",
  "black sneakers under 150",
  "rucksack",
  "coffe maker",
  "yoga mat",
  "red dress",
];

export interface SearchBenchResult {
  readonly operation: string;
  readonly settings: LoadOptions & { rounds: number };
  readonly summary: Record<string, { requestsPerSecond: number; latencyP50Ms: number; latencyP99Ms: number }>;
  /** Query-encoder `session.run` calls per search request (in process, SearchPage without the gateway). */
  readonly embeddingRunsPerRequest: number;
  readonly ratios: Record<string, number>;
}

async function throwawayPublicKeyFile(): Promise<string> {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const path = join(await mkdtemp(join(tmpdir(), "aisle-bench-key-")), "public.pem");
  await writeFile(path, publicKey.export({ type: "spki", format: "pem" }));
  return path;
}

/** Encoder runs per request, measured in process on the embedded engine. */
async function embeddingRunsPerRequest(): Promise<number> {
  const log = createLogger("bench", "silent");
  const parts = await createSearchParts({ SEARCH_BACKEND: "embedded" }, log);
  try {
    const before = parts.encoder.model.stats.runs;
    const requests = 60;
    for (let i = 0; i < requests; i += 1) {
      const source = `query($q: String!) { search(query: $q, first: 24) { totalCount facets { field } edges { node { product { id } } } } }`;
      await graphql({
        schema: parts.schema,
        source,
        variableValues: { q: QUERIES[i % QUERIES.length] },
        contextValue: new RequestContext(`b${i}`, ANONYMOUS, log),
      });
    }
    return (parts.encoder.model.stats.runs - before) / requests;
  } finally {
    await parts.close?.();
  }
}

/**
 * A search results page through the gateway (SearchPage: query, facets, 24 hits with title, image and price
 * from the catalog) on the embedded engine, and on OpenSearch when OPENSEARCH_URL is set. Each server runs
 * in its own process; targets alternate per round.
 */
export async function runSearchBench(options: LoadOptions & { rounds: number }): Promise<SearchBenchResult> {
  const backends: { name: string; env: Record<string, string> }[] = [
    { name: "embedded", env: { SEARCH_BACKEND: "embedded" } },
  ];
  const opensearch = process.env["OPENSEARCH_URL"];
  if (opensearch !== undefined && opensearch !== "") {
    backends.push({
      name: "opensearch",
      env: {
        SEARCH_BACKEND: "opensearch",
        OPENSEARCH_URL: opensearch,
        OPENSEARCH_INDEX: `aisle-bench-${process.pid}`,
      },
    });
  } else {
    process.stderr.write(
      "  OPENSEARCH_URL unset: the OpenSearch target is skipped (bash scripts/opensearch-start.sh to add it)\n",
    );
  }
  const common = {
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    AISLE_INTERNAL_SECRET: SECRET,
    HOST: "127.0.0.1",
  };
  const keyFile = await throwawayPublicKeyFile();
  const bodies = QUERIES.map((query) =>
    JSON.stringify({ query: print(SearchPageDocument), variables: { query, first: 24 } }),
  );
  const summary: SearchBenchResult["summary"] = {};
  const started: ServerProcess[] = [];
  try {
    // Both stacks run at once and take turns round by round, so a shared box's changing load falls on both.
    const gateways: string[] = [];
    for (const [k, backend] of backends.entries()) {
      const port = (base: number) => String(base + k * 10);
      const catalogUrl = `http://127.0.0.1:${port(PORTS.catalog)}/graphql`;
      const searchUrl = `http://127.0.0.1:${port(PORTS.search)}/graphql`;
      started.push(
        await startProcess({
          name: `catalog-${backend.name}`,
          ...tsxNode("subgraphs/catalog/src/main.ts"),
          env: { ...common, PORT: port(PORTS.catalog) },
          url: catalogUrl,
          readyUrl: `http://127.0.0.1:${port(PORTS.catalog)}/readyz`,
        }),
      );
      started.push(
        await startProcess({
          name: `search-${backend.name}`,
          ...tsxNode("subgraphs/search/src/main.ts"),
          env: { ...common, ...backend.env, PORT: port(PORTS.search) },
          url: searchUrl,
          readyUrl: `http://127.0.0.1:${port(PORTS.search)}/readyz`,
        }),
      );
      const gatewayUrl = `http://127.0.0.1:${port(PORTS.gateway)}/graphql`;
      started.push(
        await startProcess({
          name: `gateway-${backend.name}`,
          ...tsxNode("gateway/src/main.ts"),
          env: {
            ...common,
            PORT: port(PORTS.gateway),
            CATALOG_URL: catalogUrl,
            SEARCH_URL: searchUrl,
            AUTH_PUBLIC_KEY_FILE: keyFile,
            RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000000",
          },
          url: gatewayUrl,
          readyUrl: `http://127.0.0.1:${port(PORTS.gateway)}/readyz`,
        }),
      );
      for (const body of bodies) await assertAnswers(gatewayUrl, body);
      await load(backend.name, gatewayUrl, bodies[0] as string, { ...options, durationSeconds: 2 });
      gateways.push(gatewayUrl);
    }
    const rounds: LoadResult[][] = backends.map(() => []);
    for (let round = 0; round < options.rounds; round += 1) {
      for (const [k, backend] of backends.entries()) {
        const result = await load(
          backend.name,
          gateways[k] as string,
          bodies[round % bodies.length] as string,
          options,
        );
        process.stderr.write(
          `  round ${round + 1} ${backend.name}: ${result.requestsPerSecond} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms\n`,
        );
        rounds[k]?.push(result);
      }
    }
    for (const [k, backend] of backends.entries()) {
      const mine = rounds[k] ?? [];
      summary[backend.name] = {
        requestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
        latencyP50Ms: median(mine.map((r) => r.latencyP50Ms)),
        latencyP99Ms: median(mine.map((r) => r.latencyP99Ms)),
      };
    }
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
  const ratios: Record<string, number> = {};
  if (summary["opensearch"] !== undefined && summary["embedded"] !== undefined) {
    ratios["embeddedOverOpenSearchThroughput"] =
      Math.round((summary["embedded"].requestsPerSecond / summary["opensearch"].requestsPerSecond) * 100) /
      100;
  }
  return {
    operation: "SearchPage (query, facets, 24 hits with title, image and price)",
    settings: options,
    summary,
    embeddingRunsPerRequest: await embeddingRunsPerRequest(),
    ratios,
  };
}
