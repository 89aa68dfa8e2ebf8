import { createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { ConfigError, type Identity } from "@aisle/kit";
import { DEV_PUBLIC_KEY_FILE, type GatewayConfig } from "./config.ts";

/** Why a bearer token was refused; sent to the client as `extensions.reason` (it reveals nothing secret). */
export type TokenRejection =
  | "malformed"
  | "expired"
  | "not-yet-valid"
  | "bad-signature"
  | "algorithm-not-allowed"
  | "wrong-issuer"
  | "wrong-audience"
  | "missing-claim"
  | "unknown-key";

/** A token that is not acceptable: answered with HTTP 401 UNAUTHENTICATED, never downgraded to anonymous. */
export class InvalidTokenError extends Error {
  constructor(readonly reason: TokenRejection) {
    super(`Bearer token refused: ${reason}`);
    this.name = "InvalidTokenError";
  }
}

/** The key set could not be fetched (JWKS endpoint down or slow): the caller is not at fault (503). */
export class KeysUnavailableError extends Error {
  constructor(cause: unknown) {
    super("The identity provider's keys could not be fetched", { cause });
    this.name = "KeysUnavailableError";
  }
}

export interface TokenVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly string[];
  readonly userClaim: string;
  readonly scopeClaim: string;
  readonly clockToleranceSeconds: number;
  /** A fixed public key or a key set (local or remote JWKS). */
  readonly key: KeyObject | JWTVerifyGetKey;
  /** Verified tokens remembered (until their exp, at most 5 minutes); 0 turns the cache off. Default 10,000. */
  readonly cacheSize?: number;
  readonly nowMs?: () => number;
}

/** Longest a verified token is remembered, so a key removed from the JWKS stops working within this time. */
const CACHE_MAX_AGE_MS = 5 * 60_000;

const SCOPE_PATTERN = /^[A-Za-z0-9:._-]{1,64}$/;
const MAX_SCOPES = 32;

/** Scopes from a claim that is a space-separated string (OAuth 2 `scope`) or an array of strings (`scp`). */
export function scopesFrom(claim: unknown): string[] {
  const raw = typeof claim === "string" ? claim.split(/\s+/) : Array.isArray(claim) ? claim : [];
  const scopes = raw.filter((s): s is string => typeof s === "string" && SCOPE_PATTERN.test(s));
  return [...new Set(scopes)].slice(0, MAX_SCOPES);
}

/**
 * A remote key set that could not be fetched or read: fetch's own TypeError, jose's timeout, a non-200 answer
 * (a generic JOSEError) or a body that is not a key set. The caller is not at fault.
 */
function isKeySetFailure(error: unknown): boolean {
  if (!(error instanceof joseErrors.JOSEError)) return true;
  return (
    error instanceof joseErrors.JWKSTimeout ||
    error instanceof joseErrors.JWKSInvalid ||
    error.code === joseErrors.JOSEError.code
  );
}

function rejectionOf(error: unknown): TokenRejection {
  if (error instanceof joseErrors.JWTExpired) return "expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return "not-yet-valid";
    if (error.claim === "iss") return "wrong-issuer";
    if (error.claim === "aud") return "wrong-audience";
    return "missing-claim";
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "bad-signature";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "algorithm-not-allowed";
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return "unknown-key";
  }
  // A key of the wrong type for the header's algorithm (e.g. HS256 with an EC public key).
  if (error instanceof TypeError) return "algorithm-not-allowed";
  return "malformed";
}

/**
 * Verifies bearer JWTs with jose and maps their claims to an Aisle identity. Only the configured asymmetric
 * algorithms are accepted, so `alg: none` and HS256 signed with the public key as an HMAC secret are refused;
 * `exp` is required, `iss`, `aud` and `nbf` are checked with a small clock tolerance.
 */
export class TokenVerifier {
  /** token → identity and until when it may be served from here; Map order = least recently used first. */
  readonly #cache = new Map<string, { identity: Identity; untilMs: number }>();

  constructor(private readonly options: TokenVerifierOptions) {}

  /**
   * The identity of a valid token. A token verified before is served from a small cache until its `exp`
   * (signature checks cost ~0.1 ms of CPU each; a browser sends the same token on every request). The cache
   * key is the whole token, so any change to it is a miss and a full verification.
   */
  async verify(token: string): Promise<Identity> {
    const now = (this.options.nowMs ?? Date.now)();
    const cached = this.#cache.get(token);
    if (cached !== undefined) {
      this.#cache.delete(token);
      if (cached.untilMs > now) {
        this.#cache.set(token, cached);
        return cached.identity;
      }
    }
    const { identity, expSeconds } = await this.#verifyFully(token);
    const cacheSize = this.options.cacheSize ?? 10_000;
    if (cacheSize > 0) {
      this.#cache.set(token, { identity, untilMs: Math.min(expSeconds * 1000, now + CACHE_MAX_AGE_MS) });
      for (const oldest of this.#cache.keys()) {
        if (this.#cache.size <= cacheSize) break;
        this.#cache.delete(oldest);
      }
    }
    return identity;
  }

  async #verifyFully(token: string): Promise<{ identity: Identity; expSeconds: number }> {
    let payload: JWTPayload;
    try {
      const verifyOptions = {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [...this.options.algorithms],
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ["exp"],
        ...(this.options.nowMs === undefined ? {} : { currentDate: new Date(this.options.nowMs()) }),
      };
      const key = this.options.key;
      ({ payload } =
        typeof key === "function"
          ? await jwtVerify(token, key, verifyOptions)
          : await jwtVerify(token, key, verifyOptions));
    } catch (error) {
      if (typeof this.options.key === "function" && isKeySetFailure(error))
        throw new KeysUnavailableError(error);
      throw new InvalidTokenError(rejectionOf(error));
    }
    const subject = payload[this.options.userClaim];
    const userId =
      typeof subject === "string" && subject !== "" && subject.length <= 128
        ? subject
        : typeof subject === "number" && Number.isSafeInteger(subject)
          ? String(subject)
          : null;
    if (userId === null) throw new InvalidTokenError("missing-claim");
    return {
      identity: { userId, scopes: scopesFrom(payload[this.options.scopeClaim]) },
      expSeconds: payload.exp ?? 0,
    };
  }
}

async function keyFromFile(path: string): Promise<KeyObject | JWTVerifyGetKey> {
  const text = await readFile(path, "utf8");
  if (text.trimStart().startsWith("{")) {
    const json = JSON.parse(text) as JSONWebKeySet | { kty: string };
    return createLocalJWKSet("keys" in json ? json : ({ keys: [json] } as JSONWebKeySet));
  }
  return createPublicKey(text);
}

/** True when `key` is the committed development key (under any file name). */
export async function isDevKey(key: KeyObject): Promise<boolean> {
  const dev = createPublicKey(await readFile(DEV_PUBLIC_KEY_FILE, "utf8"));
  const der = (k: KeyObject) => k.export({ type: "spki", format: "der" });
  return dev.asymmetricKeyType === key.asymmetricKeyType && der(dev).equals(der(key));
}

/** Builds the verifier the configuration asks for; refuses the development key in production. */
export async function createTokenVerifier(config: GatewayConfig): Promise<TokenVerifier> {
  let key: KeyObject | JWTVerifyGetKey;
  if (config.AUTH_JWKS_URL !== undefined) {
    key = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL), {
      timeoutDuration: config.AUTH_JWKS_TIMEOUT_MS,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
  } else {
    const path = config.AUTH_PUBLIC_KEY_FILE ?? DEV_PUBLIC_KEY_FILE;
    try {
      key = await keyFromFile(path);
    } catch (error) {
      throw new ConfigError([
        `AUTH_PUBLIC_KEY_FILE: cannot read a public key from ${path} (${String(error)})`,
      ]);
    }
    if (config.NODE_ENV === "production" && typeof key !== "function" && (await isDevKey(key))) {
      throw new ConfigError([
        "AUTH_PUBLIC_KEY_FILE: the development key is refused when NODE_ENV=production",
      ]);
    }
  }
  return new TokenVerifier({
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    algorithms: config.AUTH_ALGORITHMS,
    userClaim: config.AUTH_USER_CLAIM,
    scopeClaim: config.AUTH_SCOPE_CLAIM,
    clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_SECONDS,
    key,
  });
}
