import { afterAll, describe, expect, it } from "vitest";
import { postgresUp, storageEnv } from "../../../tests/postgres.ts";
import {
  createCapturingLogger,
  DEV_INTERNAL_SECRET,
  productEventsFromEnv,
  signedHeaders,
  startSubgraph,
  type ProductChange,
} from "@aisle/kit";
import { demoWorld } from "@aisle/world";
import { catalogSubgraph } from "./index.ts";

/*
 * The catalog subgraph on PGlite (a data directory) and on the machine's PostgreSQL (DATABASE_URL, a schema of
 * this run): a product created through the API is there after a restart, and the restarted catalog publishes
 * it again so consumers that rebuilt from the demo world learn of it.
 */
const hasPostgres = await postgresUp();

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const storage = (kind: "pglite" | "postgres") => storageEnv(kind, "CATALOG_DATA_DIR", cleanups);

async function call(url: string, query: string, variables: Record<string, unknown>) {
  const body = JSON.stringify({ query, variables });
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...signedHeaders(
        { userId: "cm-1", scopes: ["catalog-manager"] },
        { subgraph: "catalog", body },
        DEV_INTERNAL_SECRET,
      ),
    },
    body,
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

const template = demoWorld().products[0]!;
const CREATE = `mutation($p: ProductInput!) { createProduct(product: $p) { id version } }`;
const READ = `query($id: ID!) { product(id: $id) { id title version } }`;

describe.each([
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !hasPostgres },
])("catalog subgraph on $kind", ({ kind, skip }) => {
  it.skipIf(skip)(
    "keeps a created product across a restart and publishes it again at start",
    async () => {
      const env = { ...(await storage(kind)), NODE_ENV: "test", LOG_LEVEL: "silent" };
      const log = createCapturingLogger("catalog", "silent").log;
      const first = await startSubgraph(catalogSubgraph, {
        port: 0,
        env: { ...env, PRODUCT_EVENTS_KEY: `restart-a-${kind}` },
        log,
      });
      try {
        const created = await call(first.url, CREATE, {
          p: {
            id: "restart-1",
            sku: "R-1",
            title: "Restart Test Lamp",
            categoryId: template.categoryId,
            brand: template.brandId,
            listPrice: "12.50",
          },
        });
        expect(created).toEqual({ data: { createProduct: { id: "restart-1", version: 1 } } });
      } finally {
        await first.close();
      }
      // A fresh bus, as after a restart of the whole process: what the restarted catalog publishes.
      const key = `restart-b-${kind}`;
      const seen: ProductChange[] = [];
      const events = productEventsFromEnv({ PRODUCT_EVENTS_KEY: key }, log);
      events.bus.subscribe("test", async (change) => void seen.push(change));
      const second = await startSubgraph(catalogSubgraph, {
        port: 0,
        env: { ...env, PRODUCT_EVENTS_KEY: key },
        log,
      });
      try {
        expect((await call(second.url, READ, { id: "restart-1" })).data).toEqual({
          product: { id: "restart-1", title: "Restart Test Lamp", version: 1 },
        });
        expect(seen.map((c) => [c.kind, c.productId, c.version])).toEqual([["created", "restart-1", 1]]);
      } finally {
        await second.close();
        await events.release();
      }
      // Two catalog starts on PGlite: 30 s was not enough under the full suite on a loaded 2-core box.
    },
    90_000,
  );
});
