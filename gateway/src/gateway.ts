import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { GraphQLError } from "graphql";
import {
  createGraphQLHttpHandler,
  createLogger,
  failureLoggingPlugin,
  formatErrorFor,
  HealthState,
  Headers,
  requestMetricsPlugin,
  startTracingFromEnv,
  startHttpServer,
  type Logger,
  type RunningServer,
} from "@aisle/kit";
import { contextForCaller, stripSpoofableHeaders } from "./caller.ts";
import { loadGatewayConfig, urlVariableFor, type GatewayConfig } from "./config.ts";
import type { GatewayContext } from "./context.ts";
import { operationLimits } from "./limits.ts";
import { valueCompletionErrors } from "./value-completion.ts";
import { MemoryRateLimitStore, RateLimiter, RedisRateLimitStore } from "./rate-limit.ts";
import { fetchFailureOf } from "./fetch-failure.ts";
import { partnerContractPlugin } from "./partner-contract.ts";
import { createTokenVerifier } from "./token-verifier.ts";
import { SubgraphClient } from "./subgraph-client.ts";
import { serveExplorer, withExplorerLink } from "./explorer.ts";

export interface StartGatewayOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Overrides PORT; 0 picks a free port (tests). */
  readonly port?: number;
  /** Overrides the subgraph URLs in the supergraph (tests start subgraphs on free ports). */
  readonly subgraphUrls?: Readonly<Record<string, string>>;
  readonly log?: Logger;
}

function rateLimiterFor(config: GatewayConfig, log: Logger): RateLimiter | null {
  if (config.RATE_LIMIT_STORE === "off") return null;
  const store =
    config.RATE_LIMIT_STORE === "redis"
      ? new RedisRateLimitStore({
          url: config.REDIS_URL,
          prefix: config.RATE_LIMIT_KEY_PREFIX,
          timeoutMs: config.RATE_LIMIT_REDIS_TIMEOUT_MS,
          log,
        })
      : new MemoryRateLimitStore();
  return new RateLimiter(store, {
    anonymous: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
    user: config.RATE_LIMIT_USER_PER_MINUTE,
    service: config.RATE_LIMIT_SERVICE_PER_MINUTE,
  });
}

const echoRequestId: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart({ contextValue }) {
    return {
      async willSendResponse({ response }) {
        response.http.headers.set(Headers.requestId, contextValue.requestId);
      },
    };
  },
};

/**
 * An operationName the document does not define (or none for a document of several operations) is the
 * client's mistake: 400 OPERATION_RESOLUTION_FAILURE, as a subgraph answers it. Left to the gateway's
 * executor, it fails as an internal error (HTTP 500).
 */
const refuseUnknownOperation: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, request }) {
        if (operation !== undefined) return;
        const message =
          request.operationName === undefined || request.operationName === null
            ? "The document has several operations: say which to run with operationName"
            : `Unknown operation named ${JSON.stringify(request.operationName)}`;
        throw new GraphQLError(message, {
          extensions: { code: "OPERATION_RESOLUTION_FAILURE", http: { status: 400 } },
        });
      },
    };
  },
};

function serviceNameOf(error: GraphQLError): string | undefined {
  const name = error.extensions["serviceName"];
  return typeof name === "string" ? name : undefined;
}

function withoutSpoofableHeaders(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    stripSpoofableHeaders(req.headers);
    handler(req, res);
  };
}

function subgraphUrl(
  name: string,
  supergraphUrl: string,
  config: GatewayConfig,
  overrides: Readonly<Record<string, string>>,
) {
  return overrides[name] ?? config.subgraphUrls.get(urlVariableFor(name)) ?? supergraphUrl;
}

/** Starts the public gateway over the composed supergraph: the one entry point frontends and partners call. */
export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningServer> {
  // @apollo/gateway otherwise starts an OpenTelemetry exporter that reports to Apollo at construction.
  process.env["APOLLO_TELEMETRY_DISABLED"] = "true";
  const config = loadGatewayConfig(options.env ?? process.env);
  const log = options.log ?? createLogger("gateway", config.LOG_LEVEL);
  const production = config.NODE_ENV === "production";
  startTracingFromEnv("gateway", options.env ?? process.env);
  const supergraphSdl = await readFile(config.SUPERGRAPH_PATH, "utf8");
  const verifier = await createTokenVerifier(config);

  const clients: SubgraphClient[] = [];
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: log,
    buildService: ({ name, url }) => {
      const client = new SubgraphClient({
        name,
        url: subgraphUrl(name, url ?? "", config, options.subgraphUrls ?? {}),
        timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
        connections: config.SUBGRAPH_CONNECTIONS,
        internalSecret: config.AISLE_INTERNAL_SECRET,
        mergeInFlight: config.SUBGRAPH_MERGE_INFLIGHT,
      });
      clients.push(client);
      return client;
    },
  });

  const limits = operationLimits(config);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    formatError: formatErrorFor(production),
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    allowBatchedHttpRequests: false,
    logger: log,
    plugins: [
      requestMetricsPlugin<GatewayContext>("gateway"),
      ...limits.plugins,
      valueCompletionErrors,
      echoRequestId,
      refuseUnknownOperation,
      partnerContractPlugin(),
      // Failed subgraph fetches and the failures subgraphs pass up: one line each, before masking.
      failureLoggingPlugin<GatewayContext>({
        service: "gateway",
        log,
        requestIdOf: (context) => context.requestId,
        sourceOf: serviceNameOf,
        sharedFailureOf: fetchFailureOf,
      }),
      production
        ? ApolloServerPluginLandingPageDisabled()
        : withExplorerLink(ApolloServerPluginLandingPageLocalDefault({ embed: true })),
    ],
  });
  await apollo.start();
  const limiter = rateLimiterFor(config, log);
  const callerOptions = { verifier, limiter, trustedProxyHops: config.TRUSTED_PROXY_HOPS, log };
  let loaded = true;
  const health = new HealthState([{ name: "supergraph", check: async () => loaded }]);

  const running = await startHttpServer({
    host: config.HOST,
    port: options.port ?? config.PORT,
    path: "/graphql",
    graceMs: config.SHUTDOWN_GRACE_MS,
    log,
    handler: withoutSpoofableHeaders(
      createGraphQLHttpHandler({
        apollo,
        path: "/graphql",
        maxBodyBytes: config.MAX_BODY_BYTES,
        health,
        log,
        server: "gateway",
        // GraphiQL from npm packages at /graphiql: works offline, unlike Sandbox (development only).
        ...(production ? {} : { explorer: serveExplorer }),
        context: (req) => contextForCaller(req, callerOptions),
      }),
    ),
    onCloseStart: () => health.markStopping(),
    onClosed: async () => {
      loaded = false;
      await apollo.stop();
      await Promise.all(clients.map((c) => c.close()));
      await limiter?.close();
    },
  });
  log.info({ url: running.url }, "gateway ready");
  return running;
}
