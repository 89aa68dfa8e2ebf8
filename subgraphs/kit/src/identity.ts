import { createHmac, timingSafeEqual } from "node:crypto";

/** Who is calling, as verified by the gateway. `userId: null` is an anonymous caller. */
export interface Identity {
  readonly userId: string | null;
  readonly scopes: readonly string[];
}

export const ANONYMOUS: Identity = Object.freeze({ userId: null, scopes: Object.freeze([]) });

/** Header names shared by the gateway and the subgraphs. */
export const Headers = {
  requestId: "x-request-id",
  /** The identity the gateway verified, signed with the internal secret (see signIdentity). */
  identity: "x-aisle-identity",
} as const;

/** Headers a client might send to impersonate someone; the gateway drops them before forwarding. */
export const SPOOFABLE_HEADERS: readonly string[] = [
  Headers.identity,
  "x-user-id",
  "x-aisle-user-id",
  "x-aisle-scopes",
  "x-forwarded-user",
];

const VERSION = "v1";

interface SignedClaims {
  readonly sub: string | null;
  readonly scp: readonly string[];
  readonly rid: string;
  readonly exp: number;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac("sha256", secret).update(`${VERSION}.${payload}`).digest();
}

/**
 * Signs an identity for one request. The signature covers the request id and a short expiry, so a header
 * captured from one request cannot be replayed on another or kept for later.
 */
export function signIdentity(
  identity: Identity,
  requestId: string,
  secret: string,
  nowMs: number = Date.now(),
  ttlMs = 60_000,
): string {
  const claims: SignedClaims = {
    sub: identity.userId,
    scp: identity.scopes,
    rid: requestId,
    exp: nowMs + ttlMs,
  };
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${VERSION}.${payload}.${mac(secret, payload).toString("base64url")}`;
}

export type IdentityVerification =
  | { readonly ok: true; readonly identity: Identity }
  | {
      readonly ok: false;
      readonly reason: "missing" | "malformed" | "bad-signature" | "expired" | "wrong-request";
    };

export function verifyIdentity(
  header: string | undefined,
  requestId: string,
  secret: string,
  nowMs: number = Date.now(),
): IdentityVerification {
  if (header === undefined || header === "") return { ok: false, reason: "missing" };
  const [version, payload, signature, ...rest] = header.split(".");
  if (version !== VERSION || payload === undefined || signature === undefined || rest.length > 0) {
    return { ok: false, reason: "malformed" };
  }
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "bad-signature" };
  }
  let claims: SignedClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as SignedClaims;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof claims.exp !== "number" || claims.exp < nowMs) return { ok: false, reason: "expired" };
  if (claims.rid !== requestId) return { ok: false, reason: "wrong-request" };
  const scopes = Array.isArray(claims.scp)
    ? claims.scp.filter((s): s is string => typeof s === "string")
    : [];
  const userId = typeof claims.sub === "string" && claims.sub !== "" ? claims.sub : null;
  return { ok: true, identity: { userId, scopes } };
}
