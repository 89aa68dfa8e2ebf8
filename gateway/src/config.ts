import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError, DEV_INTERNAL_SECRET, env, parseEnv, serverEnvShape } from "@aisle/kit";

const DEFAULT_SUPERGRAPH = fileURLToPath(new URL("../../schema/supergraph.graphql", import.meta.url));

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
  /** Secret shared with the subgraphs to sign the forwarded identity. */
  AISLE_INTERNAL_SECRET: z.string().min(16).default(DEV_INTERNAL_SECRET),
  /** Operation limits (GraphQL Armor). */
  MAX_DEPTH: env.positiveInt(12),
  MAX_ALIASES: env.positiveInt(15),
  MAX_COST: env.positiveInt(5_000),
  MAX_TOKENS: env.positiveInt(2_000),
  MAX_DIRECTIVES: env.positiveInt(30),
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
  const subgraphUrls = new Map<string, string>();
  const problems: string[] = [];
  for (const name of SUBGRAPH_NAMES.map(urlVariableFor)) {
    const value = source[name];
    if (value === undefined || value === "") continue;
    if (!URL.canParse(value)) problems.push(`${name}: not a URL (got ${JSON.stringify(value)})`);
    else subgraphUrls.set(name, value);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...parsed, subgraphUrls };
}
