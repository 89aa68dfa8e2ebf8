import { graphql } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, RequestContext, ANONYMOUS, type Identity } from "@aisle/kit";
import type { SearchParts } from "./search.subgraph.ts";

/**
 * The search contract, run against both engines: search.test.ts (embedded) and opensearch.int.ts (a real
 * OpenSearch). Assertions are about behaviour (which category the hits come from, what was understood, which
 * codes bad input gets), never about exact scores or orders: Lucene's BM25 and MiniSearch's BM25+ score
 * differently, and OpenSearch's highlighter and fuzzy expansion differ in detail.
 */
interface FacetValue {
  value: string;
  label: string;
  count: number;
  min: number | null;
  max: number | null;
  selected: boolean;
}
interface Facet {
  field: string;
  values: FacetValue[];
  usefulness: number;
}
interface Extracted {
  field: string;
  values: string[];
  min: number | null;
  max: number | null;
}
interface SearchData {
  totalCount: number;
  backend: string;
  personalized: boolean;
  edges: {
    cursor: string;
    node: { product: { id: string }; score: number; highlight: string | null; pinned: boolean };
  }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  facets: Facet[];
  understanding: {
    correctedQuery: string | null;
    expandedSynonyms: string[];
    relaxedQuery: string | null;
    relaxed: boolean;
    appliedQuery: string;
    categoryIntent: { categoryId: string; name: string; source: string; confidence: number } | null;
    extractedFilters: Extracted[];
  };
}

export function searchContract(label: string, start: () => Promise<SearchParts>): void {
  describe(`search contract (${label})`, () => {
    let parts: SearchParts;
    const log = createLogger("search-test", "silent");
    let n = 0;
    beforeAll(async () => {
      parts = await start();
    }, 180_000);
    afterAll(async () => {
      await parts?.close?.();
    });

    async function run(
      source: string,
      variables: Record<string, unknown> = {},
      identity: Identity = ANONYMOUS,
    ) {
      n += 1;
      const result = await graphql({
        schema: parts.schema,
        source,
        variableValues: variables,
        contextValue: new RequestContext(`t${n}`, identity, log),
      });
      return {
        data: JSON.parse(JSON.stringify(result.data ?? null)) as Record<string, unknown> | null,
        codes: (result.errors ?? []).map((e) => e.extensions["code"]),
      };
    }

    const SEARCH = `query($q: String!, $filters: [SearchFilterInput!], $first: Int, $after: String, $sort: SearchSort,
        $merchandising: SearchMerchandisingInput) {
      search(query: $q, filters: $filters, first: $first, after: $after, sort: $sort, merchandising: $merchandising) {
        totalCount backend personalized
        edges { cursor node { product { id } score highlight pinned } }
        pageInfo { hasNextPage endCursor }
        facets { field usefulness values { value label count min max selected } }
        understanding { correctedQuery expandedSynonyms relaxedQuery relaxed appliedQuery
          categoryIntent { categoryId name source confidence }
          extractedFilters { field values min max } }
      }
    }`;
    const search = async (q: string, extra: Record<string, unknown> = {}, identity?: Identity) => {
      const r = await run(SEARCH, { q, ...extra }, identity);
      return { ...r, s: r.data?.["search"] as SearchData };
    };
    const categoryOf = (id: string) => parts.engine.corpus.doc(id)?.categoryId;
    const share = (ids: string[], category: string) =>
      ids.filter((id) => categoryOf(id) === category).length / Math.max(1, ids.length);
    const ids = (s: SearchData): string[] => s.edges.map((e) => e.node.product.id);
    const facet = (s: SearchData, field: string): Facet => {
      const found = s.facets.find((f) => f.field === field);
      if (found === undefined) throw new Error(`no ${field} facet`);
      return found;
    };

    it("finds products of the named category, with highlights, a total and facets", async () => {
      const { s, codes } = await search("wireless earbuds", { first: 10 });
      expect(codes).toEqual([]);
      expect(s.backend).toBe(label);
      expect(s.edges).toHaveLength(10);
      expect(share(ids(s), "c-wireless-earbuds")).toBeGreaterThanOrEqual(0.9);
      expect(s.totalCount).toBeGreaterThanOrEqual(10);
      expect(s.edges[0]?.node.highlight).toMatch(/<em>(Wireless|Earbuds)<\/em>/i);
      const category = facet(s, "category");
      expect(category.values.find((v) => v.value === "c-wireless-earbuds")?.count).toBeGreaterThan(0);
      const brandTotal = facet(s, "brand").values.reduce((a, v) => a + v.count, 0);
      expect(brandTotal).toBeLessThanOrEqual(s.totalCount);
      expect(s.facets.some((f) => f.field === "price")).toBe(true);
      expect(s.understanding.categoryIntent).toMatchObject({
        categoryId: "c-wireless-earbuds",
        source: "NAME",
      });
    });

    it("takes the intent from the results when the top 10 all share a category the query does not name", async () => {
      const { s } = await search("yoga", { first: 10 });
      expect(share(ids(s), "c-yoga-mats")).toBe(1);
      expect(s.understanding.categoryIntent).toMatchObject({
        categoryId: "c-yoga-mats",
        source: "RESULTS",
        confidence: 1,
      });
    });

    it("corrects spelling from the catalogue's vocabulary and still finds the category", async () => {
      const { s } = await search("wireles earbudz", { first: 10 });
      expect(s.understanding.correctedQuery).toBe("wireless earbuds");
      expect(share(ids(s), "c-wireless-earbuds")).toBeGreaterThanOrEqual(0.9);
    });

    it("expands synonyms from the synonyms file", async () => {
      const { s } = await search("rucksack", { first: 10 });
      expect(s.understanding.expandedSynonyms).toContain("backpack");
      expect(share(ids(s), "c-backpacks")).toBeGreaterThanOrEqual(0.8);
    });

    it("extracts a price ceiling and a colour and applies them", async () => {
      const { s } = await search("black sneakers under 150", { first: 24 });
      const extracted = s.understanding.extractedFilters;
      expect(extracted).toContainEqual({ field: "price", values: [], min: null, max: 150 });
      expect(extracted.map((f) => f.field).sort()).toEqual(["Color", "price"]);
      expect(extracted.find((f) => f.field === "Color")?.values).toContain("Black");
      expect(s.totalCount).toBeGreaterThan(0);
      const prices = facet(s, "price").values;
      expect(prices.every((v) => v.max !== null && v.max <= 250)).toBe(true);
      for (const id of ids(s)) {
        const doc = parts.engine.corpus.doc(id);
        expect(doc?.priceMinor).toBeLessThanOrEqual(15000);
        expect(doc?.attributes).toContainEqual({ name: "Color", value: "Black" });
      }
    });

    it("applies explicit filters (brand, category, price) and marks selected facet values", async () => {
      const first = await search("sneakers", { first: 5 });
      const brand = facet(first.s, "brand").values[0]?.value;
      const { s } = await search("sneakers", {
        first: 24,
        filters: [
          { field: "brand", values: [brand] },
          { field: "price", min: 10 },
        ],
      });
      expect(s.totalCount).toBeGreaterThan(0);
      for (const id of ids(s)) {
        expect(parts.engine.corpus.doc(id)?.brandId).toBe(brand);
        expect(parts.engine.corpus.doc(id)?.priceMinor).toBeGreaterThanOrEqual(1000);
      }
      expect(facet(s, "brand").values).toEqual([expect.objectContaining({ value: brand, selected: true })]);
      const browse = await search("", { first: 5, filters: [{ field: "category", values: ["c-fashion"] }] });
      expect(browse.codes).toEqual([]);
      expect(browse.s.edges).toHaveLength(5);
      for (const id of ids(browse.s))
        expect(parts.engine.corpus.doc(id)?.categoryPath).toContain("c-fashion");
    });

    it("serves an empty search without filters as a browse page of every product, most popular first", async () => {
      const bare = await run(`{ search { totalCount edges { node { product { id } } } facets { field } } }`);
      expect(bare.codes).toEqual([]);
      const all = await search("", { first: 30 });
      expect(all.codes).toEqual([]);
      expect(all.s.totalCount).toBe(parts.engine.corpus.size);
      expect(all.s.edges).toHaveLength(30);
      expect((bare.data?.["search"] as SearchData).totalCount).toBe(all.s.totalCount);
      const popularity = ids(all.s).map((id) => parts.engine.corpus.doc(id)?.popularity ?? -1);
      expect(popularity).toEqual([...popularity].sort((a, b) => b - a));
      expect(facet(all.s, "category").values.length).toBeGreaterThan(1);
      expect(facet(all.s, "brand").values.length).toBeGreaterThan(1);
      const next = await search("", { first: 30, after: all.s.pageInfo.endCursor });
      expect(next.codes).toEqual([]);
      expect(ids(all.s).filter((id) => ids(next.s).includes(id))).toEqual([]);
      const cheap = await search("", { first: 10, sort: "PRICE_ASC" });
      const prices = ids(cheap.s).map((id) => parts.engine.corpus.doc(id)?.priceMinor ?? 0);
      expect(prices).toEqual([...prices].sort((a, b) => a - b));
    });

    it("pages with cursors without repeating hits", async () => {
      const one = await search("backpack", { first: 5 });
      const two = await search("backpack", { first: 5, after: one.s.pageInfo.endCursor });
      expect(two.codes).toEqual([]);
      expect(two.s.edges).toHaveLength(5);
      expect(ids(one.s).filter((id) => ids(two.s).includes(id))).toEqual([]);
      const both = await search("backpack", { first: 10 });
      expect(ids(both.s)).toEqual([...ids(one.s), ...ids(two.s)]);
    });

    it("sorts by price within the matches", async () => {
      const { s } = await search("coffee maker", { first: 20, sort: "PRICE_ASC" });
      const prices = ids(s).map((id) => parts.engine.corpus.doc(id)?.priceMinor ?? 0);
      expect(prices).toEqual([...prices].sort((a, b) => a - b));
    });

    it("gives BAD_USER_INPUT for bad input, never a crash", async () => {
      expect((await search("shoes", { filters: [{ field: "weight_class", values: ["x"] }] })).codes).toEqual([
        "BAD_USER_INPUT",
      ]);
      expect((await search("shoes", { first: 1000 })).codes).toEqual(["BAD_USER_INPUT"]);
      expect((await search("x".repeat(10_240))).codes).toEqual(["BAD_USER_INPUT"]);
      expect((await search("shoes", { filters: [{ field: "price", min: 50, max: 10 }] })).codes).toEqual([
        "BAD_USER_INPUT",
      ]);
      const other = await search("lamps", { first: 2 });
      expect((await search("shoes", { after: other.s.pageInfo.endCursor })).codes).toEqual([
        "BAD_USER_INPUT",
      ]);
    });

    it("returns an empty result, not an error, for a query that matches nothing even relaxed", async () => {
      const none = await search("qzxv plorfk");
      expect(none.codes).toEqual([]);
      expect(none.s.totalCount).toBe(0);
      expect(none.s.edges).toEqual([]);
      expect(none.s.understanding).toMatchObject({
        relaxed: false,
        relaxedQuery: null,
        appliedQuery: "qzxv plorfk",
      });
    });

    it("retries a query whose words match nothing with the relaxed query, and says so", async () => {
      // No product has both words: the search is retried with the word that matches, in the same request.
      const partial = await search("sunglasses zqxvbn", { first: 5 });
      expect(partial.codes).toEqual([]);
      expect(partial.s.understanding).toMatchObject({
        relaxedQuery: "sunglasses",
        relaxed: true,
        appliedQuery: "sunglasses",
      });
      expect(partial.s.edges).toHaveLength(5);
      expect(share(ids(partial.s), "c-sunglasses")).toBe(1);
      const plain = await search("sunglasses", { first: 5 });
      expect(partial.s.totalCount).toBe(plain.s.totalCount);
      expect(plain.s.understanding).toMatchObject({ relaxed: false, appliedQuery: "sunglasses" });
      // The relaxed page pages on like any other.
      const next = await search("sunglasses zqxvbn", { first: 5, after: partial.s.pageInfo.endCursor });
      expect(next.codes).toEqual([]);
      expect(ids(partial.s).filter((id) => ids(next.s).includes(id))).toEqual([]);
    });

    it("orders facets by how well they split the result, and a facet already filtered on splits nothing", async () => {
      const { s } = await search("sneakers", { first: 5 });
      const usefulness = s.facets.map((f) => f.usefulness);
      expect(usefulness).toEqual([...usefulness].sort((a, b) => b - a));
      for (const u of usefulness) expect(u).toBeGreaterThanOrEqual(0);
      for (const u of usefulness) expect(u).toBeLessThanOrEqual(1);
      // Under a leaf-category filter every hit has the same category path: that facet splits nothing.
      const leaf = categoryOf(ids(s)[0] as string) as string;
      const inLeaf = await search("sneakers", { first: 5, filters: [{ field: "category", values: [leaf] }] });
      expect(facet(inLeaf.s, "category").usefulness).toBe(0);
      const brand = facet(s, "brand").values[0]?.value as string;
      const filtered = await search("sneakers", { first: 5, filters: [{ field: "brand", values: [brand] }] });
      expect(facet(filtered.s, "brand").usefulness).toBe(0);
      expect(filtered.s.facets.at(-1)?.usefulness).toBe(0);
      expect(filtered.s.facets[0]?.usefulness).toBeGreaterThan(0);
    });

    it("pins products first, in order, marked pinned, and pages on without repeating them", async () => {
      const plain = await search("wireless earbuds", { first: 10 });
      const third = ids(plain.s)[2] as string;
      // A yoga mat: a product the query does not match.
      const outside = Array.from({ length: 10_000 }, (_, k) => `p-${k + 1}`).find(
        (id) => categoryOf(id) === "c-yoga-mats",
      ) as string;
      expect(outside).toBeDefined();
      const { s, codes } = await search("wireless earbuds", {
        first: 5,
        merchandising: { pin: [outside, third, "no-such-product"] },
      });
      expect(codes).toEqual([]);
      expect(ids(s).slice(0, 2)).toEqual([outside, third]);
      expect(s.edges.map((e) => e.node.pinned)).toEqual([true, true, false, false, false]);
      expect(s.totalCount).toBe(plain.s.totalCount + 1);
      const next = await search("wireless earbuds", {
        first: 5,
        after: s.pageInfo.endCursor,
        merchandising: { pin: [outside, third, "no-such-product"] },
      });
      expect(next.codes).toEqual([]);
      expect(ids(next.s)).not.toContain(outside);
      expect(ids(next.s)).not.toContain(third);
      // A pin outside the filters is skipped; another sort ignores merchandising.
      const filtered = await search("wireless earbuds", {
        first: 5,
        filters: [{ field: "category", values: ["c-wireless-earbuds"] }],
        merchandising: { pin: [outside] },
      });
      expect(ids(filtered.s)).not.toContain(outside);
      const sorted = await search("wireless earbuds", {
        first: 5,
        sort: "PRICE_ASC",
        merchandising: { pin: [outside] },
      });
      expect(ids(sorted.s)).not.toContain(outside);
    });

    it("boosts and buries by brand or category, and optional filters raise matches without excluding the rest", async () => {
      const plain = await search("backpack", { first: 10 });
      const brandOf = (id: string) => parts.engine.corpus.doc(id)?.brandId;
      const brandShare = (s: SearchData, brand: string) =>
        ids(s).filter((id) => brandOf(id) === brand).length / Math.max(1, s.edges.length);
      const top = brandOf(ids(plain.s)[0] as string) as string;
      const buried = await search("backpack", {
        first: 10,
        merchandising: { bury: [{ field: "brand", values: [top], weight: 6 }] },
      });
      expect(buried.codes).toEqual([]);
      expect(brandShare(buried.s, top)).toBe(0);
      expect(buried.s.totalCount).toBe(plain.s.totalCount);
      // A brand further down: boosting it raises its share of the first page.
      const wide = await search("backpack", { first: 60 });
      const low = ids(wide.s)
        .slice(10)
        .map((id) => brandOf(id) as string)
        .find((b) => brandShare(plain.s, b) === 0) as string;
      const boosted = await search("backpack", {
        first: 10,
        merchandising: { boost: [{ field: "brand", values: [low], weight: 4 }] },
      });
      expect(brandShare(boosted.s, low)).toBeGreaterThan(0);
      // Browse page of a department with one category boosted: that category comes first.
      const browse = await search("", {
        first: 10,
        filters: [{ field: "category", values: ["c-fashion"] }],
        merchandising: { boost: [{ field: "category", values: ["c-sunglasses"], weight: 8 }] },
      });
      expect(share(ids(browse.s), "c-sunglasses")).toBe(1);
      // Optional filter: black products rise, none is excluded.
      const isBlack = (id: string) =>
        parts.engine.corpus.doc(id)?.attributes.some((a) => a.name === "Color" && a.value === "Black") ===
        true;
      const base = await search("jacket", { first: 10 });
      const optional = await search("jacket", {
        first: 10,
        merchandising: { optionalFilters: [{ field: "Color", values: ["Black"] }] },
      });
      expect(optional.codes).toEqual([]);
      expect(optional.s.totalCount).toBe(base.s.totalCount);
      expect(ids(optional.s).filter(isBlack).length).toBeGreaterThan(ids(base.s).filter(isBlack).length);
    });

    it("gives BAD_USER_INPUT for bad merchandising", async () => {
      const bad = async (merchandising: Record<string, unknown>) =>
        (await search("lamp", { first: 3, merchandising })).codes;
      expect(await bad({ pin: Array.from({ length: 11 }, (_, k) => `p-${k + 1}`) })).toEqual([
        "BAD_USER_INPUT",
      ]);
      expect(await bad({ boost: [{ field: "colour", values: ["x"] }] })).toEqual(["BAD_USER_INPUT"]);
      expect(await bad({ bury: [{ field: "brand", values: [] }] })).toEqual(["BAD_USER_INPUT"]);
      expect(await bad({ boost: [{ field: "brand", values: ["b"], weight: 0 }] })).toEqual([
        "BAD_USER_INPUT",
      ]);
      expect(await bad({ boost: [{ field: "brand", values: ["b"], weight: 11 }] })).toEqual([
        "BAD_USER_INPUT",
      ]);
      expect(
        await bad({ boost: Array.from({ length: 21 }, () => ({ field: "brand", values: ["b"] })) }),
      ).toEqual(["BAD_USER_INPUT"]);
      expect(await bad({ optionalFilters: [{ field: "weight_class", values: ["x"] }] })).toEqual([
        "BAD_USER_INPUT",
      ]);
    });

    it("autocompletes queries, categories and products", async () => {
      const r = await run(`{ autocomplete(prefix: "sungl", first: 8) { kind text id } }`);
      const suggestions = r.data?.["autocomplete"] as { kind: string; text: string; id: string | null }[];
      expect(suggestions).toContainEqual({ kind: "QUERY", text: "sunglasses", id: null });
      expect(suggestions).toContainEqual({ kind: "CATEGORY", text: "Sunglasses", id: "c-sunglasses" });
      const products = await run(`{ autocomplete(prefix: "stenand cat", first: 3) { kind text id } }`);
      expect((products.data?.["autocomplete"] as { kind: string }[]).some((s) => s.kind === "PRODUCT")).toBe(
        true,
      );
      expect((await run(`{ autocomplete(prefix: "${"a".repeat(100)}") { text } }`)).codes).toEqual([
        "BAD_USER_INPUT",
      ]);
    });

    it("autocompletes through typos in the prefix (edit distance scaled by its length)", async () => {
      const r = await run(`{ autocomplete(prefix: "hedph", first: 8) { kind text id } }`);
      expect(r.codes).toEqual([]);
      const suggestions = r.data?.["autocomplete"] as { kind: string; text: string; id: string | null }[];
      expect(suggestions[0]).toEqual({ kind: "QUERY", text: "headphones", id: null });
      expect(suggestions).toContainEqual({ kind: "CATEGORY", text: "Headphones", id: "c-headphones" });
      const products = suggestions.filter((s) => s.kind === "PRODUCT");
      expect(products.length).toBeGreaterThan(0);
      for (const p of products) expect(p.text).toMatch(/headphones/i);
      // The engine's own prefix lookup is typo-tolerant too, on both backends; two typed words both count.
      const titles = await parts.engine.backend.prefix("hedph", 5);
      expect(titles).toHaveLength(5);
      for (const t of titles) expect(t.title).toMatch(/headphones/i);
      const two = await parts.engine.backend.prefix("wirless earb", 5);
      expect(two.length).toBeGreaterThan(0);
      for (const t of two) expect(t.title).toMatch(/wireless.*earbuds|earbuds.*wireless/i);
      // Three letters allow no typo: "hed" does not reach "headphones".
      const short = await run(`{ autocomplete(prefix: "hed", first: 8) { text } }`);
      for (const s of short.data?.["autocomplete"] as { text: string }[])
        expect(s.text).not.toMatch(/headphones/i);
    });

    it("never personalises an anonymous caller; personalises a signed-in shopper", async () => {
      const anonymous = await search("jacket", { first: 24 });
      expect(anonymous.s.personalized).toBe(false);
      const again = await search("jacket", { first: 24 });
      expect(ids(again.s)).toEqual(ids(anonymous.s));
      const user = "1"; // a demo-world user id
      const signedIn = await search("jacket", { first: 24 }, { userId: user, scopes: ["shopper"] });
      expect(signedIn.s.personalized).toBe(true);
      expect(new Set(ids(signedIn.s))).not.toEqual(new Set());
    });

    it("indexes a product from its change event and drops it when archived", async () => {
      const product = {
        id: "contract-new-1",
        sku: "CN-1",
        title: "Zephyrwick Trail Lantern",
        description: "",
        categoryId: "c-wireless-earbuds",
        categoryPath: ["c-electronics", "c-wireless-earbuds"],
        brand: { id: "b-zephyrwick", name: "Zephyrwick", tier: "mid" as const },
        attributes: [{ name: "Color", value: "Black" }],
        imageUrls: [],
        listPriceMinor: 2_999,
        createdAt: "2026-01-01T00:00:00.000Z",
      };
      const at = "2026-01-01T00:00:00.000Z";
      expect(ids((await search("Zephyrwick lantern", { first: 5 })).s)).not.toContain(product.id);
      await parts.applyProductChange({ kind: "created", productId: product.id, version: 1, product, at });
      const found = await search("Zephyrwick lantern", { first: 5 });
      expect(ids(found.s)[0]).toBe(product.id);
      await parts.applyProductChange({ kind: "archived", productId: product.id, version: 2, product, at });
      expect(ids((await search("Zephyrwick lantern", { first: 5 })).s)).not.toContain(product.id);
      expect(parts.engine.corpus.doc(product.id)).toBeUndefined();
    });

    it("embeds the query once per request, however many searches the request holds", async () => {
      const before = parts.encoder.model.stats.runs;
      const r = await run(
        `{ a: search(query: "desk lamp", first: 3) { totalCount } b: search(query: "floor lamp", first: 3) { totalCount } }`,
      );
      expect(r.codes).toEqual([]);
      expect(parts.encoder.model.stats.runs - before).toBe(1);
    });
  });
}
