import { ApolloServer } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import type { GraphQLSchema } from "graphql";
import { z } from "zod";
import { parseEnv, serverEnvShape, env, ConfigError } from "./config.ts";
import { contextFromRequest, type RequestContext, type UnsignedPolicy } from "./context.ts";
import { failureLoggingPlugin, formatErrorFor } from "./errors.ts";
import { HealthState, type ReadinessCheck } from "./health.ts";
import { createGraphQLHttpHandler } from "./http.ts";
import { createLogger, logLevelFrom, type Logger } from "./logger.ts";
import { requestMetricsPlugin } from "./metrics.ts";
import { startTracingFromEnv } from "./tracing.ts";
import { createReplayCache } from "./replay-cache.ts";
import { runUntilSignalled, startHttpServer, type RunningServer } from "./server.ts";

/** The development secret documented in the README; refused in production. */
export const DEV_INTERNAL_SECRET = "aisle-dev-internal-secret-not-for-production";

export const subgraphEnvShape = {
  ...serverEnvShape,
  /** Secret shared with the gateway to verify the forwarded identity (HMAC-SHA256). */
  AISLE_INTERNAL_SECRET: z.string().min(16).default(DEV_INTERNAL_SECRET),
  /**
   * What to do with a request that lacks a valid gateway signature: treat the caller as anonymous, or reject
   * it with 401. Default: reject in production, anonymous in development.
   */
  AISLE_UNSIGNED_REQUESTS: z.enum(["anonymous", "reject"]).optional(),
  /**
   * Where the nonces of accepted gateway signatures are kept, so each signature is accepted once: `memory`
   * (this process only) or `redis` (shared by every replica; needed as soon as a subgraph runs more than one).
   * Default: redis in production, memory in development.
   */
  AISLE_REPLAY_STORE: z.enum(["memory", "redis"]).optional(),
  /** Redis of the replay store. Default redis://127.0.0.1:6379. */
  AISLE_REPLAY_REDIS_URL: env.url("redis://127.0.0.1:6379"),
  /** Prefix of the replay store's keys. Default aisle:replay: */
  AISLE_REPLAY_KEY_PREFIX: z.string().min(1).default("aisle:replay:"),
  /**
   * Bound on one replay-store call, ms. Past it (or with Redis down) the process's own memory decides, so a
   * Redis outage does not take the subgraph down. Default 100.
   */
  AISLE_REPLAY_TIMEOUT_MS: env.positiveInt(100),
};

export type SubgraphEnv = z.infer<z.ZodObject<typeof subgraphEnvShape>>;

/** What a subgraph's factory hands to the kit. */
export interface SubgraphParts {
  readonly schema: GraphQLSchema;
  readonly readiness?: readonly ReadinessCheck[];
  /** Releases what the subgraph holds (connections, worker pools). Called after in-flight requests finish. */
  readonly close?: () => Promise<void>;
}

/** Everything that makes a subgraph: its name, its default port, and a factory for its schema and services. */
export interface SubgraphDefinition {
  readonly name: string;
  readonly defaultPort: number;
  create(input: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly log: Logger;
  }): Promise<SubgraphParts>;
}

export interface StartOptions {
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Overrides PORT; 0 picks a free port (tests). */
  readonly port?: number;
  readonly log?: Logger;
}

export function resolveSubgraphEnv(
  definition: SubgraphDefinition,
  source: Readonly<Record<string, string | undefined>>,
): SubgraphEnv & { PORT: number; unsignedPolicy: UnsignedPolicy; replayStore: "memory" | "redis" } {
  const parsed = parseEnv({ ...subgraphEnvShape, PORT: env.port(definition.defaultPort) }, source);
  const production = parsed.NODE_ENV === "production";
  if (production && parsed.AISLE_INTERNAL_SECRET === DEV_INTERNAL_SECRET) {
    throw new ConfigError(["AISLE_INTERNAL_SECRET: must be set to a private value when NODE_ENV=production"]);
  }
  const unsignedPolicy = parsed.AISLE_UNSIGNED_REQUESTS ?? (production ? "reject" : "anonymous");
  const replayStore = parsed.AISLE_REPLAY_STORE ?? (production ? "redis" : "memory");
  return { ...parsed, unsignedPolicy, replayStore };
}

/** Starts a subgraph in this process: the way `main.ts`, the all-in-one demo and the tests all boot one. */
export async function startSubgraph(
  definition: SubgraphDefinition,
  options: StartOptions = {},
): Promise<RunningServer> {
  const config = resolveSubgraphEnv(definition, options.env ?? process.env);
  const log = options.log ?? createLogger(definition.name, config.LOG_LEVEL);
  const production = config.NODE_ENV === "production";
  startTracingFromEnv(definition.name, options.env ?? process.env);
  const parts = await definition.create({ env: options.env ?? process.env, log });
  const health = new HealthState(parts.readiness ?? []);
  const apollo = new ApolloServer<RequestContext>({
    schema: parts.schema,
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    formatError: formatErrorFor(production),
    plugins: [
      // Federated traces would tell any caller that asks how long each resolver took; nothing here reads them.
      ApolloServerPluginInlineTraceDisabled(),
      // Apollo Server installs the cache-control plugin by default, and its willResolveField hook wraps every
      // field resolver of the schema: about 3 % of the CPU of a category page in a --cpu-prof profile. No
      // field has a cache hint, and the gateway neither reads the subgraphs' cache-control headers nor
      // answers with one.
      ApolloServerPluginCacheControlDisabled(),
      requestMetricsPlugin<RequestContext>(definition.name),
      // Internal errors, UNAVAILABLE and TIMEOUT are logged here, where they happen, before production masks them.
      failureLoggingPlugin<RequestContext>({
        service: definition.name,
        log,
        requestIdOf: (context) => context.requestId,
      }),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault(),
    ],
    logger: log,
  });
  await apollo.start();
  const replayCache = await createReplayCache(
    {
      store: config.replayStore,
      redisUrl: config.AISLE_REPLAY_REDIS_URL,
      keyPrefix: config.AISLE_REPLAY_KEY_PREFIX,
      timeoutMs: config.AISLE_REPLAY_TIMEOUT_MS,
    },
    log,
  );
  const contextOptions = {
    subgraph: definition.name,
    internalSecret: config.AISLE_INTERNAL_SECRET,
    unsignedPolicy: config.unsignedPolicy,
    replayCache,
    log,
  };
  const running = await startHttpServer({
    host: config.HOST,
    port: options.port ?? config.PORT,
    path: "/graphql",
    graceMs: config.SHUTDOWN_GRACE_MS,
    log,
    handler: createGraphQLHttpHandler({
      apollo,
      path: "/graphql",
      maxBodyBytes: config.MAX_BODY_BYTES,
      health,
      log,
      server: definition.name,
      context: (req, body) => contextFromRequest(req.headers, body, contextOptions),
    }),
    onCloseStart: () => health.markStopping(),
    onClosed: async () => {
      await apollo.stop();
      await parts.close?.();
      await replayCache.close();
    },
  });
  log.info({ url: running.url }, `${definition.name} subgraph ready`);
  return running;
}

/** The whole of a subgraph's `main.ts`. */
export function runSubgraphMain(definition: SubgraphDefinition): void {
  const log = createLogger(definition.name, logLevelFrom(process.env));
  void runUntilSignalled(() => startSubgraph(definition, { log }), log);
}
