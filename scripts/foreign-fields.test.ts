import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nonNullForeignFieldProblems, type SubgraphSdl } from "./foreign-fields.ts";

const catalog: SubgraphSdl = {
  name: "catalog",
  sdl: `type Query { product(id: ID!): Product }
        type Product @key(fields: "id") { id: ID! title: String! }`,
};
const reco = (field: string): SubgraphSdl => ({
  name: "recommendation",
  sdl: `type Recommendation { product: Product! score: Float! }
        type Product @key(fields: "id") { id: ID! ${field} }`,
});

describe("non-null fields on foreign entities", () => {
  it("refuses a non-null field a subgraph adds to another subgraph's entity", () => {
    const problems = nonNullForeignFieldProblems(
      [catalog, reco("similar(first: Int! = 10): [Recommendation!]!")],
      {
        Product: "catalog",
      },
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^Product\.similar \(added by recommendation to catalog's entity\) is non-null/,
    );
  });

  it("accepts nullable fields, key fields, the owner's own non-null fields and other types' fields", () => {
    expect(
      nonNullForeignFieldProblems([catalog, reco("similar(first: Int! = 10): [Recommendation!]")], {
        Product: "catalog",
      }),
    ).toEqual([]);
  });

  it("skips @external fields and every top-level field of a compound key", () => {
    const logistics: SubgraphSdl = {
      name: "logistics",
      sdl: `type Product @key(fields: "id sku") @key(fields: "owner { id }") {
              id: ID! sku: String! owner: Owner! weight: Float! @external shipsIn: Int }
            type Owner { id: ID! }`,
    };
    expect(nonNullForeignFieldProblems([catalog, logistics], { Product: "catalog" })).toEqual([]);
  });

  it("accepts an allow-listed field only with a reason, and for the subgraph named", () => {
    const sdls = [catalog, reco("similar: [Recommendation!]!")];
    const owners = { Product: "catalog" };
    expect(
      nonNullForeignFieldProblems(sdls, owners, [
        { field: "Product.similar", subgraph: "recommendation", reason: "computed locally, never fails" },
      ]),
    ).toEqual([]);
    expect(
      nonNullForeignFieldProblems(sdls, owners, [
        { field: "Product.similar", subgraph: "recommendation", reason: " " },
      ]),
    ).toEqual(["allow-list entry Product.similar (recommendation) has no reason"]);
    expect(
      nonNullForeignFieldProblems(sdls, owners, [
        { field: "Product.similar", subgraph: "pricing", reason: "x" },
      ]),
    ).toHaveLength(1);
  });

  it("asks for an owner when several subgraphs define an entity and none is named", () => {
    expect(nonNullForeignFieldProblems([catalog, reco("similar: [Recommendation!]")], {})).toEqual([
      expect.stringMatching(/^entity Product is defined by catalog, recommendation: name its owner/),
    ]);
  });

  it("passes on the committed subgraph schemas", () => {
    const names = [
      "catalog",
      "user-profile",
      "logistics",
      "payment-risk",
      "search",
      "pricing",
      "recommendation",
    ];
    const sdls = names.map((name) => ({
      name,
      sdl: readFileSync(new URL(`../schema/${name}.graphql`, import.meta.url), "utf8"),
    }));
    expect(nonNullForeignFieldProblems(sdls)).toEqual([]);
  });
});
