import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken, startGateway } from "@aisle/gateway";
import { startSubgraph, type RunningServer, type SubgraphDefinition } from "@aisle/kit";
import { catalogSubgraph } from "@aisle/catalog";
import { recommendationSubgraph } from "@aisle/recommendation";
import { searchSubgraph } from "@aisle/search";
import { closedPort } from "@aisle/kit/testing";
import { demoWorld } from "@aisle/world";
import {
  ArchiveProductDocument,
  CreateProductDocument,
  UpdateProductDocument,
} from "../operations/__generated__/graphql.ts";
import { ChildRegistry, freePort, ManagedProcess, nodeEntry, waitUntil } from "../scripts/chaos/processes.ts";
import { Server } from "../scripts/chaos/stack.ts";
import { postGraphQL } from "./graphql-client.ts";
import { dropTestSchema, POSTGRES_TEST_URL, postgresUp, testSchemaName } from "./postgres.ts";
import { testLog } from "./quiet-log.ts";
import { hasRedisServer, startOwnRedis, type OwnRedis } from "./redis-server.ts";

/*
 * Replicas agree. Two instances each of catalog, search and recommendation on one PostgreSQL schema and one
 * Redis (product-change stream, features, replay store) of this run's own. Set A runs in this process, set B
 * in a process per subgraph: the two replicas of a subgraph never share a process, so nothing held in a
 * module can make them agree by accident (and set A in process keeps the test's CPU bill down). Two
 * gateways: gateway A routes to the A replicas only, gateway B to the B replicas only, so every answer says
 * what one replica set holds. A product
 * created through A, updated through B and archived through A must reach both sets within a bounded wait,
 * and the two gateways must then give identical answers to the same queries. (The other subgraphs are not
 * started: the queries touch none of them.)
 */

type Replicated = "catalog" | "search" | "recommendation";

const hasPostgres = await postgresUp();
const hasRedis = hasRedisServer();
const skip = !hasPostgres || !hasRedis;
if (skip) {
  process.stderr.write(
    `replicas test skipped: ${hasPostgres ? "" : `no PostgreSQL at ${POSTGRES_TEST_URL}; `}${hasRedis ? "" : "no redis-server"}\n`,
  );
}

const world = demoWorld();
const template = world.products[0]!;
const brand = world.brands.find((b) => b.id === template.brandId)!;
const NEW_ID = "replicas-kettle-1";
const TITLE = "Quenzaloo Replicated Kettle";

const registry = new ChildRegistry();
const workDir = mkdtempSync(join(tmpdir(), "aisle-replicas-"));
const schema = testSchemaName();
let redis: OwnRedis | undefined;
/** Set A: in this process (with the gateways). */
const inProcessServers: RunningServer[] = [];
/** Set B: a process each. */
const children: Server[] = [];
const gateways: Record<"a" | "b", RunningServer | undefined> = { a: undefined, b: undefined };
let manager: Record<string, string>;

/** A replica of set B: `subgraphs/<name>/src/main.ts` in a process of its own, on a free port. */
async function childReplica(name: Replicated, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const { command, args } = nodeEntry(`subgraphs/${name}/src/main.ts`);
  const child = new ManagedProcess({
    name: `${name}-b`,
    command,
    args,
    env: { ...env, PORT: String(port) },
    logDir: workDir,
    registry,
  });
  const server = new Server(`${name}-b`, port, child);
  children.push(server);
  server.process.start();
  return server;
}

/** Waits for a child's /readyz (a guard against hangs, not a speed check: the box may be busy). */
async function ready(server: Server): Promise<string> {
  const at = await waitUntil(
    () => server.ready(),
    280_000,
    100,
    () => (server.process.running ? null : `${server.name} exited before it was ready`),
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\n${server.process.tail(20)}`, { cause: error });
  });
  if (at === null) throw new Error(`${server.name} was not ready in time\n${server.process.tail(20)}`);
  return server.url;
}

const DEFINITIONS: Record<Replicated, SubgraphDefinition> = {
  catalog: catalogSubgraph,
  search: searchSubgraph,
  recommendation: recommendationSubgraph,
};

beforeAll(async () => {
  if (skip) return;
  redis = await startOwnRedis();
  const env = {
    NODE_ENV: "test",
    LOG_LEVEL: "warn",
    DATABASE_URL: POSTGRES_TEST_URL,
    DATABASE_SCHEMA: schema,
    PRODUCT_EVENTS: "redis",
    PRODUCT_EVENTS_KEY: "test:replicas:product",
    REDIS_URL: redis.url,
    FEATURE_STORE: "redis",
    AISLE_REPLAY_STORE: "redis",
    AISLE_REPLAY_REDIS_URL: redis.url,
  };
  const urls = { a: {} as Record<Replicated, string>, b: {} as Record<Replicated, Promise<string>> };
  const inProcess = async (name: Replicated) => {
    const server = await startSubgraph(DEFINITIONS[name], { port: 0, log: testLog, env });
    inProcessServers.push(server);
    urls.a[name] = server.url;
  };
  // Set B starts in its processes while set A starts here. Both catalogs start at once on the fresh schema:
  // migrations and the first-start seed must happen once between them.
  urls.b.catalog = childReplica("catalog", env).then(ready);
  urls.b.search = childReplica("search", env).then(ready);
  urls.b.recommendation = childReplica("recommendation", env).then(ready);
  await inProcess("catalog");
  await inProcess("search");
  await inProcess("recommendation");
  const b = {
    catalog: await urls.b.catalog,
    search: await urls.b.search,
    recommendation: await urls.b.recommendation,
  };
  const sets = { a: urls.a, b };
  const dead = `http://127.0.0.1:${await closedPort()}/graphql`;
  for (const copy of ["a", "b"] as const) {
    gateways[copy] = await startGateway({
      port: 0,
      log: testLog,
      env: { NODE_ENV: "test", RATE_LIMIT_STORE: "off" },
      subgraphUrls: {
        catalog: sets[copy].catalog,
        search: sets[copy].search,
        recommendation: sets[copy].recommendation,
        "user-profile": dead,
        logistics: dead,
        "payment-risk": dead,
        pricing: dead,
      },
    });
  }
  manager = { authorization: `Bearer ${await signToken({ user: "cm-1", scopes: ["catalog-manager"] })}` };
}, 420_000);

afterAll(async () => {
  await Promise.all(Object.values(gateways).map((g) => g?.close()));
  await Promise.all(inProcessServers.map((s) => s.close()));
  await Promise.all(children.map((s) => s.process.kill()));
  registry.killAll();
  await redis?.stop();
  if (hasPostgres) await dropTestSchema(schema);
  rmSync(workDir, { recursive: true, force: true });
}, 60_000);

const input = (title: string, listPrice: string) => ({
  id: NEW_ID,
  sku: "QZ-REPL-1",
  title,
  categoryId: template.categoryId,
  brand: brand.name,
  listPrice,
  description: "A gooseneck kettle, served by every replica.",
  attributes: template.attributes.map((a) => ({ name: a.name, value: a.value })),
});

/** What one replica set serves about the product: catalog (the product), search (a hit), recommendation. */
const SURFACES = `query($id: ID!, $neighbour: ID!, $q: String!) {
  product(id: $id) {
    id title version listPrice { amountMinor currency }
    similar(first: 5) { product { id } }
  }
  neighbour: product(id: $neighbour) { similar(first: 50) { product { id } } }
  search(query: $q, first: 10) { edges { node { product { id title } highlight score } } }
}`;

interface Surfaces {
  product: {
    id: string;
    title: string;
    version: number;
    listPrice: { amountMinor: number; currency: string };
    similar: { product: { id: string } }[];
  } | null;
  neighbour: { similar: { product: { id: string } }[] } | null;
  search: { edges: { node: { product: { id: string; title: string }; highlight: string | null } }[] };
}

async function surfaces(copy: "a" | "b", q: string): Promise<Surfaces> {
  const result = await postGraphQL<Surfaces>(gateways[copy]!.url, SURFACES, {
    id: NEW_ID,
    neighbour: template.id,
    q,
  });
  expect(result.body.errors).toBeUndefined();
  return result.body.data!;
}

/**
 * Polls both replica sets until `check` holds on each (bounded: 10 s), then asks both once more and
 * returns both answers, which the caller compares.
 */
async function onBoth(q: string, check: (s: Surfaces) => boolean): Promise<[Surfaces, Surfaces]> {
  const until = Date.now() + 10_000;
  for (const copy of ["a", "b"] as const) {
    let last = await surfaces(copy, q);
    while (!check(last) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await surfaces(copy, q);
    }
    expect(check(last), `replica set ${copy} within 10 s: ${JSON.stringify(last)}`).toBe(true);
  }
  return [await surfaces("a", q), await surfaces("b", q)];
}

const hit = (s: Surfaces) => s.search.edges.find((e) => e.node.product.id === NEW_ID);
const inNeighbour = (s: Surfaces) => s.neighbour?.similar.some((r) => r.product.id === NEW_ID) ?? false;

describe.skipIf(skip)("two replicas each of catalog, search and recommendation", () => {
  it("serve a created, updated and archived product alike, on both replica sets", async () => {
    const [beforeA, beforeB] = [await surfaces("a", TITLE), await surfaces("b", TITLE)];
    expect(beforeA.product).toBeNull();
    expect(beforeA).toEqual(beforeB);

    // Created through gateway A (catalog A writes PostgreSQL and publishes the change).
    const created = await postGraphQL(
      gateways.a!.url,
      CreateProductDocument,
      { product: input(TITLE, "49.99") },
      manager,
    );
    expect(created.body).toEqual({ data: { createProduct: { id: NEW_ID, title: TITLE, version: 1 } } });
    const [liveA, liveB] = await onBoth(
      TITLE,
      (s) => s.product?.version === 1 && s.product.similar.length > 0 && hit(s) !== undefined,
    );
    expect(liveA.product).toMatchObject({ title: TITLE, listPrice: { amountMinor: 4999 } });
    expect(hit(liveA)?.node.highlight).toContain("<em>");
    expect(liveB).toEqual(liveA);

    // Updated through gateway B: a new title and price, written by catalog B, reach the A replicas too.
    const renamed = "Quenzaloo Replicated Kettle Pro";
    const updated = await postGraphQL(
      gateways.b!.url,
      UpdateProductDocument,
      { version: 1, product: input(renamed, "59.99") },
      manager,
    );
    expect(updated.body).toEqual({ data: { updateProduct: { id: NEW_ID, title: renamed, version: 2 } } });
    const [newA, newB] = await onBoth(
      renamed,
      (s) => s.product?.version === 2 && (hit(s)?.node.highlight ?? "").includes("<em>Pro</em>"),
    );
    expect(newA.product).toMatchObject({ title: renamed, listPrice: { amountMinor: 5999 } });
    expect(hit(newA)?.node.product.title).toBe(renamed);
    expect(newB).toEqual(newA);

    // Archived through gateway A: gone from the catalog, search and the neighbour's similar list on both.
    const archived = await postGraphQL(
      gateways.a!.url,
      ArchiveProductDocument,
      { id: NEW_ID, version: 2 },
      manager,
    );
    expect(archived.body).toEqual({ data: { archiveProduct: { id: NEW_ID, version: 3 } } });
    const [goneA, goneB] = await onBoth(
      renamed,
      (s) => s.product === null && hit(s) === undefined && !inNeighbour(s),
    );
    expect(goneA.neighbour?.similar.length).toBeGreaterThan(0);
    expect(goneB).toEqual(goneA);
  });
});
