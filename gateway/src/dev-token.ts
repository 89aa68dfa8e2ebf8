import { createPrivateKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";

/** The committed development private key. Public knowledge: tokens it signs are for local use only. */
export const DEV_PRIVATE_KEY_FILE = fileURLToPath(new URL("../dev-keys/dev-private.pem", import.meta.url));
export const DEV_KEY_ID = "aisle-dev-1";

export interface TokenClaims {
  /** The user (or service client) id, written to `sub`. */
  readonly user: string;
  readonly scopes: readonly string[];
  /** Lifetime in seconds from now (negative for an already expired token). Default one hour. */
  readonly ttlSeconds?: number;
  /** Seconds from now before which the token is not valid (`nbf`). */
  readonly notBeforeSeconds?: number;
  readonly issuer?: string;
  readonly audience?: string;
}

export interface SigningKey {
  readonly key: KeyObject;
  readonly alg: "ES256" | "RS256";
  readonly kid?: string;
}

export async function devSigningKey(): Promise<SigningKey> {
  return {
    key: createPrivateKey(await readFile(DEV_PRIVATE_KEY_FILE, "utf8")),
    alg: "ES256",
    kid: DEV_KEY_ID,
  };
}

/**
 * Signs a JWT the way Aisle's identity provider would: `sub`, space-separated `scope`, `iss`, `aud`, `iat`,
 * `exp`. With the development key (the default) the gateway's embedded default accepts it.
 */
export async function signToken(claims: TokenClaims, signing?: SigningKey): Promise<string> {
  const { key, alg, kid } = signing ?? (await devSigningKey());
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ scope: claims.scopes.join(" ") })
    .setProtectedHeader(kid === undefined ? { alg, typ: "JWT" } : { alg, typ: "JWT", kid })
    .setSubject(claims.user)
    .setIssuer(claims.issuer ?? "aisle-dev")
    .setAudience(claims.audience ?? "aisle-api")
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.ttlSeconds ?? 3600));
  if (claims.notBeforeSeconds !== undefined) jwt.setNotBefore(now + claims.notBeforeSeconds);
  return jwt.sign(key);
}
