import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeServices } from "@apollo/composition";
import { GraphQLDataSourceRequestKind } from "@apollo/gateway/dist/datasources/types.js";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signToken, startGateway } from "@aisle/gateway";
import {
  ANONYMOUS,
  createCapturingLogger,
  startSubgraph,
  type Identity,
  type RequestContext,
  type RunningServer,
  type SubgraphDefinition,
} from "@aisle/kit";
import { SubgraphClient } from "../gateway/src/subgraph-client.ts";
import type { GatewayContext } from "../gateway/src/context.ts";
import { postGraphQL, type GraphQLResult } from "./graphql-client.ts";
import { testKeyPair } from "./test-keys.ts";

/**
 * In-flight merging of subgraph fetches (gateway/src/subgraph-client.ts), through real servers: a gateway in
 * production mode over a two-subgraph supergraph whose resolvers are slow (so concurrent requests overlap)
 * and count how often they run. What must merge: identical concurrent reads of one caller, anonymous or
 * signed in. What must never merge: mutations, different callers, different variables, different subgraphs.
 */
const SHOP = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query {
    products: [Product!]!
    product(id: ID!): Product
    whoami: String
    boom: String
  }
  type Mutation {
    touch(id: ID!): Int
  }
  type Product @key(fields: "id") {
    id: ID!
    title: String!
  }
`;
const EXTRAS = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Product @key(fields: "id") {
    id: ID!
    rating: Int
  }
`;
const PRODUCTS = [
  { id: "p-1", title: "One" },
  { id: "p-2", title: "Two" },
];
const SLOW_MS = 250;

/** How many times each resolver ran since the last reset. */
const calls = new Map<string, number>();
const counted = async <T>(name: string, value: () => T): Promise<T> => {
  calls.set(name, (calls.get(name) ?? 0) + 1);
  await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
  return value();
};

const shop: SubgraphDefinition = {
  name: "shop",
  defaultPort: 0,
  create: async () => ({
    schema: buildSubgraphSchema({
      typeDefs: parse(SHOP),
      resolvers: {
        Query: {
          products: () => counted("products", () => PRODUCTS),
          product: (_: unknown, { id }: { id: string }) =>
            counted(`product ${id}`, () => PRODUCTS.find((p) => p.id === id) ?? null),
          whoami: (_: unknown, _args: unknown, context: RequestContext) =>
            counted("whoami", () => context.identity.userId ?? "anonymous"),
          boom: () =>
            counted("boom", () => {
              throw new Error("the shop's database went away");
            }),
        },
        Mutation: {
          touch: (_: unknown, { id }: { id: string }) => counted(`touch ${id}`, () => 1),
        },
      },
    }),
  }),
};

const extras: SubgraphDefinition = {
  name: "extras",
  defaultPort: 0,
  create: async () => ({
    schema: buildSubgraphSchema({
      typeDefs: parse(EXTRAS),
      resolvers: {
        Product: {
          __resolveReference: (reference: { id: string }) => counted("extras", () => reference),
          rating: () => 4,
        },
      },
    }),
  }),
};

const keys = testKeyPair();
const SECRET = "a-private-secret-for-the-merging-test";
const subgraphEnv = { NODE_ENV: "development", LOG_LEVEL: "error", AISLE_INTERNAL_SECRET: SECRET };

let shopServer: RunningServer;
let extrasServer: RunningServer;
let supergraphPath: string;

async function gatewayWith(env: Record<string, string> = {}) {
  const captured = createCapturingLogger("gateway");
  const server = await startGateway({
    port: 0,
    log: captured.log,
    env: {
      NODE_ENV: "production",
      AISLE_INTERNAL_SECRET: SECRET,
      AUTH_PUBLIC_KEY_FILE: keys.publicKeyFile,
      SUPERGRAPH_PATH: supergraphPath,
      LOG_LEVEL: "info",
      ...env,
    },
    subgraphUrls: { shop: shopServer.url, extras: extrasServer.url },
  });
  return { server, lines: captured.lines };
}

beforeAll(async () => {
  shopServer = await startSubgraph(shop, {
    port: 0,
    log: createCapturingLogger("shop").log,
    env: subgraphEnv,
  });
  extrasServer = await startSubgraph(extras, {
    port: 0,
    log: createCapturingLogger("extras").log,
    env: subgraphEnv,
  });
  const composed = composeServices([
    { name: "shop", typeDefs: parse(SHOP), url: shopServer.url },
    { name: "extras", typeDefs: parse(EXTRAS), url: extrasServer.url },
  ]);
  if (composed.errors !== undefined) throw new Error(composed.errors.map((e) => e.message).join("\n"));
  supergraphPath = join(mkdtempSync(join(tmpdir(), "aisle-merging-")), "supergraph.graphql");
  writeFileSync(supergraphPath, composed.supergraphSdl);
});
afterAll(async () => {
  await shopServer?.close();
  await extrasServer?.close();
});
beforeEach(() => calls.clear());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const dataOf = (results: readonly GraphQLResult[]) => results.map((r) => r.body.data);

describe("in-flight merging on (the default)", () => {
  let gateway: Awaited<ReturnType<typeof gatewayWith>>;
  beforeAll(async () => {
    gateway = await gatewayWith();
  });
  afterAll(async () => {
    await gateway?.server.close();
  });
  const post = (query: string, variables: Record<string, unknown> = {}, headers = {}) =>
    postGraphQL(gateway.server.url, query, variables, headers);

  it("answers two concurrent identical anonymous reads with one call to each subgraph", async () => {
    const query = "{ products { id title rating } }";
    const results = await Promise.all([post(query), post(query)]);
    const expected = {
      products: [
        { id: "p-1", title: "One", rating: 4 },
        { id: "p-2", title: "Two", rating: 4 },
      ],
    };
    expect(dataOf(results)).toEqual([expected, expected]);
    expect(results.map((r) => r.body.errors)).toEqual([undefined, undefined]);
    expect(calls.get("products")).toBe(1);
    // The entity fetch to the second subgraph has the same body too: one call per product, not two.
    expect(calls.get("extras")).toBe(2);
  });

  it("merges one signed-in caller's identical reads (one signature, accepted once by the subgraph)", async () => {
    const token = await signToken({ user: "u-ann", scopes: ["shopper"] }, keys.signing);
    const results = await Promise.all([
      post("{ whoami }", {}, bearer(token)),
      post("{ whoami }", {}, bearer(token)),
    ]);
    expect(dataOf(results)).toEqual([{ whoami: "u-ann" }, { whoami: "u-ann" }]);
    expect(calls.get("whoami")).toBe(1);
  });

  it("never merges reads of different callers", async () => {
    const [ann, bob, annAdmin] = await Promise.all([
      signToken({ user: "u-ann", scopes: ["shopper"] }, keys.signing),
      signToken({ user: "u-bob", scopes: ["shopper"] }, keys.signing),
      signToken({ user: "u-ann", scopes: ["shopper", "admin"] }, keys.signing),
    ]);
    const results = await Promise.all([
      post("{ whoami }"),
      post("{ whoami }", {}, bearer(ann)),
      post("{ whoami }", {}, bearer(bob)),
      post("{ whoami }", {}, bearer(annAdmin)),
    ]);
    expect(dataOf(results)).toEqual([
      { whoami: "anonymous" },
      { whoami: "u-ann" },
      { whoami: "u-bob" },
      { whoami: "u-ann" },
    ]);
    expect(calls.get("whoami")).toBe(4);
  });

  it("never merges reads with different variables", async () => {
    const query = "query One($id: ID!) { product(id: $id) { title } }";
    const results = await Promise.all([post(query, { id: "p-1" }), post(query, { id: "p-2" })]);
    expect(dataOf(results)).toEqual([{ product: { title: "One" } }, { product: { title: "Two" } }]);
    expect(calls.get("product p-1")).toBe(1);
    expect(calls.get("product p-2")).toBe(1);
  });

  it("never merges mutations, even identical ones of one caller", async () => {
    const mutation = 'mutation { touch(id: "p-1") }';
    const results = await Promise.all([post(mutation), post(mutation)]);
    expect(dataOf(results)).toEqual([{ touch: 1 }, { touch: 1 }]);
    expect(calls.get("touch p-1")).toBe(2);
  });

  it("merges only while a fetch is in flight: the same read sent after the answer is fetched again", async () => {
    await post("{ products { id } }");
    await post("{ products { id } }");
    expect(calls.get("products")).toBe(2);
  });

  it("shares a failure, masked for each client with its own request id and logged once per request", async () => {
    const results = await Promise.all([
      post("{ boom }", {}, { "x-request-id": "merge-a" }),
      post("{ boom }", {}, { "x-request-id": "merge-b" }),
    ]);
    expect(calls.get("boom")).toBe(1);
    expect(results.map((r) => r.body)).toEqual(
      ["merge-a", "merge-b"].map((requestId) => ({
        data: { boom: null },
        errors: [
          {
            message: "Internal server error",
            path: ["boom"],
            extensions: { code: "INTERNAL_SERVER_ERROR", requestId },
          },
        ],
      })),
    );
    for (const requestId of ["merge-a", "merge-b"]) {
      const failures = gateway.lines.filter(
        (line) => line["requestId"] === requestId && (line.level === "warn" || line.level === "error"),
      );
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ subgraph: "shop", path: ["boom"], code: "INTERNAL_SERVER_ERROR" });
    }
  });
});

describe("in-flight merging off (SUBGRAPH_MERGE_INFLIGHT=false)", () => {
  it("sends every fetch", async () => {
    const gateway = await gatewayWith({ SUBGRAPH_MERGE_INFLIGHT: "false" });
    try {
      const results = await Promise.all([
        postGraphQL(gateway.server.url, "{ products { id } }"),
        postGraphQL(gateway.server.url, "{ products { id } }"),
      ]);
      expect(dataOf(results)).toEqual([
        { products: [{ id: "p-1" }, { id: "p-2" }] },
        { products: [{ id: "p-1" }, { id: "p-2" }] },
      ]);
      expect(calls.get("products")).toBe(2);
    } finally {
      await gateway.server.close();
    }
  });
});

describe("the subgraph client", () => {
  let counter: Server;
  let url: string;
  const received: { subgraph: string; body: string }[] = [];
  beforeAll(async () => {
    // A real HTTP server standing for any subgraph: answers every call after a pause and records it.
    counter = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({ subgraph: req.url ?? "", body });
        setTimeout(() => {
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ data: { ok: true } }));
        }, SLOW_MS);
      });
    });
    await new Promise<void>((resolve) => counter.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    counter.closeAllConnections();
    await new Promise((resolve) => counter.close(resolve));
  });

  const clientFor = (name: string) =>
    new SubgraphClient({
      name,
      url: `${url}/${name}`,
      timeoutMs: 2_000,
      connections: 4,
      internalSecret: SECRET,
    });
  const fetchWith = (client: SubgraphClient, identity: Identity, requestId: string) =>
    client.process({
      kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
      request: { query: "{ ok }", variables: {} },
      incomingRequestContext: {} as never,
      context: { requestId, identity } satisfies GatewayContext,
    });

  it("never merges identical fetches to different subgraphs, and merges them within one", async () => {
    received.length = 0;
    const catalog = clientFor("catalog");
    const pricing = clientFor("pricing");
    try {
      const answers = await Promise.all([
        fetchWith(catalog, ANONYMOUS, "r-1"),
        fetchWith(pricing, ANONYMOUS, "r-2"),
        fetchWith(catalog, ANONYMOUS, "r-3"),
      ]);
      expect(answers.map((a) => a.data)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
      // Each caller gets its own copy: @apollo/gateway merges into subgraph data in place.
      expect(answers[0]!.data).not.toBe(answers[2]!.data);
      expect(received.map((r) => r.subgraph).sort()).toEqual(["/catalog", "/pricing"]);
    } finally {
      await Promise.all([catalog.close(), pricing.close()]);
    }
  });
});
