import {
  createHash,
  createHmac,
  createSecretKey,
  randomBytes,
  randomUUID,
  timingSafeEqual,
  type KeyObject,
} from "node:crypto";

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

const VERSION = "v2";

/** What one signature is bound to: the request it belongs to, the subgraph it is for, the exact body sent. */
export interface SignedRequest {
  /** The `x-request-id` sent with it. */
  readonly requestId: string;
  /** Name of the subgraph the call is for (its `SubgraphDefinition.name`, e.g. "user-profile"). */
  readonly subgraph: string;
  /** The request body exactly as sent: its bytes, or a string sent as UTF-8. */
  readonly body: string | Uint8Array;
}

interface SignedClaims {
  readonly sub: string | null;
  readonly scp: readonly string[];
  readonly rid: string;
  /** The subgraph the call is for. */
  readonly aud: string;
  /** sha256 of the request body, base64url. */
  readonly dig: string;
  /** A random nonce: each signature is accepted once (see ReplayCache). */
  readonly jti: string;
  readonly exp: number;
}

const keys = new Map<string, KeyObject>();

/** The secret as a prepared key: an HMAC under a KeyObject costs half of one under the string (every fetch signs). */
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (key === undefined) keys.set(secret, (key = createSecretKey(Buffer.from(secret, "utf8"))));
  return key;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac("sha256", keyOf(secret)).update(`${VERSION}.${payload}`).digest();
}

/** sha256 of a request body, base64url: what a signature binds (strings are hashed as their UTF-8 bytes). */
export function bodyDigest(body: string | Uint8Array): string {
  return createHash("sha256").update(body).digest("base64url");
}

/** Default validity of a signature; a replay cache keeps each nonce this long. */
export const IDENTITY_TTL_MS = 60_000;

/**
 * Signs an identity for one call to one subgraph. The signature covers the request id, the subgraph's name,
 * a digest of the exact body and a short expiry, and carries a nonce the subgraph accepts once: a header
 * captured on the wire cannot be sent with another query, to another subgraph, again, or later.
 */
export function signIdentity(
  identity: Identity,
  request: SignedRequest,
  secret: string,
  nowMs: number = Date.now(),
  ttlMs = IDENTITY_TTL_MS,
): string {
  const claims: SignedClaims = {
    sub: identity.userId,
    scp: identity.scopes,
    rid: request.requestId,
    aud: request.subgraph,
    dig: bodyDigest(request.body),
    jti: randomBytes(16).toString("base64url"),
    exp: nowMs + ttlMs,
  };
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${VERSION}.${payload}.${mac(secret, payload).toString("base64url")}`;
}

/**
 * The two headers of a signed call (`x-request-id` and `x-aisle-identity`) for `body` sent to `subgraph`:
 * what the gateway adds to every subgraph fetch, and what tests and benches calling a subgraph directly send.
 * The body must be sent exactly as given, and the headers only once.
 */
export function signedHeaders(
  identity: Identity,
  request: { readonly subgraph: string; readonly body: string | Uint8Array; readonly requestId?: string },
  secret: string,
): Record<string, string> {
  const requestId = request.requestId ?? randomUUID();
  return {
    [Headers.requestId]: requestId,
    [Headers.identity]: signIdentity(identity, { ...request, requestId }, secret),
  };
}

/**
 * Why a header was not accepted. The first three mean no authentic signature was presented; the others mean
 * an authentic one was presented for something else (a replay, or a clock far off), which is always refused.
 */
export type IdentityFailure =
  | "missing"
  | "malformed"
  | "bad-signature"
  | "expired"
  | "wrong-request"
  | "wrong-subgraph"
  | "wrong-body"
  | "replayed";

/** True when the header carried a valid MAC but was used where it does not belong (see IdentityFailure). */
export function isMisusedSignature(reason: IdentityFailure): boolean {
  return reason !== "missing" && reason !== "malformed" && reason !== "bad-signature";
}

export type IdentityVerification =
  | {
      readonly ok: true;
      readonly identity: Identity;
      /** The signature's nonce and expiry (epoch ms): what a replay cache records. */
      readonly nonce: string;
      readonly expiresAt: number;
    }
  | { readonly ok: false; readonly reason: Exclude<IdentityFailure, "replayed"> };

/**
 * Checks a header's MAC, expiry, request id, subgraph and body digest. Whether the nonce was seen before is
 * the replay cache's to say (see verifySignedCall in context.ts), after this succeeds.
 */
export function verifyIdentity(
  header: string | undefined,
  request: SignedRequest,
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
  let claims: Partial<SignedClaims>;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Partial<SignedClaims>;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof claims.jti !== "string" || claims.jti === "" || typeof claims.dig !== "string") {
    return { ok: false, reason: "malformed" };
  }
  if (typeof claims.exp !== "number" || claims.exp < nowMs) return { ok: false, reason: "expired" };
  if (claims.rid !== request.requestId) return { ok: false, reason: "wrong-request" };
  if (claims.aud !== request.subgraph) return { ok: false, reason: "wrong-subgraph" };
  if (claims.dig !== bodyDigest(request.body)) return { ok: false, reason: "wrong-body" };
  const scopes = Array.isArray(claims.scp)
    ? claims.scp.filter((s): s is string => typeof s === "string")
    : [];
  const userId = typeof claims.sub === "string" && claims.sub !== "" ? claims.sub : null;
  return { ok: true, identity: { userId, scopes }, nonce: claims.jti, expiresAt: claims.exp };
}
