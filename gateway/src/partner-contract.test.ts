import { readFileSync } from "node:fs";
import { buildSchema, parse, printSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { contractSchema, outsideContract, taggedCoordinates } from "./partner-contract.ts";

/** A supergraph-like SDL: the tags as composition leaves them. The API schema is the same without them. */
const TAGGED = `
  directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
  type Query {
    product(id: ID!): Product @tag(name: "partner")
    search(filter: Filter, sort: Sort = NEWEST): [Hit!]! @tag(name: "partner")
    secrets: Secret @tag(name: "partner")
    me: User
  }
  type Mutation { archive(id: ID!): Product }
  type Product {
    id: ID! @tag(name: "partner")
    title: String! @tag(name: "partner") @tag(name: "internal")
    price: Money @tag(name: "partner")
    stock: Stock @tag(name: "partner")
    replenishment: Int
  }
  type Money @tag(name: "partner") { amount: Int! currency: String! }
  type Stock { onHand: Int! }
  type Secret { value: String! }
  type User { id: ID! }
  union Hit = Product | User
  input Filter { brand: String sort: Sort }
  enum Sort { NEWEST PRICE }
  enum Unused { A }
`;
const api = buildSchema(TAGGED.replace(/directive @tag.*\n/, "").replace(/@tag\(name: "\w+"\)/g, ""));

describe("contractSchema", () => {
  const contract = contractSchema(api, TAGGED, "partner");

  it("keeps tagged fields, whole tagged types, and the enums and inputs their arguments reach", () => {
    expect(printSchema(contract)).toBe(
      printSchema(
        buildSchema(`
          type Query {
            product(id: ID!): Product
            search(filter: Filter, sort: Sort = NEWEST): [Hit!]!
          }
          type Product { id: ID! title: String! price: Money }
          type Money { amount: Int! currency: String! }
          union Hit = Product
          input Filter { brand: String sort: Sort }
          enum Sort { NEWEST PRICE }
        `),
      ),
    );
  });

  it("drops a tagged field whose type has no field in the contract (Product.stock, Query.secrets)", () => {
    expect(contract.getType("Stock")).toBeUndefined();
    expect(contract.getQueryType()?.getFields()["secrets"]).toBeUndefined();
  });

  it("drops a root type with nothing tagged (Mutation) and refuses a contract without a Query field", () => {
    expect(contract.getMutationType()).toBeUndefined();
    expect(() => contractSchema(api, TAGGED, "nobody")).toThrow(/no Query field/);
  });

  it("reads every tag name of a coordinate", () => {
    expect([...(taggedCoordinates(TAGGED).get("Product.title") ?? [])]).toEqual(["partner", "internal"]);
    expect(taggedCoordinates(TAGGED).get("Money")?.has("partner")).toBe(true);
  });

  it("rebuilds the committed schema/partner.graphql from the committed supergraph and API schema", () => {
    const read = (file: string) => readFileSync(new URL(`../../schema/${file}`, import.meta.url), "utf8");
    const built = contractSchema(buildSchema(read("api.graphql")), read("supergraph.graphql"), "partner");
    expect(`${printSchema(built)}\n`).toBe(read("partner.graphql"));
    expect(built.getType("Product")).toBeDefined();
    expect(Object.keys((built.getType("Product") as { getFields(): object }).getFields())).not.toContain(
      "replenishment",
    );
    expect(built.getMutationType()).toBeUndefined();
  });

  it("keeps profiles, payments, shipments, replenishment and pricing internals out of the partner contract", () => {
    const read = (file: string) => readFileSync(new URL(`../../schema/${file}`, import.meta.url), "utf8");
    const partner = buildSchema(read("partner.graphql"));
    for (const type of ["User", "RiskAssessment", "Shipment", "Replenishment", "LogisticsModelStatus"])
      expect({ type, inContract: partner.getType(type) !== undefined }).toEqual({ type, inContract: false });
    const query = Object.keys(partner.getQueryType()?.getFields() ?? {});
    for (const field of ["me", "user", "shipment", "riskAssessment", "logisticsModels"])
      expect(query).not.toContain(field);
    const price = Object.keys((partner.getType("ProductPrice") as { getFields(): object }).getFields());
    expect(price).toContain("offeredPrice");
    for (const field of ["elasticity", "expectedDailyDemand", "modelVersion"])
      expect(price).not.toContain(field);
  });
});

describe("outsideContract", () => {
  const contract = contractSchema(api, TAGGED, "partner");
  const check = (operation: string) => outsideContract(api, contract, parse(operation));

  it("passes an operation inside the contract, with fragments, aliases and __typename", () => {
    expect(
      check(`query ($f: Filter) { p: product(id: "1") { ...F price { amount } __typename }
        search(filter: $f) { ... on Product { id } } }
        fragment F on Product { title }`),
    ).toEqual([]);
  });

  it("names every field outside the contract once, in document order", () => {
    expect(
      check(
        `{ product(id: "1") { id replenishment stock { onHand } } me { id } again: product(id: "2") { replenishment } }`,
      ),
    ).toEqual(["Product.replenishment", "Product.stock", "Stock.onHand", "Query.me", "User.id"]);
    expect(check(`mutation { archive(id: "1") { id } }`)).toEqual(["Mutation.archive"]);
  });

  it("refuses a fragment on a type outside the contract even when it selects only __typename", () => {
    expect(check(`{ search { ... on User { __typename } } }`)).toEqual(['Unknown type "User".']);
  });
});
