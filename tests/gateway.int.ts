import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverAudits } from "graphql-http";
import { signToken, startGateway } from "@aisle/gateway";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";
import { testKeyPair } from "./test-keys.ts";
import { closedPort } from "../subgraphs/kit/src/testing/network-faults.ts";
import { demoWorld } from "@aisle/world";

let supergraph: LocalSupergraph;

beforeAll(async () => {
  supergraph = await startLocalSupergraph({ port: 0, log: testLog });
});
afterAll(async () => {
  await supergraph?.close();
});

const stillServes = async () => {
  const result = await postGraphQL(supergraph.url, "{ categories { id } }");
  expect(result.status).toBe(200);
  expect((result.body.data?.categories as unknown[]).length).toBeGreaterThan(0);
};

describe("operation limits", () => {
  it("rejects a depth-20 query with QUERY_TOO_DEEP before any subgraph sees it, and keeps serving", async () => {
    const deep = `{ category(id: "c-electronics") { ${"parent { ".repeat(19)}id${" }".repeat(19)} } }`;
    const result = await postGraphQL(supergraph.url, deep);
    expect(result.status).toBe(400);
    expect(result.body.data).toBeUndefined();
    // A deep chain is costly too, so both limits may speak; depth always does.
    expect(codes(result)).toContain("QUERY_TOO_DEEP");
    await stillServes();
  });

  it("rejects a 1 MB body with 413 PAYLOAD_TOO_LARGE and keeps serving", async () => {
    const padding = "x".repeat(1024 * 1024);
    const response = await fetch(supergraph.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ categories { id } } # ${padding}` }),
    });
    expect(response.status).toBe(413);
    expect(
      ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code,
    ).toBe("PAYLOAD_TOO_LARGE");
    await stillServes();
  });

  it("rejects alias flooding and oversized token counts", async () => {
    const aliases = `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: categories { id }`).join(" ")} }`;
    expect(codes(await postGraphQL(supergraph.url, aliases))).toContain("TOO_MANY_ALIASES");
    const tokens = `{ categories { ${"id ".repeat(3000)} } }`;
    const tooManyTokens = await postGraphQL(supergraph.url, tokens);
    expect(tooManyTokens.status).toBe(400);
    expect(codes(tooManyTokens)).toEqual(["GRAPHQL_PARSE_FAILED"]);
    await stillServes();
  });

  it("answers an unknown operationName with 400 OPERATION_RESOLUTION_FAILURE, at the gateway and a subgraph", async () => {
    for (const url of [supergraph.url, supergraph.subgraphs["catalog"]!]) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "query Known { categories { id } }", operationName: "Unknown" }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors.map((e) => e.extensions.code)).toEqual(["OPERATION_RESOLUTION_FAILURE"]);
    }
    await stillServes();
  });

  it("answers malformed JSON with 400 BAD_REQUEST", async () => {
    const response = await fetch(supergraph.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(response.status).toBe(400);
  });
});

describe("GraphQL over HTTP", () => {
  it("passes every MUST audit of graphql-http", async () => {
    const results = await Promise.all(serverAudits({ url: supergraph.url }).map((audit) => audit.fn()));
    const failures = results.filter((r) => r.status === "error").map((r) => `${r.id} ${r.name}: ${r.reason}`);
    expect(failures).toEqual([]);
    expect(results.filter((r) => r.name.startsWith("MUST")).length).toBeGreaterThan(10);
  });

  it("supports automatic persisted queries", async () => {
    const query = "{ categories { id name } }";
    const sha256Hash = createHash("sha256").update(query).digest("hex");
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const send = (body: object) =>
      fetch(supergraph.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ data?: unknown; errors?: { extensions: { code: string } }[] }>);
    const miss = await send({ extensions });
    expect(miss.errors?.[0]?.extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    const register = await send({ query, extensions });
    expect(register.data).toBeDefined();
    const hit = await send({ extensions });
    expect(hit).toEqual(register);
  });

  it("echoes the caller's request id and makes one when missing", async () => {
    const given = await postGraphQL(
      supergraph.url,
      "{ categories { id } }",
      {},
      { "x-request-id": "trace-abc-123" },
    );
    expect(given.headers.get("x-request-id")).toBe("trace-abc-123");
    const made = await postGraphQL(supergraph.url, "{ categories { id } }");
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("serves health and readiness", async () => {
    const base = new URL(supergraph.url);
    for (const url of [base, new URL(supergraph.subgraphs["catalog"]!)]) {
      expect((await fetch(new URL("/healthz", url))).status).toBe(200);
      const ready = await fetch(new URL("/readyz", url));
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { ready: boolean }).ready).toBe(true);
    }
  });

  it("shows Apollo Sandbox to a browser in development", async () => {
    const response = await fetch(supergraph.url, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("sandbox");
  });
});

describe("subgraph failures", () => {
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

  it("ends a call to a hanging subgraph with TIMEOUT", async () => {
    const gateway = await startGateway({
      port: 0,
      log: testLog,
      env: { SUBGRAPH_TIMEOUT_MS: "300" },
      subgraphUrls: { catalog: hangingUrl },
    });
    try {
      const result = await postGraphQL(gateway.url, "{ categories { id } }");
      expect(codes(result)).toEqual(["TIMEOUT"]);
    } finally {
      await gateway.close();
    }
  });

  it("nulls only the prices when pricing is down, each with UNAVAILABLE and its path", async () => {
    const category = demoWorld().categories.find((c) => c.parentId === null)!;
    const gateway = await startGateway({
      port: 0,
      log: testLog,
      subgraphUrls: { ...supergraph.subgraphs, pricing: `http://127.0.0.1:${await closedPort()}/graphql` },
    });
    try {
      const result = await postGraphQL<{
        productsByCategory: { edges: { node: { id: string; title: string; price: unknown } }[] };
      }>(
        gateway.url,
        `query($categoryId: ID!) { productsByCategory(categoryId: $categoryId, first: 3) {
          edges { node { id title price(context: { currency: "USD", region: "US" }) { offeredPrice { formatted } } } }
        } }`,
        { categoryId: category.id },
      );
      expect(result.status).toBe(200);
      const nodes = result.body.data!.productsByCategory.edges.map((e) => e.node);
      expect(nodes).toHaveLength(3);
      for (const node of nodes) {
        expect(node.title.length).toBeGreaterThan(0);
        expect(node.price).toBeNull();
      }
      expect(result.body.errors?.map((e) => [e.extensions?.["code"], e.path])).toEqual(
        [0, 1, 2].map((i) => ["UNAVAILABLE", ["productsByCategory", "edges", i, "node", "price"]]),
      );
    } finally {
      await gateway.close();
    }
  });

  it("reports a subgraph that is down as UNAVAILABLE", async () => {
    const gateway = await startGateway({
      port: 0,
      log: testLog,
      subgraphUrls: { catalog: "http://127.0.0.1:1/graphql" },
    });
    try {
      expect(codes(await postGraphQL(gateway.url, "{ categories { id } }"))).toEqual(["UNAVAILABLE"]);
    } finally {
      await gateway.close();
    }
  });
});

describe("production mode", () => {
  let production: LocalSupergraph;
  const keys = testKeyPair();
  const env = {
    NODE_ENV: "production",
    AISLE_INTERNAL_SECRET: "a-private-secret-for-the-test",
    AUTH_PUBLIC_KEY_FILE: keys.publicKeyFile,
    LOG_LEVEL: "error",
  };

  beforeAll(async () => {
    production = await startLocalSupergraph({ port: 0, log: testLog, env });
  });
  afterAll(async () => {
    await production?.close();
  });

  it("turns introspection off and shows no landing page", async () => {
    const introspection = await postGraphQL(production.url, "{ __schema { types { name } } }");
    expect(codes(introspection)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    const page = await fetch(production.url, { headers: { accept: "text/html" } });
    expect(await page.text()).not.toContain("sandbox");
    // Nor the offline explorer, which is for development.
    const explorer = await fetch(new URL("/graphiql", production.url));
    expect(explorer.status).toBe(404);
  });

  it("still answers normal queries, without stack traces in errors", async () => {
    await expect(postGraphQL(production.url, "{ categories { id } }")).resolves.toMatchObject({
      status: 200,
    });
    const error = await postGraphQL(
      production.url,
      '{ productsByCategory(categoryId: "c-nowhere") { totalCount } }',
    );
    expect(codes(error)).toEqual(["NOT_FOUND"]);
    expect(JSON.stringify(error.body)).not.toContain("stacktrace");
  });

  it("refuses the dev secret in production", async () => {
    await expect(startGateway({ port: 0, log: testLog, env: { NODE_ENV: "production" } })).rejects.toThrow(
      /AISLE_INTERNAL_SECRET/,
    );
  });

  it("accepts tokens of the configured key and refuses development tokens with 401", async () => {
    const query = "{ me { id email } }";
    const own = await signToken({ user: "1", scopes: ["shopper"] }, keys.signing);
    const ok = await postGraphQL(production.url, query, {}, { authorization: `Bearer ${own}` });
    expect(ok.body.data).toMatchObject({ me: { id: "1" } });
    const dev = await signToken({ user: "1", scopes: ["shopper"] });
    const refused = await postGraphQL(production.url, query, {}, { authorization: `Bearer ${dev}` });
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(["UNAUTHENTICATED"]);
  });

  it("makes subgraphs refuse calls that bypass the gateway", async () => {
    const direct = await postGraphQL(
      production.subgraphs["catalog"]!,
      "{ categories { id } }",
      {},
      { "x-aisle-identity": "v1.forged.sig" },
    );
    expect(direct.status).toBe(401);
    expect(codes(direct)).toEqual(["UNAUTHENTICATED"]);
  });
});
