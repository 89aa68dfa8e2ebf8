import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoWorld } from "@aisle/world";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import { AutocompleteDocument, SearchPageDocument } from "../operations/__generated__/graphql.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

let supergraph: LocalSupergraph;

beforeAll(async () => {
  supergraph = await startLocalSupergraph({ port: 0, log: testLog });
});
afterAll(async () => {
  await supergraph?.close();
});

const world = demoWorld();

describe("search through the gateway (embedded engine)", () => {
  it("serves a search page: hits resolved by the catalog, facets and understanding", async () => {
    const result = await postGraphQL(supergraph.url, SearchPageDocument, {
      query: "wireles earbuds",
      first: 24,
    });
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    const search = result.body.data!.search as {
      totalCount: number;
      backend: string;
      edges: {
        node: {
          highlight: string | null;
          product: { id: string; title: string; imageUrls: string[]; listPrice: { formatted: string } };
        };
      }[];
      facets: { field: string }[];
      understanding: { correctedQuery: string | null };
    };
    expect(search.backend).toBe("embedded");
    expect(search.edges).toHaveLength(24);
    expect(search.understanding.correctedQuery).toBe("wireless earbuds");
    for (const { node } of search.edges) {
      const product = world.products.find((p) => p.id === node.product.id)!;
      expect(node.product.title).toBe(product.title);
      expect(node.product.imageUrls[0]).toMatch(/^https:\/\//);
      expect(node.product.listPrice.formatted).toMatch(/^\$/);
    }
    expect(search.facets.map((f) => f.field)).toEqual(expect.arrayContaining(["category", "brand", "price"]));
  });

  it("autocompletes and refuses bad input with BAD_USER_INPUT", async () => {
    const suggestions = await postGraphQL(supergraph.url, AutocompleteDocument, { prefix: "lapt" });
    expect((suggestions.body.data!.autocomplete as { text: string }[]).map((s) => s.text)).toContain(
      "laptops",
    );
    const bad = await postGraphQL(supergraph.url, SearchPageDocument, { query: "x".repeat(300) });
    expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
    // An empty query is a browse page, not an error.
    const browse = await postGraphQL(supergraph.url, SearchPageDocument, { query: "" });
    expect(codes(browse)).toEqual([]);
    expect((browse.body.data!.search as { totalCount: number }).totalCount).toBeGreaterThan(1000);
  });
});
