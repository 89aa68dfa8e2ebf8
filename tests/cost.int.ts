import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoWorld } from "@aisle/world";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

/*
 * The cost limit through the gateway (issue 15, defect 12): the cost comes from the subgraphs' @cost and
 * @listSize declarations with the variables' values, so an ordinary category page passes and abuse does not.
 */

const world = demoWorld();
const leaf = world.categories.find(
  (c) => c.parentId !== null && world.products.filter((p) => p.categoryId === c.id).length >= 48,
)!;

/**
 * The category page of the issue: products with price, availability, a delivery estimate and 4 similar.
 * `first` is written inline (as a client's page query often is) or passed as a variable.
 */
const listing = (
  first: string,
) => `query Listing($categoryId: ID!${first.startsWith("$") ? ", $first: Int!" : ""}) {
  productsByCategory(categoryId: $categoryId, first: ${first}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id title imageUrls listPrice { formatted }
      price(context: { currency: "USD", region: "US" }) { offeredPrice { formatted } listPrice { formatted } reason }
      availability { inStock quantityLabel lowStock shipsFrom { id name } }
      deliveryEstimate(destination: { country: "US", postalCode: "80202" }) {
        reason options { carrier { id name } service cost { formatted } p50Date p90Date onTimeProbability }
      }
      similar(first: 4) { score product { id title listPrice { formatted } } }
    } }
  }
}`;

let supergraph: LocalSupergraph;

beforeAll(async () => {
  supergraph = await startLocalSupergraph({ port: 0, log: testLog });
});
afterAll(async () => {
  await supergraph?.close();
});

describe("operation cost at the gateway", () => {
  it.each([24, 48])(
    "serves a %i-product category page with price, availability, delivery and similar",
    async (first) => {
      const result = await postGraphQL<{ productsByCategory: { edges: unknown[] } }>(
        supergraph.url,
        listing(String(first)),
        { categoryId: leaf.id },
      );
      expect(result.status).toBe(200);
      expect(codes(result)).not.toContain("QUERY_TOO_COSTLY");
      expect(result.body.data?.productsByCategory.edges).toHaveLength(first);
    },
  );

  it("refuses the same page at 1,000 products, and nested or aliased expensive fields, with 400 QUERY_TOO_COSTLY", async () => {
    const big = await postGraphQL(supergraph.url, listing("$first"), { categoryId: leaf.id, first: 1000 });
    expect(big.status).toBe(400);
    expect(codes(big)).toEqual(["QUERY_TOO_COSTLY"]);
    expect(big.body.errors?.[0]?.extensions).toMatchObject({ maxCost: 5000 });
    expect(big.body.errors?.[0]?.extensions?.["cost"]).toBeGreaterThan(5000);
    expect(big.body.data).toBeUndefined();

    const nested = await postGraphQL(
      supergraph.url,
      `{ product(id: "${world.products[0]!.id}") { similar(first: 50) { product { similar(first: 50) { product { title } } } } } }`,
    );
    expect(nested.status).toBe(400);
    expect(codes(nested)).toEqual(["QUERY_TOO_COSTLY"]);

    const aliases = Array.from(
      { length: 15 },
      (_, i) =>
        `s${i}: search(query: "lamp", first: 100) { edges { node { product { price(context: { currency: "USD", region: "US" }) { reason } } } } }`,
    ).join(" ");
    const aliased = await postGraphQL(supergraph.url, `{ ${aliases} }`);
    expect(aliased.status).toBe(400);
    expect(codes(aliased)).toEqual(["QUERY_TOO_COSTLY"]);
  });
});
