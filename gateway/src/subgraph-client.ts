import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { GraphQLError } from "graphql";
import { Agent, errors as undiciErrors, request } from "undici";
import {
  ANONYMOUS,
  ErrorCode,
  injectTraceContext,
  signedHeaders,
  SpanKind,
  SpanStatusCode,
  subgraphFetchErrors,
  subgraphFetchSeconds,
  withSpan,
} from "@aisle/kit";
import type { GatewayContext } from "./context.ts";
import { documentOf, failedFetchResponse, fetchPaths } from "./fetch-failure.ts";

export interface SubgraphClientOptions {
  readonly name: string;
  readonly url: string;
  readonly timeoutMs: number;
  readonly connections: number;
  readonly internalSecret: string;
}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
  );
}

/**
 * Calls one subgraph over a pool of kept-alive connections (undici) with a deadline on every call, and
 * forwards the request id and the signed identity. Stands in for RemoteGraphQLDataSource, whose default
 * fetcher (make-fetch-happen over node-fetch) builds fetch objects per call and has no timeout.
 */
export class SubgraphClient implements GraphQLDataSource<GatewayContext> {
  readonly #agent: Agent;
  readonly #options: SubgraphClientOptions;

  constructor(options: SubgraphClientOptions) {
    this.#options = options;
    this.#agent = new Agent({
      connections: options.connections,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      connectTimeout: options.timeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** One fetch: a client span (its traceparent goes to the subgraph), its latency and its failures counted. */
  process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const subgraph = this.#options.name;
    const started = performance.now();
    return withSpan(
      `subgraph.fetch ${subgraph}`,
      { "aisle.subgraph": subgraph, "graphql.operation.name": options.request.operationName ?? "" },
      async (span) => {
        let outcome = "error";
        try {
          const answer = await this.#process(options);
          const failure = answer.errors?.find((e) => e.extensions?.["serviceName"] === subgraph);
          const code = failure?.extensions?.["code"];
          if (typeof code === "string" && (code === ErrorCode.TIMEOUT || code === ErrorCode.UNAVAILABLE)) {
            subgraphFetchErrors.inc({ subgraph, code });
            span.setStatus({ code: SpanStatusCode.ERROR, message: code });
          } else outcome = "ok";
          return answer;
        } catch (error) {
          const code = (error as { extensions?: Record<string, unknown> }).extensions?.["code"];
          subgraphFetchErrors.inc({ subgraph, code: typeof code === "string" ? code : "ERROR" });
          throw error;
        } finally {
          subgraphFetchSeconds.observe({ subgraph, outcome }, (performance.now() - started) / 1000);
        }
      },
      { kind: SpanKind.CLIENT },
    );
  }

  async #process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { query, variables, operationName } = options.request;
    // Signed as the exact bytes sent: the signature is bound to this body and this subgraph (docs/adr/0003).
    const requestBody = JSON.stringify({ query, variables, operationName });
    const context = options.context as Partial<GatewayContext>;
    const requestId = context.requestId ?? "gateway-internal";
    const identity = context.identity ?? ANONYMOUS;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...signedHeaders(
        identity,
        { requestId, subgraph: this.#options.name, body: requestBody },
        this.#options.internalSecret,
      ),
    };
    injectTraceContext(headers);
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(this.#options.url, {
        method: "POST",
        headers,
        body: requestBody,
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      return this.#failed(options, this.#failure(error));
    }
    const contentType = String(response.headers["content-type"] ?? "");
    let body: unknown;
    try {
      body = contentType.includes("json") ? await response.body.json() : await response.body.text();
    } catch (error) {
      return this.#failed(options, this.#failure(error));
    }
    // GraphQL over HTTP: a 4xx with a GraphQL body still carries the subgraph's coded errors; pass them on.
    if (typeof body === "object" && body !== null && ("data" in body || "errors" in body)) {
      return this.#placed(options, body as GatewayGraphQLResponse);
    }
    return this.#failed(
      options,
      new GraphQLError(
        `Subgraph ${this.#options.name} answered HTTP ${response.statusCode} without a GraphQL body`,
        { extensions: { code: ErrorCode.UNAVAILABLE, serviceName: this.#options.name } },
      ),
    );
  }

  /**
   * A subgraph's answer as the gateway passes it on. An answer with no data whose errors have no path (the
   * subgraph refused the whole request: 401, 413, 503…) failed every field the fetch was to fill: each such
   * error is given at those paths, as for a fetch with no answer, so the client sees which fields are null.
   */
  #placed(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    answer: GatewayGraphQLResponse,
  ): GatewayGraphQLResponse {
    const errors = answer.errors ?? [];
    if ((answer.data ?? null) !== null || errors.every((e) => e.path !== undefined)) return answer;
    if (!("incomingRequestContext" in options)) return answer;
    const paths = fetchPaths(
      documentOf(options.document, options.request.query),
      options.request.variables?.["representations"],
    );
    return {
      ...answer,
      errors: errors.flatMap((error) =>
        error.path !== undefined
          ? [error]
          : (failedFetchResponse(
              this.#options.name,
              new GraphQLError(error.message, { extensions: error.extensions ?? {} }),
              paths,
            ).errors ?? []),
      ),
    };
  }

  /**
   * A fetch that got no GraphQL answer: for a client's operation, the error is given at each path the fetch
   * was to fill (the fields a client then sees as null), and the gateway's failure log writes it once.
   */
  #failed(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    failure: GraphQLError,
  ): GatewayGraphQLResponse {
    // Health checks and schema loads have no client operation to place the error in.
    if (!("incomingRequestContext" in options)) throw failure;
    const document = documentOf(options.document, options.request.query);
    const paths = fetchPaths(document, options.request.variables?.["representations"]);
    return failedFetchResponse(this.#options.name, failure, paths);
  }

  #failure(error: unknown): GraphQLError {
    if (isTimeout(error)) {
      return new GraphQLError(
        `Subgraph ${this.#options.name} did not answer within ${this.#options.timeoutMs} ms`,
        {
          extensions: { code: ErrorCode.TIMEOUT, serviceName: this.#options.name },
          originalError: error instanceof Error ? error : undefined,
        },
      );
    }
    return new GraphQLError(`Subgraph ${this.#options.name} is unavailable`, {
      extensions: { code: ErrorCode.UNAVAILABLE, serviceName: this.#options.name },
      originalError: error instanceof Error ? error : undefined,
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
