import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "@aisle/gateway";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import {
  AssessPaymentDocument,
  ReportPaymentOutcomeDocument,
  RiskAssessmentByIdDocument,
  UserRiskProfileDocument,
} from "../operations/__generated__/graphql.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

/* Payment risk through the gateway: bearer tokens verified there, scopes enforced by the subgraph. */

let supergraph: LocalSupergraph;
let dataDir: string;
const tokens: Record<string, string> = {};
const bearer = (name: string) => ({ authorization: `Bearer ${tokens[name]}` });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "aisle-payment-risk-sg-"));
  supergraph = await startLocalSupergraph({
    port: 0,
    log: testLog,
    env: { ...process.env, RISK_DATA_DIR: dataDir },
  });
  tokens["checkout"] = await signToken({ user: "svc-checkout", scopes: ["service:checkout"] });
  tokens["ops"] = await signToken({ user: "svc-ops", scopes: ["service:ops"] });
  tokens["shopper"] = await signToken({ user: "7", scopes: ["shopper"] });
});
afterAll(async () => {
  await supergraph?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const input = {
  orderId: "ord-sg-1",
  userId: "7",
  amountMinor: 12_500,
  currency: "USD",
  paymentMethodFingerprint: "pm_sg_1",
  deviceId: "dev-sg-1",
  ip: "203.0.113.7",
  ipCountry: "US",
  emailDomain: "gmail.com",
  billingAddress: { country: "US" },
  shippingAddress: { country: "GB" },
  items: [{ productId: "p-1", quantity: 1, unitPriceMinor: 12_500 }],
};

describe("payment risk through the gateway", () => {
  it("assesses as service:checkout, reads it back, takes an outcome, and shows it on User.riskProfile", async () => {
    const assessed = await postGraphQL(supergraph.url, AssessPaymentDocument, { input }, bearer("checkout"));
    expect(assessed.body.errors).toBeUndefined();
    const a = assessed.body.data!["assessPayment"] as {
      id: string;
      action: string;
      ruleHits: string[];
      decidedBy: { id: string } | null;
      degraded: boolean;
    };
    // Shipping abroad fires the billing≠shipping rule (challenge), which outranks a low model score.
    expect(a.ruleHits).toContain("country:billing-shipping");
    expect(["CHALLENGE", "REVIEW", "BLOCK"]).toContain(a.action);
    expect(a.degraded).toBe(false);

    const outcome = await postGraphQL(
      supergraph.url,
      ReportPaymentOutcomeDocument,
      { assessmentId: a.id, outcome: "LEGITIMATE" },
      bearer("ops"),
    );
    expect(outcome.body.data!["reportOutcome"]).toEqual({
      assessmentId: a.id,
      outcome: "LEGITIMATE",
      created: true,
    });

    const read = await postGraphQL(supergraph.url, RiskAssessmentByIdDocument, { id: a.id }, bearer("ops"));
    expect(read.body.data!["riskAssessment"]).toMatchObject({
      id: a.id,
      orderId: "ord-sg-1",
      outcomes: [{ outcome: "LEGITIMATE" }],
    });

    const profile = await postGraphQL(
      supergraph.url,
      UserRiskProfileDocument,
      { id: "7" },
      bearer("checkout"),
    );
    expect(profile.body.errors).toBeUndefined();
    const user = profile.body.data!["user"] as {
      riskProfile: { assessmentCount: number; recentAssessments: { id: string }[] };
    };
    expect(user.riskProfile.assessmentCount).toBe(1);
    expect(user.riskProfile.recentAssessments[0]!.id).toBe(a.id);
  });

  it("gives a shopper FORBIDDEN on the mutation and on User.riskProfile (partial data)", async () => {
    const assessed = await postGraphQL(
      supergraph.url,
      AssessPaymentDocument,
      { input: { ...input, orderId: "ord-sg-2" } },
      bearer("shopper"),
    );
    expect(codes(assessed)).toEqual(["FORBIDDEN"]);
    const profile = await postGraphQL(
      supergraph.url,
      UserRiskProfileDocument,
      { id: "7" },
      bearer("shopper"),
    );
    expect(codes(profile)).toEqual(["FORBIDDEN"]);
    expect(profile.body.data!["user"]).toEqual({ id: "7", riskProfile: null });
  });

  it("gives an anonymous caller UNAUTHENTICATED", async () => {
    const assessed = await postGraphQL(supergraph.url, AssessPaymentDocument, {
      input: { ...input, orderId: "ord-sg-3" },
    });
    expect(codes(assessed)).toEqual(["UNAUTHENTICATED"]);
  });
});
