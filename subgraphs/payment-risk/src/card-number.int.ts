import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSubgraph, type RunningServer } from "@aisle/kit";
import { codes, postGraphQL, signedAs } from "../../../tests/graphql-client.ts";
import { testLog } from "../../../tests/quiet-log.ts";
import { luhnValid } from "./card-number.ts";
import { grouped, TEST_CARD_NUMBERS, timestampOrderIds } from "./card-number.fixtures.ts";
import { paymentRiskSubgraph } from "./index.ts";

/** The card-number guard through GraphQL: what checkout sees from `assessPayment`. */

const ASSESS = `mutation($input: AssessPaymentInput!) { assessPayment(input: $input) { id orderId } }`;

let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aisle-card-number-"));
  server = await startSubgraph(paymentRiskSubgraph, {
    port: 0,
    log: testLog,
    env: { ...process.env, NODE_ENV: "test", RISK_BACKEND: "embedded", RISK_DATA_DIR: dir },
  });
});
afterAll(async () => {
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

let serial = 0;
function payment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  serial += 1;
  return {
    orderId: `o-${serial}`,
    userId: "42",
    amountMinor: 2_500,
    currency: "USD",
    paymentMethodFingerprint: `pm_card_${serial}`,
    deviceId: `dev-${serial}`,
    ip: "10.2.0.1",
    ipCountry: "US",
    emailDomain: "example.com",
    billingAddress: { country: "US", postalCode: "10001" },
    shippingAddress: { country: "US", postalCode: "10001", city: "New York", line1: "1 Main St" },
    items: [{ productId: "p-1", quantity: 1, unitPriceMinor: 2_500 }],
    ...overrides,
  };
}

const assess = (input: Record<string, unknown>) =>
  postGraphQL(server.url, ASSESS, { input }, signedAs("checkout", ["service:checkout"], "payment-risk"));

describe("assessPayment and the card-number guard", () => {
  it("assesses payments whose order id holds a Luhn-valid millisecond timestamp", async () => {
    // The ids the guard used to refuse: their 13-digit timestamp passes Luhn. Every shape is represented.
    const ids = timestampOrderIds(2_000)
      .filter((id) => luhnValid(/\d{13}/.exec(id)![0]))
      .slice(0, 80);
    expect(new Set(ids.map((id) => id.replace(/\d+/g, "#"))).size).toBe(8);
    const refused: string[] = [];
    for (const orderId of ["o-reco-1796168294538-0", ...ids]) {
      const result = await assess(payment({ orderId }));
      const answer = result.body.data?.["assessPayment"] as { orderId: string } | null | undefined;
      if (answer?.orderId !== orderId) refused.push(`${orderId}: ${JSON.stringify(codes(result))}`);
    }
    expect(refused).toEqual([]);
  });

  it("refuses every test card number, plain, spaced and dashed, in a free-text field, without echoing it", async () => {
    const missed: string[] = [];
    for (const card of TEST_CARD_NUMBERS) {
      for (const written of [card, grouped(card, " "), grouped(card, "-")]) {
        for (const field of ["line1", "city"] as const) {
          const result = await assess(
            payment({ shippingAddress: { country: "US", postalCode: "10001", [field]: `c/o ${written}` } }),
          );
          const error = result.body.errors?.[0];
          if (
            result.body.data?.["assessPayment"] !== null ||
            error?.extensions?.["code"] !== "BAD_USER_INPUT" ||
            !error.message.startsWith(`shippingAddress.${field} looks like a payment card number`) ||
            JSON.stringify(result.body).includes(card.slice(-4))
          ) {
            missed.push(`${field}: ${written}`);
          }
        }
      }
    }
    expect(missed).toEqual([]);
  });
});
