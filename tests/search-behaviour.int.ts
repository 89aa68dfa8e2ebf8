import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken, startGateway } from "@aisle/gateway";
import { startSubgraph, type RunningServer } from "@aisle/kit";
import { closedPort } from "../subgraphs/kit/src/testing/network-faults.ts";
import { searchSubgraph } from "@aisle/search";
import { userProfileSubgraph } from "@aisle/user-profile";
import { demoWorld } from "@aisle/world";
import { judgementsFromBehaviour } from "../models/search/behaviour-log.ts";
import { RecordEventsDocument } from "../operations/__generated__/graphql.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

/*
 * Search behaviour as training data, end to end: search hits carry attribution tokens, the search subgraph
 * logs each page it showed (Redis stream), a shopper's click with a hit's token is credited to that search and
 * position through recordEvents, and `npm run search:export-behaviour` writes both as the events.ndjson that
 * `npm run train -- search --judgments <dir>` learns from. Needs Redis on 127.0.0.1:6379 (skipped without).
 */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REDIS_URL = "redis://127.0.0.1:6379";
const prefix = `aisle-test:${randomUUID()}`;
const env = {
  ...process.env,
  EVENT_STREAM: "redis",
  EVENT_STREAM_REDIS_URL: REDIS_URL,
  EVENT_STREAM_KEY: `${prefix}:events`,
  SEARCH_LOG: "redis",
  SEARCH_LOG_REDIS_URL: REDIS_URL,
  SEARCH_LOG_KEY: `${prefix}:search-log`,
};

const SEARCH = `query ($query: String!, $first: Int, $after: String) {
  search(query: $query, first: $first, after: $after) {
    searchId
    pageInfo { endCursor }
    edges { node { attributionToken product { id } } }
  }
}`;
interface Page {
  search: {
    searchId: string;
    pageInfo: { endCursor: string };
    edges: { node: { attributionToken: string; product: { id: string } } }[];
  };
}

async function redisUp(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 500 });
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const available = await redisUp();
if (!available) process.stderr.write("search-behaviour.int.ts: no Redis on 127.0.0.1:6379, skipped\n");

describe.skipIf(!available)("search behaviour → training folder", () => {
  const world = demoWorld();
  const shopper = world.users[3]!;
  const started: RunningServer[] = [];
  let gatewayUrl = "";
  let closeGateway: () => Promise<void> = async () => {};
  let bearer: Record<string, string> = {};
  let out = "";

  beforeAll(async () => {
    const urls: Record<string, string> = {};
    for (const definition of [userProfileSubgraph, searchSubgraph]) {
      const running = await startSubgraph(definition, {
        port: 0,
        env,
        log: testLog.child({ service: definition.name }),
      });
      started.push(running);
      urls[definition.name] = running.url;
    }
    const gateway = await startGateway({
      subgraphUrls: urls,
      port: 0,
      log: testLog.child({ service: "gateway" }),
    });
    gatewayUrl = gateway.url;
    closeGateway = () => gateway.close();
    bearer = { authorization: `Bearer ${await signToken({ user: shopper.id, scopes: ["shopper"] })}` };
    out = await mkdtemp(join(tmpdir(), "aisle-search-export-"));
  }, 180_000);
  afterAll(async () => {
    await closeGateway();
    await Promise.all(started.map((s) => s.close()));
    if (out !== "") await rm(out, { recursive: true, force: true });
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it("credits a click to the search page and position it came from, and exports it for training", async () => {
    // Anonymous, so the order is the ranking's own (a signed-in shopper's is personalised).
    const first = await postGraphQL<Page>(gatewayUrl, SEARCH, { query: "headphones", first: 5 });
    expect(codes(first)).toEqual([]);
    const page1 = first.body.data!.search;
    expect(page1.searchId).toMatch(/^search-/);
    const second = await postGraphQL<Page>(gatewayUrl, SEARCH, {
      query: "headphones",
      first: 5,
      after: page1.pageInfo.endCursor,
    });
    const page2 = second.body.data!.search;
    expect(page2.searchId).not.toBe(page1.searchId);
    const clicked = page2.edges[1]!.node; // position 7
    const now = Date.now();
    const events = [
      { type: "click", productId: clicked.product.id, attributionToken: clicked.attributionToken },
      { type: "add_to_cart", productId: clicked.product.id, attributionToken: clicked.attributionToken },
    ].map((e, i) => ({ ...e, occurredAt: new Date(now - 1000 + i).toISOString(), surface: "search" }));
    const recorded = await postGraphQL<{ recordEvents: { accepted: number } }>(
      gatewayUrl,
      RecordEventsDocument,
      { events },
      bearer,
    );
    expect(codes(recorded)).toEqual([]);
    expect(recorded.body.data!.recordEvents.accepted).toBe(2);

    // A token names one product: using it on another is refused, as for recommendations.
    const wrong = await postGraphQL(
      gatewayUrl,
      RecordEventsDocument,
      {
        events: [
          {
            type: "click",
            productId: page1.edges[0]!.node.product.id,
            attributionToken: clicked.attributionToken,
            occurredAt: new Date(now).toISOString(),
          },
        ],
      },
      bearer,
    );
    expect(codes(wrong)).toEqual(["BAD_USER_INPUT"]);

    const exported = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(
        join(REPO, "node_modules/.bin/tsx"),
        ["--conditions=aisle-source", join(REPO, "models/search/export-behaviour.ts"), "--out", out],
        { cwd: REPO, env },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("exit", (code) => done({ code, stderr }));
    });
    expect(exported.code, exported.stderr).toBe(0);
    const lines = (await readFile(join(out, "events.ndjson"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const pageLines = (searchId: string) => lines.filter((l) => l["searchId"] === searchId);
    expect(pageLines(page1.searchId).filter((l) => l["type"] === "impression")).toEqual(
      page1.edges.map((e, i) => ({
        type: "impression",
        searchId: page1.searchId,
        productId: e.node.product.id,
        position: i + 1,
      })),
    );
    const onPage2 = pageLines(page2.searchId);
    expect(onPage2.find((l) => l["type"] === "search")).toMatchObject({ query: "headphones" });
    expect(
      onPage2.find((l) => l["productId"] === clicked.product.id && l["type"] === "impression"),
    ).toMatchObject({
      position: 7,
    });
    expect(onPage2.filter((l) => l["type"] === "click" || l["type"] === "add_to_cart")).toEqual([
      expect.objectContaining({ type: "click", productId: clicked.product.id }),
      expect.objectContaining({ type: "add_to_cart", productId: clicked.product.id }),
    ]);
    const products = await readFile(join(out, "products.csv"), "utf8");
    expect(products.split("\n")[0]).toBe("product_id,product_title,product_description");

    // What the trainer reads: the clicked product, shown at 7 and engaged with, is graded top for the query.
    const ids = new Set(world.products.map((p) => p.id));
    const { grades } = judgementsFromBehaviour(await readFile(join(out, "events.ndjson"), "utf8"), ids);
    const headphones = grades.get("headphones");
    expect(headphones?.get(clicked.product.id)).toBe(3);
  }, 120_000);
});

describe("search while its log's Redis is down", () => {
  it("answers every search; the impressions are dropped, not waited for", async () => {
    const port = await closedPort();
    const running = await startSubgraph(searchSubgraph, {
      port: 0,
      env: { ...process.env, SEARCH_LOG: "redis", SEARCH_LOG_REDIS_URL: `redis://127.0.0.1:${port}` },
      log: testLog.child({ service: "search" }),
    });
    try {
      for (let i = 0; i < 3; i += 1) {
        const result = await postGraphQL<Page>(running.url, SEARCH, { query: "headphones", first: 3 });
        expect(codes(result)).toEqual([]);
        expect(result.body.data!.search.edges).toHaveLength(3);
        expect(result.body.data!.search.edges[0]!.node.attributionToken).toMatch(/^at1\./);
      }
    } finally {
      await running.close();
    }
  }, 120_000);
});
