import { readdirSync, readFileSync } from "node:fs";
import { buildSchema, Kind, parse, type DocumentNode, type FragmentDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "./config.ts";
import { costModelFromSupergraph, operationCost } from "./cost.ts";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const apiSchema = buildSchema(read("schema/api.graphql"));
const model = costModelFromSupergraph(read("schema/supergraph.graphql"));
const MAX_COST = loadGatewayConfig({}).MAX_COST;

function costsOf(document: DocumentNode, variables: Record<string, unknown> = {}): Map<string, number> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const out = new Map<string, number>();
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    out.set(d.name?.value ?? "anonymous", operationCost(apiSchema, model, d, fragments, variables));
  }
  return out;
}
const cost = (source: string, variables: Record<string, unknown> = {}) =>
  [...costsOf(parse(source), variables).values()][0]!;

/** A category page: `first` products with price, availability, a delivery estimate and 4 similar products. */
const listing = (first: number) => `{
  productsByCategory(categoryId: "c-headphones", first: ${first}) {
    totalCount pageInfo { hasNextPage endCursor }
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

describe("cost model read from the supergraph", () => {
  it("finds the subgraphs' @cost and @listSize declarations", () => {
    expect(model.fieldWeights.get("Product.deliveryEstimate")).toBe(5);
    expect(model.fieldWeights.get("Query.search")).toBe(20);
    expect(model.listSizes.get("Query.productsByCategory")).toEqual({
      assumedSize: null,
      slicingArguments: ["first"],
      sizedFields: ["edges"],
    });
    expect(model.listSizes.get("DeliveryEstimate.options")?.assumedSize).toBe(12);
  });

  it("reads renamed and namespaced directives through @link", () => {
    const sdl = `
      schema @link(url: "https://specs.apollo.dev/link/v1.0")
        @link(url: "https://specs.apollo.dev/cost/v0.1", import: [{ name: "@cost", as: "@weight" }]) { query: Query }
      directive @weight(weight: Int!) on FIELD_DEFINITION
      directive @cost__listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!]) on FIELD_DEFINITION
      type Query { a: [Int] @weight(weight: 3) @cost__listSize(assumedSize: 7) }`;
    const m = costModelFromSupergraph(sdl);
    expect(m.fieldWeights.get("Query.a")).toBe(3);
    expect(m.listSizes.get("Query.a")?.assumedSize).toBe(7);
  });
});

describe("operation cost", () => {
  it("follows the formula: size × (weight + selection), slicing arguments and sized fields", () => {
    // product 1 + title 0
    expect(cost(`{ product(id: "p") { title } }`)).toBe(1);
    // product 1 + deliveryEstimate 5 + options 12 × (option 1 + carrier 1)
    expect(
      cost(
        `{ product(id: "p") { deliveryEstimate(destination: { country: "US", postalCode: "1" }) { options { carrier { id } } } } }`,
      ),
    ).toBe(1 + 5 + 12 * 2);
    // similar: first × (5 + product 1); its default `first` (10) when left out
    expect(cost(`{ product(id: "p") { similar(first: 4) { product { id } } } }`)).toBe(1 + 4 * 6);
    expect(cost(`{ product(id: "p") { similar { product { id } } } }`)).toBe(1 + 10 * 6);
    // the connection is one object; `first` sizes its edges
    expect(
      cost(`query($n: Int!) { productsByCategory(categoryId: "c", first: $n) { edges { node { id } } } }`, {
        n: 30,
      }),
    ).toBe(1 + 30 * 2);
    // a list without @listSize counts 10; fragments count as their fields; __typename costs nothing
    expect(cost(`{ categories { __typename ...F } } fragment F on Category { parent { id } }`)).toBe(10 * 2);
    // a mutation's root field weighs at least 10
    expect(cost(`mutation { reportOutcome(assessmentId: "a", outcome: CHARGEBACK) { created } }`)).toBe(10);
  });

  it("lets the issue's 24-product category page through, and a 48-product one", () => {
    expect(cost(listing(24))).toBeLessThanOrEqual(MAX_COST);
    expect(cost(listing(48))).toBeLessThanOrEqual(MAX_COST);
  });

  it("lets every operation in operations/ through with the storefront's 24-item pages", () => {
    const dir = new URL("../../operations/", import.meta.url);
    const ids = Array.from({ length: 24 }, (_, i) => `p-${i}`);
    const checked: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".graphql"))) {
      const document = parse(readFileSync(new URL(file, dir), "utf8"));
      for (const [name, value] of costsOf(document, { first: 24, ids, limit: 20 })) {
        checked.push(name);
        expect(value, `${file} ${name}`).toBeLessThanOrEqual(MAX_COST);
      }
    }
    expect(checked.length).toBeGreaterThan(15);
  });

  it("refuses abuse: deep nesting, huge pages and many aliases of expensive fields", () => {
    const nested = `{ product(id: "p") { similar(first: 50) { product { similar(first: 50) { product { title } } } } } }`;
    expect(cost(nested)).toBeGreaterThan(MAX_COST);
    expect(cost(listing(100))).toBeGreaterThan(MAX_COST);
    const hugeFirst = `{ productsByCategory(categoryId: "c", first: 100000) { edges { node { id } } } }`;
    expect(cost(hugeFirst)).toBeGreaterThan(MAX_COST);
    const aliases = Array.from(
      { length: 15 },
      (_, i) =>
        `s${i}: search(query: "x", first: 100) { edges { node { product { price(context: { currency: "USD", region: "US" }) { reason } } } } }`,
    ).join(" ");
    expect(cost(`{ ${aliases} }`)).toBeGreaterThan(MAX_COST);
    const feeds = Array.from(
      { length: 15 },
      (_, i) =>
        `f${i}: recommendations(first: 50) { product { title similar(first: 10) { product { title } } } }`,
    ).join(" ");
    expect(cost(`{ me { ${feeds} } }`)).toBeGreaterThan(MAX_COST);
  });
});
