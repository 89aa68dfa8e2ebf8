import { print } from "graphql";
import { createLogger } from "@aisle/kit";
import { signToken } from "@aisle/gateway";
import { demoWorld } from "@aisle/world";
import {
  LogisticsModelsDocument,
  ProductListingWithDeliveryDocument,
} from "../operations/__generated__/graphql.ts";
import { startLocalSupergraph } from "../scripts/local-supergraph.ts";
import { assertAnswers, load, median, type LoadOptions, type LoadResult } from "./lib/load.ts";

/**
 * `npm run bench -- --suite logistics [--duration 10 --connections 10 --rounds 3]`: a category listing through
 * the gateway with title, availability and a delivery estimate per product (operation
 * ProductListingWithDelivery), at 24 products and at 6, on the in-process supergraph (the demo's all-in-one
 * mode; the load generator shares the process, so absolute figures are pessimistic). Reports requests/s,
 * p50/p99, and delivery-model runs per request from the model's counters (read through GraphQL with an ops
 * token): it must be 1 whatever the number of products, while rows per request grow with them.
 */
export interface LogisticsBenchCase {
  readonly products: number;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly modelRunsPerRequest: number;
  readonly modelRowsPerRequest: number;
  readonly errors: number;
}

export interface LogisticsBenchResult {
  readonly operation: string;
  readonly settings: LoadOptions & { rounds: number };
  readonly cases: LogisticsBenchCase[];
  readonly rounds: LoadResult[][];
  readonly ratios: { runsPerRequest24Over6: number; throughput24Over6: number };
}

export async function runLogisticsBench(
  options: LoadOptions & { rounds: number },
): Promise<LogisticsBenchResult> {
  const log = createLogger("bench", "error");
  const supergraph = await startLocalSupergraph({
    port: 0,
    log,
    env: { ...process.env, LOG_LEVEL: "error", RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000000" },
  });
  try {
    const department = demoWorld().categories.find((c) => c.parentId === null)!;
    const ops = {
      authorization: `Bearer ${await signToken({ user: "bench-ops", scopes: ["service:ops"] })}`,
    };
    const counters = async (): Promise<{ runs: number; rows: number }> => {
      const response = await fetch(supergraph.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...ops },
        body: JSON.stringify({ query: print(LogisticsModelsDocument) }),
      });
      const json = (await response.json()) as {
        data: { logisticsModels: { name: string; runs: number; rows: number }[] };
      };
      const model = json.data.logisticsModels.find((m) => m.name === "logistics")!;
      return { runs: model.runs, rows: model.rows };
    };
    const bodyFor = (first: number) =>
      JSON.stringify({
        query: print(ProductListingWithDeliveryDocument),
        variables: { categoryId: department.id, first, destination: { country: "US", postalCode: "80202" } },
      });
    const sizes = [24, 6];
    for (const size of sizes) {
      await assertAnswers(supergraph.url, bodyFor(size));
      await load(`warm-${size}`, supergraph.url, bodyFor(size), { ...options, durationSeconds: 2 });
    }
    const rounds: LoadResult[][] = [];
    const perCase = new Map<number, { results: LoadResult[] }>(sizes.map((s) => [s, { results: [] }]));
    for (let round = 0; round < options.rounds; round++) {
      const results: LoadResult[] = [];
      for (const size of sizes) {
        const result = await load(`listing-${size}`, supergraph.url, bodyFor(size), options);
        perCase.get(size)!.results.push(result);
        process.stderr.write(
          `  round ${round + 1} listing-${size}: ${result.requestsPerSecond} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms\n`,
        );
        results.push(result);
      }
      rounds.push(results);
    }
    // Runs per request from sequential requests: under load, requests still in flight when autocannon stops
    // are counted by the model but not by autocannon, which would inflate a ratio taken from the load phase.
    const exact = new Map<number, { runs: number; rows: number }>();
    const SEQUENTIAL = 10;
    // Let requests autocannon abandoned at the end of its window finish first.
    for (let previous = await counters(); ;) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const now = await counters();
      if (now.runs === previous.runs) break;
      previous = now;
    }
    for (const size of sizes) {
      const before = await counters();
      for (let i = 0; i < SEQUENTIAL; i++) await assertAnswers(supergraph.url, bodyFor(size));
      const after = await counters();
      exact.set(size, {
        runs: (after.runs - before.runs) / SEQUENTIAL,
        rows: (after.rows - before.rows) / SEQUENTIAL,
      });
    }
    const cases = sizes.map((size): LogisticsBenchCase => {
      const entry = perCase.get(size)!;
      const sequential = exact.get(size)!;
      return {
        products: size,
        requestsPerSecond: median(entry.results.map((r) => r.requestsPerSecond)),
        latencyP50Ms: median(entry.results.map((r) => r.latencyP50Ms)),
        latencyP99Ms: median(entry.results.map((r) => r.latencyP99Ms)),
        modelRunsPerRequest: round3(sequential.runs),
        modelRowsPerRequest: round3(sequential.rows),
        errors: entry.results.reduce((n, r) => n + r.errors + r.non2xx, 0),
      };
    });
    const [big, small] = cases as [LogisticsBenchCase, LogisticsBenchCase];
    return {
      operation: "ProductListingWithDelivery (title, availability, deliveryEstimate)",
      settings: options,
      cases,
      rounds,
      ratios: {
        runsPerRequest24Over6: round3(big.modelRunsPerRequest / Math.max(1e-9, small.modelRunsPerRequest)),
        throughput24Over6: round3(big.requestsPerSecond / Math.max(1, small.requestsPerSecond)),
      },
    };
  } finally {
    await supergraph.close();
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
