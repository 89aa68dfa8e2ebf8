import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "@aisle/gateway";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

/*
 * The partner contract (schema/partner.graphql) enforced at the gateway: a caller holding the `partner` scope
 * runs only operations inside it; anything else is HTTP 403 OUTSIDE_CONTRACT before any subgraph is called.
 */

let supergraph: LocalSupergraph;
const tokens: Record<string, string> = {};
const bearer = (name: string) => ({ authorization: `Bearer ${tokens[name]}` });

beforeAll(async () => {
  supergraph = await startLocalSupergraph({ port: 0, log: testLog });
  tokens["partner"] = await signToken({ user: "partner-acme", scopes: ["partner"] });
  tokens["partnerCheckout"] = await signToken({
    user: "partner-acme",
    scopes: ["partner", "service:checkout"],
  });
  tokens["ops"] = await signToken({ user: "svc-ops", scopes: ["service:ops"] });
});
afterAll(async () => {
  await supergraph?.close();
});

const CONTRACT_OPERATION = `
  query PartnerProductPage($id: ID!, $to: DestinationInput!) {
    product(id: $id) {
      id sku title listPrice { amountMinor currency }
      category { id name } brand { id name }
      price(context: { currency: "USD", region: "US" }) { offeredPrice { amountMinor } reasonCode }
      availability(destination: $to) { inStock quantityBand }
      deliveryEstimate(destination: $to) { options { carrier { id } p90Date } }
      similar(first: 3) { product { id } score }
      boughtTogether(first: 3) { product { id } }
    }
    search(query: "headphones", first: 2) { totalCount edges { node { product { id title } } } }
    autocomplete(prefix: "hea") { kind text }
  }`;
const variables = { id: "p-1", to: { country: "US", postalCode: "80202" } };

const REPLENISHMENT = `query { product(id: "p-1") { id title replenishment { policy totalStock } } }`;
// No variables: the contract check runs before they are read.
const ASSESS_PAYMENT = `mutation ($input: AssessPaymentInput!) { assessPayment(input: $input) { id score } }`;

describe("the partner contract at the gateway", () => {
  it("runs an operation inside the contract for a partner token, with data from every subgraph", async () => {
    const result = await postGraphQL(supergraph.url, CONTRACT_OPERATION, variables, bearer("partner"));
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    const product = result.body.data?.["product"] as Record<string, unknown>;
    expect(product["id"]).toBe("p-1");
    expect(product["price"]).not.toBeNull();
    expect(product["availability"]).not.toBeNull();
    expect((product["similar"] as unknown[]).length).toBe(3);
    expect((result.body.data?.["search"] as { edges: unknown[] }).edges.length).toBeGreaterThan(0);
  });

  it("refuses a partner operation touching Product.replenishment: HTTP 403 OUTSIDE_CONTRACT, no data", async () => {
    const result = await postGraphQL(supergraph.url, REPLENISHMENT, {}, bearer("partner"));
    expect(result.status).toBe(403);
    expect(codes(result)).toEqual(["OUTSIDE_CONTRACT"]);
    expect(result.body.errors?.[0]?.extensions?.["fields"]).toEqual([
      "Product.replenishment",
      "Replenishment.policy",
      "Replenishment.totalStock",
    ]);
    expect(result.body.data).toBeUndefined();
  });

  it("refuses assessPayment to a partner even with the checkout scope as well", async () => {
    for (const token of ["partner", "partnerCheckout"]) {
      const result = await postGraphQL(supergraph.url, ASSESS_PAYMENT, {}, bearer(token));
      expect({ token, status: result.status, codes: codes(result) }).toEqual({
        token,
        status: 403,
        codes: ["OUTSIDE_CONTRACT"],
      });
      expect(result.body.errors?.[0]?.extensions?.["fields"]).toEqual(
        expect.arrayContaining(["Mutation.assessPayment"]),
      );
    }
  });

  it("leaves callers without the partner scope to the field rules (ops reads replenishment)", async () => {
    const ops = await postGraphQL(supergraph.url, REPLENISHMENT, {}, bearer("ops"));
    expect(ops.status).toBe(200);
    expect(ops.body.errors).toBeUndefined();
    expect((ops.body.data?.["product"] as { replenishment: unknown }).replenishment).not.toBeNull();
    const anonymous = await postGraphQL(supergraph.url, REPLENISHMENT);
    expect(codes(anonymous)).toEqual(["UNAUTHENTICATED"]);
  });

  it("describes the contract, not the whole API, when a partner introspects", async () => {
    const query = `{ __type(name: "Product") { fields { name } } __schema { mutationType { name } } }`;
    const partner = await postGraphQL<{
      __type: { fields: { name: string }[] };
      __schema: { mutationType: unknown };
    }>(supergraph.url, query, {}, bearer("partner"));
    const fields = partner.body.data!.__type.fields.map((f) => f.name);
    expect(fields).toContain("price");
    expect(fields).not.toContain("replenishment");
    expect(partner.body.data!.__schema.mutationType).toBeNull();
    const anonymous = await postGraphQL<{ __type: { fields: { name: string }[] } }>(supergraph.url, query);
    expect(anonymous.body.data!.__type.fields.map((f) => f.name)).toContain("replenishment");
  });
});
