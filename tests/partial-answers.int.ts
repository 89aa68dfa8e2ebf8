import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken, startGateway } from "@aisle/gateway";
import { demoWorld } from "@aisle/world";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

/*
 * A subgraph's failure or a stale reference nulls only the part of a page it concerns, and always with an
 * error: never `data.product: null` without one (issue 15, defects 5 and 6).
 */

const world = demoWorld();
const target = world.products[10]!;
const PAGE = `query($id: ID!) { product(id: $id) { id title similar(first: 10) { product { id title } } } }`;

let supergraph: LocalSupergraph;

beforeAll(async () => {
  supergraph = await startLocalSupergraph({ port: 0, log: testLog });
});
afterAll(async () => {
  await supergraph?.close();
});

interface Page {
  product: { id: string; title: string; similar: { product: { id: string; title: string } }[] | null } | null;
}

describe("a product page when recommendation fails", () => {
  it("keeps the product and nulls only similar/boughtTogether, with UNAVAILABLE, while recommendation is down", async () => {
    const gateway = await startGateway({
      port: 0,
      log: testLog,
      subgraphUrls: { ...supergraph.subgraphs, recommendation: "http://127.0.0.1:1/graphql" },
    });
    try {
      const result = await postGraphQL<{
        product: { title: string; similar: unknown; boughtTogether: unknown } | null;
      }>(
        gateway.url,
        `query($id: ID!) { product(id: $id) { title similar(first: 4) { score } boughtTogether(first: 4) { score } } }`,
        { id: target.id },
      );
      expect(result.body.data).toEqual({
        product: { title: target.title, similar: null, boughtTogether: null },
      });
      expect(codes(result).length).toBeGreaterThan(0);
      expect(new Set(codes(result))).toEqual(new Set(["UNAVAILABLE"]));
    } finally {
      await gateway.close();
    }
  });
});

describe("recommendations of products the catalog does not resolve", () => {
  it("refuses upsertRecommendableProduct for an unknown product, and other pages stay whole", async () => {
    const ops = await signToken({ user: "svc-ops", scopes: ["service:ops"] });
    const upsert = await postGraphQL(
      supergraph.url,
      `mutation($p: RecommendableProductInput!) { upsertRecommendableProduct(product: $p) { id } }`,
      {
        p: {
          id: "p-unknown-to-catalog",
          title: target.title,
          categoryId: target.categoryId,
          brandId: target.brandId,
          tier: "mid",
          priceMinor: target.listPrice.amountMinor,
        },
      },
      { authorization: `Bearer ${ops}` },
    );
    expect(codes(upsert)).toEqual(["NOT_FOUND"]);
    const page = await postGraphQL<Page>(supergraph.url, PAGE, { id: target.id });
    expect(page.body.errors).toBeUndefined();
    expect(page.body.data?.product?.title).toBe(target.title);
    expect(page.body.data?.product?.similar).toHaveLength(10);
    expect(page.body.data?.product?.similar?.map((r) => r.product.id)).not.toContain("p-unknown-to-catalog");
  });

  it("answers a recommended product the catalog no longer resolves with an error at its path, never a silent null", async () => {
    const whole = await postGraphQL<Page>(supergraph.url, PAGE, { id: target.id });
    const victim = whole.body.data!.product!.similar![2]!.product.id;
    // The catalog as it would be after dropping `victim` (a re-import): it resolves that product to null.
    const proxy = await catalogWithout(supergraph.subgraphs["catalog"]!, victim);
    const gateway = await startGateway({
      port: 0,
      log: testLog,
      subgraphUrls: { ...supergraph.subgraphs, catalog: proxy.url },
    });
    try {
      const result = await postGraphQL<Page>(gateway.url, PAGE, { id: target.id });
      expect(result.body.data?.product?.title).toBe(target.title);
      expect(result.body.data?.product?.similar).toBeNull();
      expect(result.body.errors?.length).toBeGreaterThan(0);
      expect(codes(result)).toContain("INTERNAL_SERVER_ERROR");
      const paths = (result.body.errors ?? []).map((e) => (e.path ?? []).slice(0, 4));
      expect(paths).toContainEqual(["product", "similar", 2, "product"]);
      expect(
        (result.body as { extensions?: Record<string, unknown> }).extensions?.["valueCompletion"],
      ).toBeUndefined();
    } finally {
      await gateway.close();
      await proxy.close();
    }
  });
});

/** A pass-through to the real catalog subgraph that answers `_entities` with null for one product id. */
async function catalogWithout(
  catalogUrl: string,
  productId: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string" && !["host", "content-length", "connection"].includes(k)) headers[k] = v;
      }
      void fetch(catalogUrl, { method: "POST", headers, body }).then(async (upstream) => {
        const answer = (await upstream.json()) as { data?: { _entities?: unknown[] } };
        const request = JSON.parse(body.toString("utf8")) as {
          variables?: { representations?: { id?: string }[] };
        };
        const entities = answer.data?._entities;
        if (Array.isArray(entities)) {
          request.variables?.representations?.forEach((r, i) => {
            if (r.id === productId) entities[i] = null;
          });
        }
        res.writeHead(upstream.status, { "content-type": "application/json" });
        res.end(JSON.stringify(answer));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
