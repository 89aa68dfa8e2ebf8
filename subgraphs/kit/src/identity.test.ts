import { describe, expect, it } from "vitest";
import { bodyDigest, signedHeaders, signIdentity, verifyIdentity, type SignedRequest } from "./identity.ts";

const secret = "a-test-secret-of-enough-length";
const shopper = { userId: "42", scopes: ["shopper"] };
const call: SignedRequest = {
  requestId: "req-1",
  subgraph: "user-profile",
  body: '{"query":"{ me { id } }"}',
};

/** The verification without its per-signature nonce and expiry, for comparing outcomes. */
function outcome(header: string | undefined, request: SignedRequest, now: number) {
  const result = verifyIdentity(header, request, secret, now);
  return result.ok ? { ok: true, identity: result.identity } : result;
}

describe("signed identity", () => {
  it("round-trips the identity for the same request, subgraph and body", () => {
    const header = signIdentity(shopper, call, secret, 1_000);
    expect(outcome(header, call, 2_000)).toEqual({ ok: true, identity: shopper });
  });

  it("gives each signature its own nonce, and the expiry it was signed with", () => {
    const first = verifyIdentity(signIdentity(shopper, call, secret, 1_000), call, secret, 1_000);
    const second = verifyIdentity(signIdentity(shopper, call, secret, 1_000), call, secret, 1_000);
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(first.nonce).not.toBe(second.nonce);
    expect(first.expiresAt).toBe(61_000);
  });

  it("refuses a header signed with another secret", () => {
    const header = signIdentity(shopper, call, "another-secret-of-enough-length", 1_000);
    expect(outcome(header, call, 1_000)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses a payload edited after signing", () => {
    const [version, , signature] = signIdentity(shopper, call, secret, 1_000).split(".");
    const forged = Buffer.from(
      JSON.stringify({
        sub: "7",
        scp: ["service:ops"],
        rid: "req-1",
        aud: "user-profile",
        dig: bodyDigest(call.body),
        jti: "n",
        exp: 99_999,
      }),
    ).toString("base64url");
    expect(outcome(`${version}.${forged}.${signature}`, call, 1_000)).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });

  it("refuses the header with another body, for another subgraph, on another request and after expiry", () => {
    const header = signIdentity(shopper, call, secret, 1_000, 500);
    expect(outcome(header, { ...call, body: '{"query":"{ user(id: \\"7\\") { email } }"}' }, 1_000)).toEqual({
      ok: false,
      reason: "wrong-body",
    });
    // One byte more is another body: the digest is over the exact bytes.
    expect(outcome(header, { ...call, body: `${call.body as string} ` }, 1_000)).toEqual({
      ok: false,
      reason: "wrong-body",
    });
    expect(outcome(header, { ...call, subgraph: "payment-risk" }, 1_000)).toEqual({
      ok: false,
      reason: "wrong-subgraph",
    });
    expect(outcome(header, { ...call, requestId: "req-2" }, 1_000)).toEqual({
      ok: false,
      reason: "wrong-request",
    });
    expect(outcome(header, call, 1_501)).toEqual({ ok: false, reason: "expired" });
  });

  it("digests a string as its UTF-8 bytes, so the gateway's string and the subgraph's bytes agree", () => {
    const body = '{"query":"{ search(query: \\"crème brûlée 🍮\\") { totalCount } }"}';
    const header = signIdentity(shopper, { ...call, body }, secret, 1_000);
    expect(outcome(header, { ...call, body: Buffer.from(body, "utf8") }, 1_000)).toEqual({
      ok: true,
      identity: shopper,
    });
  });

  it("tells missing from malformed, and refuses a header of the previous format", () => {
    expect(outcome(undefined, call, 0)).toEqual({ ok: false, reason: "missing" });
    expect(outcome("42", call, 0)).toEqual({ ok: false, reason: "malformed" });
    expect(outcome("v2.a.b.c", call, 0)).toEqual({ ok: false, reason: "malformed" });
    const v1 = signIdentity(shopper, call, secret, 0).replace(/^v2\./, "v1.");
    expect(outcome(v1, call, 0)).toEqual({ ok: false, reason: "malformed" });
  });

  it("signs anonymous callers too", () => {
    const header = signIdentity({ userId: null, scopes: [] }, call, secret, 0);
    expect(outcome(header, call, 0)).toEqual({ ok: true, identity: { userId: null, scopes: [] } });
  });

  it("signedHeaders gives the request id and a signature for it", () => {
    const headers = signedHeaders(shopper, { subgraph: "catalog", body: "{}", requestId: "r-9" }, secret);
    expect(headers["x-request-id"]).toBe("r-9");
    const request = { requestId: "r-9", subgraph: "catalog", body: "{}" };
    expect(outcome(headers["x-aisle-identity"], request, Date.now())).toEqual({
      ok: true,
      identity: shopper,
    });
    const fresh = signedHeaders(shopper, { subgraph: "catalog", body: "{}" }, secret);
    expect(fresh["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});
