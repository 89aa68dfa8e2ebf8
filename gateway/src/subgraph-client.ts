import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { GraphQLError } from "graphql";
import { Agent, errors as undiciErrors, request } from "undici";
import { Counter } from "prom-client";
import {
  ANONYMOUS,
  ErrorCode,
  injectTraceContext,
  metricsRegistry,
  signedHeaders,
  SpanKind,
  SpanStatusCode,
  subgraphFetchErrors,
  subgraphFetchSeconds,
  withSpan,
  type Identity,
} from "@aisle/kit";
import type { GatewayContext } from "./context.ts";
import { documentOf, failedFetchResponse, fetchPaths } from "./fetch-failure.ts";

export interface SubgraphClientOptions {
  readonly name: string;
  readonly url: string;
  readonly timeoutMs: number;
  readonly connections: number;
  readonly internalSecret: string;
  /** Merge identical read-only fetches in flight (SUBGRAPH_MERGE_INFLIGHT); default true. */
  readonly mergeInFlight?: boolean;
}

/** Fetches that waited for an identical one in flight instead of sending their own. */
export const subgraphFetchesMerged = new Counter({
  name: "aisle_subgraph_fetches_merged_total",
  help: "Gateway to subgraph fetches answered by an identical fetch already in flight (same subgraph, body and caller)",
  labelNames: ["subgraph"] as const,
  registers: [metricsRegistry],
});

/**
 * A subgraph's answer as received, before parsing: what merged fetches share. Each fetch parses its own copy,
 * because @apollo/gateway merges subgraph data into the client's result in place, and builds its own errors,
 * so each client request places, logs and masks them under its own request id.
 */
type RawAnswer =
  | { readonly ok: true; readonly statusCode: number; readonly contentType: string; readonly text: string }
  | { readonly ok: false; readonly error: unknown };

interface InFlight {
  /** When the fetch sent gives up (epoch ms): a fetch that must be answered sooner does not wait for it. */
  readonly deadline: number;
  readonly answer: Promise<RawAnswer>;
}

/** Query fetches only: the planner writes `query …` or `{ … }`; a mutation or subscription is never merged. */
const READ_ONLY = /^\s*(?:query\b|\{)/;

/** What a subgraph can tell callers apart by: the claims the signature carries (user id and scopes). */
function callerKey(identity: Identity): string {
  return identity === ANONYMOUS ? "" : JSON.stringify([identity.userId, identity.scopes]);
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
  /** Fetches in flight, by caller then body; an entry leaves when its answer is in. */
  readonly #inFlight = new Map<string, Map<string, InFlight>>();

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
    const identity = context.identity ?? ANONYMOUS;
    const send = () => this.#send(requestBody, identity, context.requestId ?? "gateway-internal");
    const mergeable =
      this.#options.mergeInFlight !== false &&
      "incomingRequestContext" in options &&
      READ_ONLY.test(query ?? "");
    const raw = mergeable ? this.#merged(callerKey(identity), requestBody, send) : send().answer;
    return this.#answered(options, await raw);
  }

  /**
   * The answer of an identical fetch in flight for the same caller, or of a new one that later identical
   * fetches share. One fetch is sent, with one signed header (the first request's id and nonce), so the
   * subgraph's replay cache sees each signature once; its log names the first request's id.
   */
  #merged(caller: string, body: string, send: () => InFlight): Promise<RawAnswer> {
    let byBody = this.#inFlight.get(caller);
    const waiting = byBody?.get(body);
    // Every fetch has the same timeout, so one in flight always gives up before a new one would; the check
    // keeps that true if deadlines ever differ per request.
    if (waiting !== undefined && waiting.deadline <= Date.now() + this.#options.timeoutMs) {
      subgraphFetchesMerged.inc({ subgraph: this.#options.name });
      return waiting.answer;
    }
    const sent = send();
    if (byBody === undefined) {
      byBody = new Map();
      this.#inFlight.set(caller, byBody);
    }
    const entries = byBody;
    entries.set(body, sent);
    void sent.answer.then(() => {
      if (entries.get(body) === sent) entries.delete(body);
      if (entries.size === 0 && this.#inFlight.get(caller) === entries) this.#inFlight.delete(caller);
    });
    return sent.answer;
  }

  /** Sends one signed fetch and reads its whole answer; never rejects (a failure is an answer too). */
  #send(requestBody: string, identity: Identity, requestId: string): InFlight {
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
    const deadline = Date.now() + this.#options.timeoutMs;
    const answer = (async (): Promise<RawAnswer> => {
      try {
        const response = await request(this.#options.url, {
          method: "POST",
          headers,
          body: requestBody,
          dispatcher: this.#agent,
          signal: AbortSignal.timeout(this.#options.timeoutMs),
        });
        const contentType = String(response.headers["content-type"] ?? "");
        return { ok: true, statusCode: response.statusCode, contentType, text: await response.body.text() };
      } catch (error) {
        return { ok: false, error };
      }
    })();
    return { deadline, answer };
  }

  /** One fetch's answer, parsed for it alone from what was received. */
  #answered(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    raw: RawAnswer,
  ): GatewayGraphQLResponse {
    if (!raw.ok) return this.#failed(options, this.#failure(raw.error));
    let body: unknown;
    try {
      body = raw.contentType.includes("json") ? JSON.parse(raw.text) : raw.text;
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
        `Subgraph ${this.#options.name} answered HTTP ${raw.statusCode} without a GraphQL body`,
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
