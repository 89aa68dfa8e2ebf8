import { createLogger, Redis } from "@aisle/kit";
import { signToken } from "@aisle/gateway";
import { demoWorld } from "@aisle/world";
import { startLocalSupergraph } from "../scripts/local-supergraph.ts";

/**
 * `npm run bench -- --suite lifecycle [--rounds 10]`: how long a catalog write takes to reach every surface.
 * Per round, a new product is created through the gateway, then one query polls (every 10 ms) until the
 * product is found by search, priced, has availability and has `similar` items; then it is archived and
 * polled until it is gone from the catalog and search. Events travel in process by default; run with
 * PRODUCT_EVENTS=redis to measure through a Redis stream. Goal (issue 20): visible everywhere within 2 s.
 */
export interface LifecycleBenchResult {
  readonly events: string;
  readonly rounds: number;
  readonly createToEverywhereMs: { p50: number; p90: number; max: number };
  readonly archiveToGoneMs: { p50: number; p90: number; max: number };
}

const CREATE = `mutation($p: ProductInput!) { createProduct(product: $p) { id version } }`;
const ARCHIVE = `mutation($id: ID!, $v: Int!) { archiveProduct(id: $id, version: $v) { id } }`;
const SURFACES = `query($id: ID!, $q: String!) {
  product(id: $id) { id price(context: { currency: "USD", region: "US" }) { currency } availability { inStock }
    similar(first: 3) { product { id } } }
  search(query: $q, first: 10) { edges { node { product { id } } } }
}`;

interface Surfaces {
  product: { price: unknown; availability: unknown; similar: unknown[] | null } | null;
  search: { edges: { node: { product: { id: string } } }[] };
}

function quantiles(values: number[]): { p50: number; p90: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: Math.round(at(0.5)), p90: Math.round(at(0.9)), max: Math.round(sorted.at(-1) ?? NaN) };
}

export async function runLifecycleBench(options: { rounds: number }): Promise<LifecycleBenchResult> {
  const log = createLogger("bench", "error");
  const events = process.env["PRODUCT_EVENTS"] ?? "memory";
  const streamKey = `bench:product-events:${process.pid}:${Date.now()}`;
  const supergraph = await startLocalSupergraph({
    port: 0,
    log,
    env: {
      ...process.env,
      LOG_LEVEL: "error",
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000000",
      PRODUCT_EVENTS_KEY: streamKey,
    },
  });
  const headers = {
    "content-type": "application/json",
    authorization: `Bearer ${await signToken({ user: "bench", scopes: ["catalog-manager"] })}`,
  };
  const post = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await fetch(supergraph.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  };
  const template = demoWorld().products[0]!;
  const created: number[] = [];
  const archived: number[] = [];
  try {
    for (let round = 0; round < options.rounds; round++) {
      const id = `bench-${process.pid}-${round}`;
      const title = `Vantorix Bench Kettle ${round} ${process.pid}`;
      const started = performance.now();
      await post(CREATE, {
        p: {
          id,
          sku: id,
          title,
          categoryId: template.categoryId,
          brand: template.brandId,
          listPrice: "39.99",
          attributes: template.attributes,
        },
      });
      for (;;) {
        const s = await post<Surfaces>(SURFACES, { id, q: title });
        const everywhere =
          s.product !== null &&
          s.product.price !== null &&
          s.product.availability !== null &&
          (s.product.similar?.length ?? 0) > 0 &&
          s.search.edges.some((e) => e.node.product.id === id);
        if (everywhere) break;
        if (performance.now() - started > 30_000) throw new Error(`${id} not everywhere after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      created.push(performance.now() - started);
      const archiveStarted = performance.now();
      await post(ARCHIVE, { id, v: 1 });
      for (;;) {
        const s = await post<Surfaces>(SURFACES, { id, q: title });
        if (s.product === null && !s.search.edges.some((e) => e.node.product.id === id)) break;
        if (performance.now() - archiveStarted > 30_000) throw new Error(`${id} still served after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      archived.push(performance.now() - archiveStarted);
    }
  } finally {
    await supergraph.close();
    if (events === "redis") {
      const redis = new Redis(
        process.env["PRODUCT_EVENTS_REDIS_URL"] ?? process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379",
      );
      await redis.del(streamKey).catch(() => undefined);
      redis.disconnect();
    }
  }
  const result = {
    events,
    rounds: options.rounds,
    createToEverywhereMs: quantiles(created),
    archiveToGoneMs: quantiles(archived),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}
