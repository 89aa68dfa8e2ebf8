import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from "@apollo/server";
import { requestIdFrom } from "./context.ts";
import { ErrorCode } from "./errors.ts";
import { Headers } from "./identity.ts";
import type { Logger } from "./logger.ts";
import type { Health } from "./health.ts";
import { inRequestScope } from "./request-scope.ts";
import { metricsText } from "./metrics.ts";
import { extractTraceContext, SpanKind, withSpan } from "./tracing.ts";

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  readonly apollo: ApolloServer<TContext>;
  readonly path: string;
  readonly maxBodyBytes: number;
  /**
   * An oversized body is read and discarded up to this many bytes so the client gets its 413; past it the
   * connection is closed at once. Default: the larger of 4 × maxBodyBytes and 16 MiB.
   */
  readonly maxDiscardBytes?: number;
  readonly health: Health;
  readonly log: Logger;
  /** Builds a request's context; `body` is the request body exactly as received (empty for a GET). */
  readonly context: (req: IncomingMessage, body: Uint8Array) => Promise<TContext>;
  /** The server's name on its request spans (`aisle.server`). Default "graphql". */
  readonly server?: string;
  /** Answers `/graphiql` (e.g. an offline explorer in development); a 404 when absent. */
  readonly explorer?: (req: IncomingMessage, res: ServerResponse) => void;
}

/** How much of an oversized body is read and thrown away so the client receives its 413 (see readBody). */
const DEFAULT_DISCARD_FLOOR = 16 * 1024 * 1024;

type BodyRead =
  | { readonly kind: "ok"; readonly bytes: Buffer }
  /** `drained`: the whole body was read, so the client is done writing and will read the 413. */
  | { readonly kind: "too-large"; readonly drained: boolean };

/**
 * Reads a request body of at most `limit` bytes. A larger one is read to its end and discarded, up to
 * `discardLimit` bytes: answering and closing while the client is still writing makes Node's fetch (undici)
 * fail with EPIPE instead of showing the 413. Past `discardLimit` (declared or sent) reading stops at once.
 */
function readBody(req: IncomingMessage, limit: number, discardLimit: number): Promise<BodyRead> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > discardLimit) return Promise.resolve({ kind: "too-large", drained: false });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > limit;
    const stop = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size > discardLimit) {
        stop();
        req.pause();
        resolve({ kind: "too-large", drained: false });
        return;
      }
      if (size > limit && !tooLarge) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (!tooLarge) chunks.push(chunk);
    }
    function onEnd(): void {
      stop();
      resolve(tooLarge ? { kind: "too-large", drained: true } : { kind: "ok", bytes: Buffer.concat(chunks) });
    }
    function onError(error: Error): void {
      stop();
      reject(error);
    }
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extraHeaders: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...extraHeaders });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const mediaType = value.split(";")[0]?.trim().toLowerCase();
  return mediaType === "application/json" || mediaType === "application/graphql-response+json";
}

/**
 * A plain node:http handler for an Apollo Server: `/healthz`, `/readyz`, and GraphQL at `path`. Written here
 * rather than taken from an Express integration so that body limits, health and shutdown behave the same in
 * the gateway and every subgraph, with no web framework in the hot path.
 */
export function createGraphQLHttpHandler<TContext extends BaseContext>(
  options: GraphQLHttpOptions<TContext>,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { apollo, path, maxBodyBytes, health, log } = options;
  const maxDiscardBytes = options.maxDiscardBytes ?? Math.max(4 * maxBodyBytes, DEFAULT_DISCARD_FLOOR);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/healthz") {
      sendJson(res, health.alive() ? 200 : 503, { status: health.alive() ? "alive" : "stopping" });
      return;
    }
    if (url.pathname === "/readyz") {
      const report = await health.ready();
      sendJson(res, report.ready ? 200 : 503, report);
      return;
    }
    if (url.pathname === "/metrics") {
      const metrics = await metricsText();
      res.writeHead(200, { "content-type": metrics.contentType });
      res.end(metrics.body);
      return;
    }
    if (url.pathname === "/graphiql" && options.explorer !== undefined) {
      options.explorer(req, res);
      return;
    }
    if (url.pathname !== path) {
      sendError(res, 404, ErrorCode.NOT_FOUND, `No route for ${url.pathname}; GraphQL is served at ${path}`);
      return;
    }

    let body: unknown = undefined;
    let bytes: Buffer = Buffer.alloc(0);
    if (req.method === "POST") {
      const read = await readBody(req, maxBodyBytes, maxDiscardBytes);
      if (read.kind === "too-large") {
        res.setHeader("connection", "close");
        if (!read.drained) res.once("finish", () => req.socket.destroy());
        sendError(res, 413, ErrorCode.PAYLOAD_TOO_LARGE, `Request body exceeds ${maxBodyBytes} bytes`);
        return;
      }
      bytes = read.bytes;
      const text = bytes.toString("utf8");
      if (isJsonContentType(req.headers["content-type"])) {
        try {
          body = JSON.parse(text);
        } catch {
          sendError(res, 400, ErrorCode.BAD_REQUEST, "Request body is not valid JSON");
          return;
        }
      } else {
        body = text;
      }
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: (req.method ?? "GET").toUpperCase(),
      headers,
      search: url.search,
      body,
    };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: () => options.context(req, bytes),
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  return (req, res) => {
    // One id for the whole request: the context factories read it back from the header, and code with no
    // context at hand (formatError masking an error) reads it from the request scope.
    const requestId = requestIdFrom(req.headers);
    req.headers[Headers.requestId] = requestId;
    // A GraphQL request is a span, the child of the caller's when it sends a W3C traceparent (a no-op without
    // a tracer provider: see tracing.ts). Scrapes, probes and the explorer page are not traced.
    const graphql = (req.url ?? "/").split("?")[0] === path;
    const traced = (): Promise<void> =>
      withSpan(
        `${req.method ?? "GET"} ${path}`,
        { "aisle.server": options.server ?? "graphql", "http.request.method": req.method ?? "GET" },
        async (span) => {
          await handle(req, res);
          span.setAttribute("http.response.status_code", res.statusCode);
        },
        { kind: SpanKind.SERVER, parent: extractTraceContext(req.headers) },
      );
    inRequestScope(requestId, graphql ? traced : () => handle(req, res)).catch((error: unknown) => {
      log.error({ err: error, requestId }, "unhandled error in HTTP handler");
      if (!res.headersSent) {
        sendJson(res, 500, {
          errors: [
            {
              message: "Internal server error",
              extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId },
            },
          ],
        });
      } else res.destroy();
    });
  };
}
