import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError, DEV_INTERNAL_SECRET, env, parseEnv, serverEnvShape } from "@aisle/kit";

const DEFAULT_SUPERGRAPH = fileURLToPath(new URL("../../schema/supergraph.graphql", import.meta.url));

/** The committed development public key (gateway/dev-keys/): used when no key is configured; refused in production. */
export const DEV_PUBLIC_KEY_FILE = fileURLToPath(new URL("../dev-keys/dev-public.pem", import.meta.url));

const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    );

export const gatewayEnvShape = {
  ...serverEnvShape,
  /** Port of the public endpoint. */
  PORT: env.port(4000),
  /** The composed supergraph SDL (written by `npm run compose`). */
  SUPERGRAPH_PATH: z.string().min(1).default(DEFAULT_SUPERGRAPH),
  /** Upper bound on one subgraph call, connection to last byte. */
  SUBGRAPH_TIMEOUT_MS: env.positiveInt(5_000),
  /** Kept-alive connections per subgraph. */
  SUBGRAPH_CONNECTIONS: env.positiveInt(64),
  /**
   * Merge identical read-only subgraph fetches in flight: a query fetch with the same body for the same
   * subgraph and the same signed caller as one already sent waits for that one's answer instead of sending
   * its own (as Hive Gateway and Apollo Router do by default). Never mutations, never across callers. Default true.
   */
  SUBGRAPH_MERGE_INFLIGHT: env.boolean(true),
  /** Secret shared with the subgraphs to sign the forwarded identity. */
  AISLE_INTERNAL_SECRET: z.string().min(16).default(DEV_INTERNAL_SECRET),
  /** Operation limits (GraphQL Armor). */
  MAX_DEPTH: env.positiveInt(12),
  MAX_ALIASES: env.positiveInt(15),
  MAX_COST: env.positiveInt(5_000),
  MAX_TOKENS: env.positiveInt(2_000),
  MAX_DIRECTIVES: env.positiveInt(30),

  /* Caller authentication (bearer JWT, see docs/adr/0004). No Authorization header = anonymous caller. */
  /** JWKS endpoint of the identity provider (production). Keys are cached and refetched on an unknown `kid`. */
  AUTH_JWKS_URL: z.url().optional(),
  /**
   * A local public key instead of a JWKS URL: PEM (SPKI), a JWK or a JWKS JSON file. With neither set the
   * committed development key gateway/dev-keys/dev-public.pem is used, which production refuses.
   */
  AUTH_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  /** Required `iss` claim. Default aisle-dev (what `npm run token` issues). */
  AUTH_ISSUER: z.string().min(1).default("aisle-dev"),
  /** Required `aud` claim (one of the token's audiences). Default aisle-api. */
  AUTH_AUDIENCE: z.string().min(1).default("aisle-api"),
  /** Accepted signature algorithms, comma-separated; asymmetric only (HS* and none are always refused). */
  AUTH_ALGORITHMS: list("RS256,ES256").pipe(
    z
      .array(
        z.enum(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]),
      )
      .min(1),
  ),
  /** Claim holding the user id. Default sub. */
  AUTH_USER_CLAIM: z.string().min(1).default("sub"),
  /** Claim holding the scopes: a space-separated string (OAuth `scope`) or an array (`scp`). Default scope. */
  AUTH_SCOPE_CLAIM: z.string().min(1).default("scope"),
  /** Allowed clock skew for exp/nbf, in seconds. Default 5. */
  AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
  /** Timeout of one JWKS fetch, in ms. Default 3000. */
  AUTH_JWKS_TIMEOUT_MS: env.positiveInt(3_000),

  /* Rate limits per caller (token bucket; see gateway/src/rate-limit.ts). */
  /** memory (one gateway process; the embedded default), redis (shared by all gateway replicas) or off. */
  RATE_LIMIT_STORE: z.enum(["memory", "redis", "off"]).default("memory"),
  /** Redis for RATE_LIMIT_STORE=redis. Default redis://127.0.0.1:6379. */
  REDIS_URL: env.url("redis://127.0.0.1:6379"),
  /** Prefix of the limiter's Redis keys. Default aisle:rl: */
  RATE_LIMIT_KEY_PREFIX: z.string().default("aisle:rl:"),
  /** Longest a limiter call to Redis may take before the request is let through (fail open), in ms. Default 100. */
  RATE_LIMIT_REDIS_TIMEOUT_MS: env.positiveInt(100),
  /** Requests per minute (and burst) for an anonymous caller, counted per client IP. Default 600. */
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: env.positiveInt(600),
  /** Requests per minute (and burst) for a signed-in user or partner, counted per user id. Default 1200. */
  RATE_LIMIT_USER_PER_MINUTE: env.positiveInt(1_200),
  /** Requests per minute (and burst) for a caller holding a service:* scope, per subject. Default 12000. */
  RATE_LIMIT_SERVICE_PER_MINUTE: env.positiveInt(12_000),
  /**
   * Proxies in front of the gateway that append to X-Forwarded-For. 0 (default) uses the socket address; N takes
   * the N-th address from the right, so a client cannot choose its own rate-limit key.
   */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
};

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayEnvShape>> & {
  /** Subgraph name → URL override, from `<NAME>_URL` variables (e.g. CATALOG_URL, USER_PROFILE_URL). */
  readonly subgraphUrls: ReadonlyMap<string, string>;
};

/** `user-profile` → `USER_PROFILE_URL`. */
export function urlVariableFor(subgraph: string): string {
  return `${subgraph.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_URL`;
}

/** The subgraphs of the supergraph; each may be pointed elsewhere with `<NAME>_URL`. */
export const SUBGRAPH_NAMES = [
  "catalog",
  "user-profile",
  "recommendation",
  "search",
  "logistics",
  "payment-risk",
  "pricing",
] as const;

export function loadGatewayConfig(
  source: Readonly<Record<string, string | undefined>> = process.env,
): GatewayConfig {
  const parsed = parseEnv(gatewayEnvShape, source);
  if (parsed.NODE_ENV === "production" && parsed.AISLE_INTERNAL_SECRET === DEV_INTERNAL_SECRET) {
    throw new ConfigError(["AISLE_INTERNAL_SECRET: must be set to a private value when NODE_ENV=production"]);
  }
  const problems: string[] = [];
  if (
    parsed.NODE_ENV === "production" &&
    parsed.AUTH_JWKS_URL === undefined &&
    parsed.AUTH_PUBLIC_KEY_FILE === undefined
  ) {
    problems.push(
      "AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE: one must be set when NODE_ENV=production (the dev key is refused)",
    );
  }
  if (parsed.AUTH_JWKS_URL !== undefined && parsed.AUTH_PUBLIC_KEY_FILE !== undefined) {
    problems.push("AUTH_JWKS_URL and AUTH_PUBLIC_KEY_FILE: set only one");
  }
  const subgraphUrls = new Map<string, string>();
  for (const name of SUBGRAPH_NAMES.map(urlVariableFor)) {
    const value = source[name];
    if (value === undefined || value === "") continue;
    if (!URL.canParse(value)) problems.push(`${name}: not a URL (got ${JSON.stringify(value)})`);
    else subgraphUrls.set(name, value);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...parsed, subgraphUrls };
}
