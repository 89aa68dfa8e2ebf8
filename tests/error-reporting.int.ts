import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { composeServices } from "@apollo/composition";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway } from "@aisle/gateway";
import {
  createCapturingLogger,
  startSubgraph,
  type LogLine,
  type RunningServer,
  type SubgraphDefinition,
} from "@aisle/kit";
import { closedPort } from "../subgraphs/kit/src/testing/network-faults.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testKeyPair } from "./test-keys.ts";

/**
 * What a client and an operator see when things fail, on a two-subgraph supergraph made for it: `shop` owns
 * products (and a root field that crashes), `extras` adds fields to them (one of which crashes). The
 * subgraphs run in development mode, so their internal messages reach the gateway: the gateway, in
 * production, must mask them itself.
 */
const SHOP = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query {
    products: [Product!]!
    product(id: ID!): Product
    boom: String
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
    broken: String
  }
`;

const PRODUCTS = [
  { id: "p-1", title: "One" },
  { id: "p-2", title: "Two" },
];

const shop: SubgraphDefinition = {
  name: "shop",
  defaultPort: 0,
  create: async () => ({
    schema: buildSubgraphSchema({
      typeDefs: parse(SHOP),
      resolvers: {
        Query: {
          products: () => PRODUCTS,
          product: (_: unknown, { id }: { id: string }) => PRODUCTS.find((p) => p.id === id) ?? null,
          boom: () => {
            const address = undefined as unknown as { country: string };
            return address.country;
          },
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
          __resolveReference: (reference: { id: string }) => reference,
          rating: () => 4,
          broken: () => {
            throw new Error("ERR Connection is closed.");
          },
        },
      },
    }),
  }),
};

const keys = testKeyPair();
const SECRET = "a-private-secret-for-the-test";
const subgraphEnv = { NODE_ENV: "development", LOG_LEVEL: "debug", AISLE_INTERNAL_SECRET: SECRET };
const gatewayEnv = (supergraphPath: string, extra: Record<string, string> = {}) => ({
  NODE_ENV: "production",
  AISLE_INTERNAL_SECRET: SECRET,
  AUTH_PUBLIC_KEY_FILE: keys.publicKeyFile,
  SUPERGRAPH_PATH: supergraphPath,
  LOG_LEVEL: "debug",
  ...extra,
});

const shopLog = createCapturingLogger("shop");
const extrasLog = createCapturingLogger("extras");
let shopServer: RunningServer;
let extrasServer: RunningServer;
let supergraphPath: string;

/** A gateway over the test supergraph with its own captured log; `urls` overrides where subgraphs are. */
async function gatewayWith(urls: Record<string, string> = {}, env: Record<string, string> = {}) {
  const captured = createCapturingLogger("gateway");
  const server = await startGateway({
    port: 0,
    log: captured.log,
    env: gatewayEnv(supergraphPath, env),
    subgraphUrls: { shop: shopServer.url, extras: extrasServer.url, ...urls },
  });
  return { server, lines: captured.lines };
}

/** Every warning or error a service logged about one request. */
const failuresOf = (lines: readonly LogLine[], requestId: string) =>
  lines.filter(
    (line) => line["requestId"] === requestId && (line.level === "warn" || line.level === "error"),
  );

beforeAll(async () => {
  shopServer = await startSubgraph(shop, { port: 0, log: shopLog.log, env: subgraphEnv });
  extrasServer = await startSubgraph(extras, { port: 0, log: extrasLog.log, env: subgraphEnv });
  const composed = composeServices([
    { name: "shop", typeDefs: parse(SHOP), url: shopServer.url },
    { name: "extras", typeDefs: parse(EXTRAS), url: extrasServer.url },
  ]);
  if (composed.errors !== undefined) throw new Error(composed.errors.map((e) => e.message).join("\n"));
  supergraphPath = join(mkdtempSync(join(tmpdir(), "aisle-errors-")), "supergraph.graphql");
  writeFileSync(supergraphPath, composed.supergraphSdl);
});
afterAll(async () => {
  await shopServer?.close();
  await extrasServer?.close();
});

describe("an internal error, in production", () => {
  let gateway: Awaited<ReturnType<typeof gatewayWith>>;
  beforeAll(async () => {
    gateway = await gatewayWith();
  });
  afterAll(async () => {
    await gateway?.server.close();
  });

  it("reaches the client masked, with its path and the request id to quote", async () => {
    const result = await postGraphQL(
      gateway.server.url,
      "{ boom products { id } }",
      {},
      {
        "x-request-id": "mask-1",
      },
    );
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      data: { boom: null, products: [{ id: "p-1" }, { id: "p-2" }] },
      errors: [
        {
          message: "Internal server error",
          path: ["boom"],
          extensions: { code: "INTERNAL_SERVER_ERROR", requestId: "mask-1" },
        },
      ],
    });
  });

  it("names the request id the gateway made when the client sent none, as the response header does", async () => {
    const result = await postGraphQL(gateway.server.url, "{ boom }");
    const requestId = result.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.body.errors?.[0]?.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR", requestId });
    expect(failuresOf(shopLog.lines, requestId!)).toHaveLength(1);
  });

  it("masks an internal error of a field added to another subgraph's entity, at each path", async () => {
    const result = await postGraphQL(
      gateway.server.url,
      "{ products { title broken } }",
      {},
      {
        "x-request-id": "mask-2",
      },
    );
    expect(result.body.data).toEqual({
      products: [
        { title: "One", broken: null },
        { title: "Two", broken: null },
      ],
    });
    expect(result.body.errors).toEqual(
      [0, 1].map((i) => ({
        message: "Internal server error",
        path: ["products", i, "broken"],
        extensions: { code: "INTERNAL_SERVER_ERROR", requestId: "mask-2" },
      })),
    );
    expect(JSON.stringify(result.body)).not.toContain("Connection is closed");
  });

  it("is logged once where it happened and once at the gateway, with what the client is not told", async () => {
    await postGraphQL(gateway.server.url, "{ boom }", {}, { "x-request-id": "log-1" });
    const atShop = failuresOf(shopLog.lines, "log-1");
    expect(atShop).toHaveLength(1);
    expect(atShop[0]).toMatchObject({
      level: "error",
      subgraph: "shop",
      path: ["boom"],
      code: "INTERNAL_SERVER_ERROR",
      err: {
        message: expect.stringContaining("reading 'country'"),
        stack: expect.stringContaining("TypeError"),
      },
    });
    const atGateway = failuresOf(gateway.lines, "log-1");
    expect(atGateway).toHaveLength(1);
    expect(atGateway[0]).toMatchObject({
      level: "error",
      subgraph: "shop",
      path: ["boom"],
      code: "INTERNAL_SERVER_ERROR",
      err: { message: expect.stringContaining("reading 'country'") },
    });
    expect(failuresOf(extrasLog.lines, "log-1")).toEqual([]);
  });

  it("leaves client errors out of the failure log", async () => {
    const result = await postGraphQL(gateway.server.url, "{ nope }", {}, { "x-request-id": "log-2" });
    expect(codes(result)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(failuresOf(gateway.lines, "log-2")).toEqual([]);
  });
});

describe("a subgraph that is down or hangs", () => {
  let hanging: Server;
  let hangingUrl: string;
  beforeAll(async () => {
    hanging = createServer(() => {
      // Never answers: the gateway's deadline must end the call.
    });
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));
  });

  it("nulls only the fields it was to add, each with UNAVAILABLE and its path, logged once", async () => {
    const gateway = await gatewayWith({ extras: `http://127.0.0.1:${await closedPort()}/graphql` });
    try {
      const result = await postGraphQL(
        gateway.server.url,
        "{ products { id title rating } }",
        {},
        {
          "x-request-id": "down-1",
        },
      );
      expect(result.status).toBe(200);
      expect(result.body.data).toEqual({
        products: [
          { id: "p-1", title: "One", rating: null },
          { id: "p-2", title: "Two", rating: null },
        ],
      });
      expect(result.body.errors?.map((e) => [e.extensions?.["code"], e.path])).toEqual([
        ["UNAVAILABLE", ["products", 0, "rating"]],
        ["UNAVAILABLE", ["products", 1, "rating"]],
      ]);
      const logged = failuresOf(gateway.lines, "down-1");
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        level: "warn",
        subgraph: "extras",
        code: "UNAVAILABLE",
        paths: [
          ["products", 0, "rating"],
          ["products", 1, "rating"],
        ],
        err: { message: expect.stringMatching(/ECONNREFUSED/) },
      });
    } finally {
      await gateway.server.close();
    }
  });

  it("places a subgraph's refusal of the whole request (no data, no path) at the fields it was to fill", async () => {
    const refusing = createServer((_req, res) => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ message: "Restarting", extensions: { code: "UNAVAILABLE" } }] }));
    });
    await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
    const port = (refusing.address() as AddressInfo).port;
    const gateway = await gatewayWith({ extras: `http://127.0.0.1:${port}/graphql` });
    try {
      const result = await postGraphQL(
        gateway.server.url,
        "{ products { id rating } }",
        {},
        {
          "x-request-id": "refused-1",
        },
      );
      expect(result.body.data).toEqual({
        products: [
          { id: "p-1", rating: null },
          { id: "p-2", rating: null },
        ],
      });
      expect(result.body.errors?.map((e) => [e.extensions?.["code"], e.path, e.message])).toEqual([
        ["UNAVAILABLE", ["products", 0, "rating"], "Restarting"],
        ["UNAVAILABLE", ["products", 1, "rating"], "Restarting"],
      ]);
      expect(failuresOf(gateway.lines, "refused-1")).toMatchObject([
        { subgraph: "extras", code: "UNAVAILABLE" },
      ]);
    } finally {
      await gateway.server.close();
      refusing.closeAllConnections();
      await new Promise((resolve) => refusing.close(resolve));
    }
  });

  it("points a failed root fetch at its root fields", async () => {
    const gateway = await gatewayWith({ shop: `http://127.0.0.1:${await closedPort()}/graphql` });
    try {
      const result = await postGraphQL(gateway.server.url, '{ product(id: "p-1") { title } boom }');
      expect(result.body.data).toEqual({ product: null, boom: null });
      expect(result.body.errors?.map((e) => [e.extensions?.["code"], e.path])).toEqual([
        ["UNAVAILABLE", ["product"]],
        ["UNAVAILABLE", ["boom"]],
      ]);
    } finally {
      await gateway.server.close();
    }
  });

  it("gives TIMEOUT at each path when the subgraph does not answer", async () => {
    const gateway = await gatewayWith({ extras: hangingUrl }, { SUBGRAPH_TIMEOUT_MS: "300" });
    try {
      const result = await postGraphQL(
        gateway.server.url,
        '{ product(id: "p-2") { title rating } }',
        {},
        {
          "x-request-id": "slow-1",
        },
      );
      expect(result.body.data).toEqual({ product: { title: "Two", rating: null } });
      expect(result.body.errors?.map((e) => [e.extensions?.["code"], e.path])).toEqual([
        ["TIMEOUT", ["product", "rating"]],
      ]);
      expect(failuresOf(gateway.lines, "slow-1")).toMatchObject([
        { subgraph: "extras", code: "TIMEOUT", path: ["product", "rating"] },
      ]);
    } finally {
      await gateway.server.close();
    }
  });
});

describe("operation names, in production", () => {
  let gateway: Awaited<ReturnType<typeof gatewayWith>>;
  beforeAll(async () => {
    gateway = await gatewayWith();
  });
  afterAll(async () => {
    await gateway?.server.close();
  });

  const send = (body: object, requestId = "op-0") =>
    fetch(gateway.server.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": requestId },
      body: JSON.stringify(body),
    });

  it("answers an unknown operationName with 400 OPERATION_RESOLUTION_FAILURE", async () => {
    const response = await send({ query: "query A { products { id } }", operationName: "B" }, "op-1");
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(["OPERATION_RESOLUTION_FAILURE"]);
    expect(body.errors[0]?.message).toContain('"B"');
    // A client's mistake, not a failure to log.
    expect(failuresOf(gateway.lines, "op-1")).toEqual([]);
  });

  it("asks which operation to run when a document has several and none is named", async () => {
    const response = await send({ query: "query A { products { id } } query B { boom }" });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(["OPERATION_RESOLUTION_FAILURE"]);
    const named = await send({ query: "query A { products { id } } query B { boom }", operationName: "A" });
    expect(named.status).toBe(200);
  });
});

/**
 * Node's own fetch (undici) in a process of its own: sharing the test's event loop with the gateway, the
 * client could never still be writing when the server closes, which is what made it see EPIPE.
 */
const CLIENT = `
const [url, size] = process.argv.slice(1);
const body = JSON.stringify({ query: "{ products { id } }", variables: { blob: "y".repeat(Number(size)) } });
const results = [];
for (let i = 0; i < 3; i++) {
  try {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const json = await response.json();
    results.push({ status: response.status, code: json.errors?.[0]?.extensions?.code });
  } catch (error) {
    results.push({ error: String(error.cause?.code ?? error.message) });
  }
}
process.stdout.write(JSON.stringify(results));
`;

describe("an oversized body, in production", () => {
  it("is answered 413 PAYLOAD_TOO_LARGE to Node's fetch, every time (5 MB of variables)", async () => {
    const gateway = await gatewayWith();
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [
        "--input-type=module",
        "-e",
        CLIENT,
        gateway.server.url,
        String(5 * 1024 * 1024),
      ]);
      expect(JSON.parse(stdout)).toEqual(Array(3).fill({ status: 413, code: "PAYLOAD_TOO_LARGE" }));
    } finally {
      await gateway.server.close();
    }
  });
});
