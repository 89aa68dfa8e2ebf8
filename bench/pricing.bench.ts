import { print } from "graphql";
import { createLogger } from "@aisle/kit";
import { pricingModels } from "@aisle/pricing";
import { startLocalSupergraph } from "../scripts/local-supergraph.ts";
import { PricedListingDocument } from "../operations/__generated__/graphql.ts";
import { assertAnswers, load, median, type LoadOptions, type LoadResult } from "./lib/load.ts";

/**
 * `npm run bench -- --suite pricing [--duration 10 --connections 10 --rounds 3]`: a listing of 20 products
 * with prices through the gateway (operation PricedListing in operations/pricing.graphql), against the same
 * listing without prices, on the in-process supergraph (the load generator shares the process, so absolute
 * figures are pessimistic). Reports requests/s, p50/p99, the priced/unpriced ratios, and pricing-model runs
 * and rows per request (from the BatchedModel counters over sequential requests): runs must be 1.
 */
export interface PricingBenchResult {
  readonly operation: string;
  readonly settings: LoadOptions & { rounds: number };
  readonly rounds: LoadResult[][];
  readonly summary: Record<string, { requestsPerSecond: number; latencyP50Ms: number; latencyP99Ms: number }>;
  readonly modelRunsPerRequest: number;
  readonly modelRowsPerRequest: number;
  readonly ratios: { pricedOverPlainThroughput: number; pricedOverPlainP99: number };
}

const PLAIN_LISTING = `query PlainListing($categoryId: ID!, $first: Int = 20) {
  productsByCategory(categoryId: $categoryId, first: $first) { totalCount edges { node { id title } } }
}`;

export async function runPricingBench(
  options: LoadOptions & { rounds: number },
): Promise<PricingBenchResult> {
  const log = createLogger("bench", "error");
  const supergraph = await startLocalSupergraph({
    port: 0,
    log,
    env: { ...process.env, LOG_LEVEL: "error", RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000000" },
  });
  try {
    const variables = { categoryId: "c-electronics", first: 20, context: { currency: "USD", region: "US" } };
    const bodies = {
      priced: JSON.stringify({ query: print(PricedListingDocument), variables }),
      plain: JSON.stringify({ query: PLAIN_LISTING, variables }),
    };
    for (const [name, body] of Object.entries(bodies)) {
      await assertAnswers(supergraph.url, body);
      await load(`warm-${name}`, supergraph.url, body, { ...options, durationSeconds: 2 });
    }
    const rounds: LoadResult[][] = [];
    for (let round = 0; round < options.rounds; round++) {
      const results: LoadResult[] = [];
      for (const [name, body] of Object.entries(bodies)) {
        const result = await load(name, supergraph.url, body, options);
        process.stderr.write(
          `  round ${round + 1} ${name}: ${result.requestsPerSecond} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms\n`,
        );
        results.push(result);
      }
      rounds.push(results);
    }
    // Counted over sequential requests: requests still in flight when autocannon stops would skew a ratio.
    const [model] = pricingModels();
    if (model === undefined) throw new Error("no pricing model is running");
    const before = model.stats;
    const sequential = 20;
    for (let i = 0; i < sequential; i++) await assertAnswers(supergraph.url, bodies.priced);
    const after = model.stats;

    const summary: PricingBenchResult["summary"] = {};
    for (const name of Object.keys(bodies)) {
      const results = rounds.map((r) => r.find((x) => x.target === name)!);
      summary[name] = {
        requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
        latencyP50Ms: median(results.map((r) => r.latencyP50Ms)),
        latencyP99Ms: median(results.map((r) => r.latencyP99Ms)),
      };
    }
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    return {
      operation: "PricedListing (20 products) vs the same listing without prices",
      settings: options,
      rounds,
      summary,
      modelRunsPerRequest: (after.runs - before.runs) / sequential,
      modelRowsPerRequest: (after.rows - before.rows) / sequential,
      ratios: {
        pricedOverPlainThroughput: ratio(
          summary["priced"]!.requestsPerSecond,
          summary["plain"]!.requestsPerSecond,
        ),
        pricedOverPlainP99: ratio(summary["priced"]!.latencyP99Ms, summary["plain"]!.latencyP99Ms),
      },
    };
  } finally {
    await supergraph.close();
  }
}
