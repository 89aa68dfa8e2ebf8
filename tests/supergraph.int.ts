import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { demoWorld } from "@aisle/world";
import { CatalogService } from "@aisle/catalog";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import {
  CategoryListingDocument,
  CategoryTreeDocument,
  ProductPageDocument,
  ProductsByIdsDocument,
} from "../operations/__generated__/graphql.ts";
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
const leaf = world.categories.find((c) => !world.categories.some((child) => child.parentId === c.id))!;
const department = world.categories.find((c) => c.parentId === null)!;

describe("catalog through the gateway", () => {
  it("lists a category with real demo data and walks it with cursors", async () => {
    const first = await postGraphQL(supergraph.url, CategoryListingDocument, {
      categoryId: department.id,
      first: 5,
    });
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    const page = first.body.data!.productsByCategory as {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string };
      edges: {
        node: { id: string; title: string; listPrice: { formatted: string }; brand: { name: string } };
      }[];
    };
    expect(page.totalCount).toBeGreaterThan(100);
    expect(page.edges).toHaveLength(5);
    for (const { node } of page.edges) {
      const product = world.products.find((p) => p.id === node.id)!;
      expect(node.title).toBe(product.title);
      expect(node.listPrice.formatted).toMatch(/^\$[\d,]+\.\d\d$/);
      expect(node.brand.name.length).toBeGreaterThan(0);
    }
    const second = await postGraphQL(supergraph.url, CategoryListingDocument, {
      categoryId: department.id,
      first: 5,
      after: page.pageInfo.endCursor,
    });
    const secondIds = (second.body.data!.productsByCategory as typeof page).edges.map((e) => e.node.id);
    expect(secondIds).toHaveLength(5);
    expect(secondIds.some((id) => page.edges.some((e) => e.node.id === id))).toBe(false);
  });

  it("answers the product page with its category path", async () => {
    const product = world.products[0]!;
    const result = await postGraphQL(supergraph.url, ProductPageDocument, { id: product.id });
    expect(result.body.errors).toBeUndefined();
    const data = result.body.data!.product as {
      title: string;
      category: { id: string; ancestry: { id: string }[] };
    };
    expect(data.title).toBe(product.title);
    expect(data.category.id).toBe(product.categoryId);
    expect(data.category.ancestry.at(-1)?.id).toBe(product.categoryId);
  });

  it("serves the category tree", async () => {
    const result = await postGraphQL(supergraph.url, CategoryTreeDocument);
    const roots = result.body.data!.categories as { productCount: number; children: { isLeaf: boolean }[] }[];
    expect(roots.length).toBeGreaterThanOrEqual(5);
    expect(roots.flatMap((r) => r.children).length).toBeGreaterThanOrEqual(50);
    expect(roots.reduce((sum, r) => sum + r.productCount, 0)).toBe(world.products.length);
  });

  it("resolves unknown ids to null, never an error", async () => {
    const single = await postGraphQL(supergraph.url, ProductPageDocument, { id: "p-does-not-exist" });
    expect(single.body).toEqual({ data: { product: null } });
    const many = await postGraphQL(supergraph.url, ProductsByIdsDocument, {
      ids: [world.products[1]!.id, "nope"],
    });
    const list = many.body.data!.products as ({ id: string } | null)[];
    expect(list[0]?.id).toBe(world.products[1]!.id);
    expect(list[1]).toBeNull();
  });

  it("gives NOT_FOUND for an unknown category and BAD_USER_INPUT for bad paging", async () => {
    const unknown = await postGraphQL(supergraph.url, CategoryListingDocument, { categoryId: "c-nowhere" });
    expect(unknown.body.data).toBeNull();
    expect(codes(unknown)).toEqual(["NOT_FOUND"]);
    const tooMany = await postGraphQL(supergraph.url, CategoryListingDocument, {
      categoryId: leaf.id,
      first: 1000,
    });
    expect(codes(tooMany)).toEqual(["BAD_USER_INPUT"]);
    const badCursor = await postGraphQL(supergraph.url, CategoryListingDocument, {
      categoryId: leaf.id,
      after: "xyz",
    });
    expect(codes(badCursor)).toEqual(["BAD_USER_INPUT"]);
    const manyIds = await postGraphQL(supergraph.url, ProductsByIdsDocument, {
      ids: Array.from({ length: 101 }, (_, i) => `p-${i}`),
    });
    expect(codes(manyIds)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("batching", () => {
  it("resolves a batch of _entities with one lookup per entity type", async () => {
    const products = vi.spyOn(CatalogService.prototype, "productsByIds");
    const brands = vi.spyOn(CatalogService.prototype, "brandsByIds");
    const representations = world.products.slice(0, 40).map((p) => ({ __typename: "Product", id: p.id }));
    const result = await postGraphQL(
      supergraph.subgraphs["catalog"]!,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id title brand { name } } } }`,
      { r: representations },
    );
    expect(result.body.errors).toBeUndefined();
    expect((result.body.data!._entities as unknown[]).length).toBe(40);
    expect(products).toHaveBeenCalledTimes(1);
    expect(products.mock.calls[0]![0]).toHaveLength(40);
    expect(brands).toHaveBeenCalledTimes(1);
    products.mockRestore();
    brands.mockRestore();
  });

  it("resolves a 24-product listing's brands in one lookup", async () => {
    const brands = vi.spyOn(CatalogService.prototype, "brandsByIds");
    await postGraphQL(supergraph.url, CategoryListingDocument, { categoryId: department.id, first: 24 });
    expect(brands).toHaveBeenCalledTimes(1);
    brands.mockRestore();
  });
});
