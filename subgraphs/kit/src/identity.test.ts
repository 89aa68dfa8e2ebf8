import { describe, expect, it } from "vitest";
import { signIdentity, verifyIdentity } from "./identity.ts";

const secret = "a-test-secret-of-enough-length";
const shopper = { userId: "42", scopes: ["shopper"] };

describe("signed identity", () => {
  it("round-trips the identity for the same request", () => {
    const header = signIdentity(shopper, "req-1", secret, 1_000);
    expect(verifyIdentity(header, "req-1", secret, 2_000)).toEqual({ ok: true, identity: shopper });
  });

  it("refuses a header signed with another secret", () => {
    const header = signIdentity(shopper, "req-1", "another-secret-of-enough-length", 1_000);
    expect(verifyIdentity(header, "req-1", secret, 1_000)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses a payload edited after signing", () => {
    const [version, , signature] = signIdentity(shopper, "req-1", secret, 1_000).split(".");
    const forged = Buffer.from(
      JSON.stringify({ sub: "7", scp: ["service:ops"], rid: "req-1", exp: 99_999 }),
    ).toString("base64url");
    expect(verifyIdentity(`${version}.${forged}.${signature}`, "req-1", secret, 1_000)).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });

  it("refuses replay on another request and after expiry", () => {
    const header = signIdentity(shopper, "req-1", secret, 1_000, 500);
    expect(verifyIdentity(header, "req-2", secret, 1_000)).toEqual({ ok: false, reason: "wrong-request" });
    expect(verifyIdentity(header, "req-1", secret, 1_501)).toEqual({ ok: false, reason: "expired" });
  });

  it("tells missing from malformed", () => {
    expect(verifyIdentity(undefined, "r", secret)).toEqual({ ok: false, reason: "missing" });
    expect(verifyIdentity("42", "r", secret)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyIdentity("v1.a.b.c", "r", secret)).toEqual({ ok: false, reason: "malformed" });
  });

  it("signs anonymous callers too", () => {
    const header = signIdentity({ userId: null, scopes: [] }, "r", secret, 0);
    expect(verifyIdentity(header, "r", secret, 0)).toEqual({
      ok: true,
      identity: { userId: null, scopes: [] },
    });
  });
});
