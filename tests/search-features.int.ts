import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoWorld } from "@aisle/world";
import { OpenSearchBackend } from "@aisle/search";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import { AutocompleteDocument, SearchPageDocument } from "../operations/__generated__/graphql.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

/*
 * The search features shoppers of Algolia or Vertex AI Search expect (issue 17, item 4), through the gateway
 * with the operations the storefront and bench send: typo-tolerant autocomplete, per-request merchandising,
 * the relaxed retry of a query that matches nothing, and facets ordered by usefulness. On the embedded engine
 * always; on OpenSearch too when OPENSEARCH_URL is set (`OPENSEARCH_PORT=9281 bash scripts/opensearch-start.sh`).
 */

const world = demoWorld();
const productById = new Map(world.products.map((p) => [p.id, p]));
const categoryOf = (id: string) => productById.get(id)?.categoryId;

interface Page {
  totalCount: number;
  backend: string;
  edges: { node: { pinned: boolean; product: { id: string; title: string } } }[];
  facets: { field: string; usefulness: number }[];
  understanding: { relaxed: boolean; relaxedQuery: string | null; appliedQuery: string };
}

function features(backend: "embedded" | "opensearch", env: Record<string, string | undefined>) {
  describe(`search features through the gateway (${backend})`, () => {
    let supergraph: LocalSupergraph;
    beforeAll(async () => {
      supergraph = await startLocalSupergraph({ port: 0, log: testLog, env: { ...process.env, ...env } });
    }, 600_000);
    afterAll(async () => {
      await supergraph?.close();
      const url = env["OPENSEARCH_URL"];
      const alias = env["OPENSEARCH_INDEX"];
      if (url !== undefined && alias !== undefined) {
        const os = new OpenSearchBackend({ node: url, alias, synonyms: [] });
        await os.drop();
        await os.close();
      }
    });

    const page = async (variables: Record<string, unknown>) => {
      const result = await postGraphQL(supergraph.url, SearchPageDocument, variables);
      return { codes: codes(result), page: result.body.data?.search as Page | undefined };
    };

    it("autocompletes through a typo in the prefix", async () => {
      const result = await postGraphQL(supergraph.url, AutocompleteDocument, { prefix: "hedph", first: 8 });
      expect(codes(result)).toEqual([]);
      const suggestions = result.body.data!.autocomplete as {
        kind: string;
        text: string;
        id: string | null;
      }[];
      expect(suggestions[0]).toEqual({ kind: "QUERY", text: "headphones", id: null });
      expect(suggestions).toContainEqual({ kind: "CATEGORY", text: "Headphones", id: "c-headphones" });
      for (const s of suggestions.filter((x) => x.kind === "PRODUCT")) expect(s.text).toMatch(/headphones/i);
    });

    it("pins, boosts and buries per request, resolving pinned products through the catalog", async () => {
      const mat = world.products.find((p) => p.categoryId === "c-yoga-mats")!;
      const plain = await page({ query: "wireless earbuds", first: 10 });
      expect(plain.page?.backend).toBe(backend);
      const topBrand = productById.get(plain.page!.edges[0]!.node.product.id)!.brandId;
      const { codes: errors, page: merchandised } = await page({
        query: "wireless earbuds",
        first: 10,
        merchandising: { pin: [mat.id], bury: [{ field: "brand", values: [topBrand], weight: 6 }] },
      });
      expect(errors).toEqual([]);
      expect(merchandised!.edges[0]!.node).toMatchObject({
        pinned: true,
        product: { id: mat.id, title: mat.title },
      });
      const rest = merchandised!.edges.slice(1).map((e) => e.node);
      expect(rest.every((n) => !n.pinned)).toBe(true);
      expect(rest.map((n) => productById.get(n.product.id)!.brandId)).not.toContain(topBrand);
      expect(merchandised!.totalCount).toBe(plain.page!.totalCount + 1);
      // Optional filter: products of a low-ranked brand rise, nothing is excluded.
      const wide = await page({ query: "wireless earbuds", first: 60 });
      const firstTen = new Set(plain.page!.edges.map((e) => productById.get(e.node.product.id)!.brandId));
      const low = wide
        .page!.edges.map((e) => productById.get(e.node.product.id)!.brandId)
        .find((b) => !firstTen.has(b))!;
      const optional = await page({
        query: "wireless earbuds",
        first: 10,
        merchandising: { optionalFilters: [{ field: "brand", values: [low] }] },
      });
      expect(optional.page!.totalCount).toBe(plain.page!.totalCount);
      expect(optional.page!.edges.some((e) => productById.get(e.node.product.id)!.brandId === low)).toBe(
        true,
      );
    });

    it("refuses bad merchandising with BAD_USER_INPUT", async () => {
      const pins = world.products.slice(0, 11).map((p) => p.id);
      expect((await page({ query: "lamp", merchandising: { pin: pins } })).codes).toEqual(["BAD_USER_INPUT"]);
      const unknown = await page({
        query: "lamp",
        merchandising: { boost: [{ field: "colour", values: ["x"] }] },
      });
      expect(unknown.codes).toEqual(["BAD_USER_INPUT"]);
    });

    it("retries a query whose words match nothing with the relaxed query and says so", async () => {
      const { codes: errors, page: relaxed } = await page({ query: "sunglasses zqxvbn", first: 5 });
      expect(errors).toEqual([]);
      expect(relaxed!.understanding).toMatchObject({
        relaxed: true,
        relaxedQuery: "sunglasses",
        appliedQuery: "sunglasses",
      });
      expect(relaxed!.edges).toHaveLength(5);
      for (const e of relaxed!.edges) expect(categoryOf(e.node.product.id)).toBe("c-sunglasses");
    });

    it("orders facets by usefulness for the query", async () => {
      const { page: result } = await page({ query: "running shoes", first: 5 });
      const usefulness = result!.facets.map((f) => f.usefulness);
      expect(usefulness.length).toBeGreaterThan(3);
      expect(usefulness).toEqual([...usefulness].sort((a, b) => b - a));
      expect(usefulness[0]).toBeGreaterThan(0);
    });
  });
}

features("embedded", { SEARCH_BACKEND: "embedded" });
const url = process.env["OPENSEARCH_URL"];
if (url !== undefined && url !== "") {
  features("opensearch", {
    SEARCH_BACKEND: "opensearch",
    OPENSEARCH_URL: url,
    OPENSEARCH_INDEX: `aisle-features-${process.pid}`,
  });
} else {
  describe("search features through the gateway (opensearch)", () => {
    it.skip("needs OPENSEARCH_URL: OPENSEARCH_PORT=9280 bash scripts/opensearch-start.sh, then OPENSEARCH_URL=<printed URL> npx vitest run tests/search-features.int.ts", () => {});
  });
}
