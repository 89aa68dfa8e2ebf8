import { GraphQLError, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { failedFetchResponse, fetchFailureOf, fetchPaths } from "./fetch-failure.ts";

describe("fetchPaths", () => {
  it("gives each root field of a root fetch, by its response name", () => {
    const document = parse(
      `query Page__catalog__0($id: ID!) { product(id: $id) { id title } top: categories { id } __typename }`,
    );
    expect(fetchPaths(document, undefined)).toEqual([["product"], ["top"]]);
  });

  it("gives each field asked of each entity, for the entity's own type", () => {
    const document = parse(`query Page__pricing__1($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Product { __typename price { offeredPrice { amount } } alias: discount }
        ... on Category { priceBand }
      }
    }`);
    const representations = [
      { __typename: "Product", id: "p-1" },
      { __typename: "Category", id: "c-1" },
      { __typename: "Product", id: "p-2" },
    ];
    expect(fetchPaths(document, representations)).toEqual([
      ["_entities", 0, "price"],
      ["_entities", 0, "alias"],
      ["_entities", 1, "priceBand"],
      ["_entities", 2, "price"],
      ["_entities", 2, "alias"],
    ]);
  });

  it("follows named fragments, and counts every field when a type condition names an interface", () => {
    const document = parse(`query($representations: [_Any!]!) {
      _entities(representations: $representations) { ...F ... on Node { extra } }
    }
    fragment F on Product { similar { score } }`);
    expect(fetchPaths(document, [{ __typename: "Product" }])).toEqual([["_entities", 0, "similar"]]);
    expect(fetchPaths(document, [{ __typename: "Shoe" }])).toEqual([
      ["_entities", 0, "similar"],
      ["_entities", 0, "extra"],
    ]);
  });
});

describe("failedFetchResponse", () => {
  const failure = new GraphQLError("Subgraph pricing is unavailable", {
    extensions: { code: "UNAVAILABLE", serviceName: "pricing" },
    originalError: new Error("connect ECONNREFUSED 127.0.0.1:1"),
  });

  it("repeats the failure at every path, each traceable to the one failed fetch", () => {
    const response = failedFetchResponse("pricing", failure, [
      ["_entities", 0, "price"],
      ["_entities", 1, "price"],
    ]);
    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual([
      { message: failure.message, path: ["_entities", 0, "price"], extensions: failure.extensions },
      { message: failure.message, path: ["_entities", 1, "price"], extensions: failure.extensions },
    ]);
    // As the gateway passes them on: a new error whose originalError is the one the client made.
    const passedOn = response.errors!.map(
      (e) => new GraphQLError(e.message, { originalError: e as unknown as Error }),
    );
    const [first, second] = passedOn.map(fetchFailureOf);
    expect(first).toBeDefined();
    expect(first).toBe(second);
    expect(first!.error.originalError?.message).toMatch(/ECONNREFUSED/);
    expect(fetchFailureOf(new GraphQLError("unrelated"))).toBeUndefined();
  });

  it("still reports a failure it cannot place", () => {
    expect(failedFetchResponse("pricing", failure, []).errors).toEqual([
      { message: failure.message, extensions: failure.extensions },
    ]);
  });
});
