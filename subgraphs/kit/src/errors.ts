import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { Logger } from "./logger.ts";
import { currentRequestId } from "./request-scope.ts";

/**
 * The stable `extensions.code` values Aisle returns. Clients branch on these, so a code is never renamed;
 * new ones are added here and documented in the README.
 */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  /** A write based on a stale version (optimistic concurrency), or a create whose id is taken. */
  CONFLICT: "CONFLICT",
  /** A partner-scoped caller asked for a field outside the partner contract (schema/partner.graphql). */
  OUTSIDE_CONTRACT: "OUTSIDE_CONTRACT",
  RATE_LIMITED: "RATE_LIMITED",
  UNAVAILABLE: "UNAVAILABLE",
  TIMEOUT: "TIMEOUT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  BAD_REQUEST: "BAD_REQUEST",
  QUERY_TOO_DEEP: "QUERY_TOO_DEEP",
  QUERY_TOO_COSTLY: "QUERY_TOO_COSTLY",
  TOO_MANY_ALIASES: "TOO_MANY_ALIASES",
  TOO_MANY_DIRECTIVES: "TOO_MANY_DIRECTIVES",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode));

/** Codes graphql-js and Apollo Server assign themselves, which are safe to show. */
const FRAMEWORK_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

export function isPublicCode(code: unknown): code is string {
  return typeof code === "string" && (PUBLIC_CODES.has(code) || FRAMEWORK_CODES.has(code));
}

export function codedError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const badUserInput = (message: string, field?: string): GraphQLError =>
  codedError(ErrorCode.BAD_USER_INPUT, message, field === undefined ? {} : { field });

export const notFound = (typeName: string, id: string): GraphQLError =>
  codedError(ErrorCode.NOT_FOUND, `${typeName} ${JSON.stringify(id)} was not found`, { typeName, id });

export const forbidden = (message = "You are not allowed to read this field"): GraphQLError =>
  codedError(ErrorCode.FORBIDDEN, message);

export const unavailable = (what: string): GraphQLError =>
  codedError(ErrorCode.UNAVAILABLE, `${what} is unavailable right now; try again shortly`);

/**
 * Apollo Server wraps every validation error and overwrites its code with GRAPHQL_VALIDATION_FAILED; a
 * validation rule of ours (an operation limit) that gave a public code of its own gets that code back.
 */
function codeOf(formatted: GraphQLFormattedError, error: unknown): unknown {
  const code = formatted.extensions?.["code"];
  // type-graphql's own AuthorizationError says UNAUTHORIZED; Aisle's code for "signed in, not allowed" is FORBIDDEN.
  if (code === "UNAUTHORIZED") return ErrorCode.FORBIDDEN;
  if (code !== "GRAPHQL_VALIDATION_FAILED" || !(error instanceof GraphQLError)) return code;
  const original = error.originalError;
  const originalCode = original instanceof GraphQLError ? original.extensions["code"] : undefined;
  return isPublicCode(originalCode) ? originalCode : code;
}

/** The message a client reads in production instead of an internal error's own. */
export const MASKED_MESSAGE = "Internal server error";

/**
 * Apollo `formatError` for Aisle servers. In production an error whose code is not one of the public codes,
 * and every INTERNAL_SERVER_ERROR, becomes a bare INTERNAL_SERVER_ERROR: a generic message, its path, and
 * the request id to quote (the logs have the original under that id). Other coded errors keep their code and
 * message; no stack trace leaves a production server.
 */
export function formatErrorFor(production: boolean, requestId: () => string | undefined = currentRequestId) {
  return (formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError => {
    const code = codeOf(formatted, error);
    const { stacktrace, exception: _exception, ...rest } = formatted.extensions ?? {};
    const extensions = { ...rest, code, ...(production || stacktrace === undefined ? {} : { stacktrace }) };
    if (!production) return { ...formatted, extensions };
    if (isPublicCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) return { ...formatted, extensions };
    const id = requestId();
    return {
      message: MASKED_MESSAGE,
      ...(formatted.path === undefined ? {} : { path: formatted.path }),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(id === undefined ? {} : { requestId: id }) },
    };
  };
}

/** Codes of failures an operator must see in the logs: the server's own faults and its dependencies'. */
const LOGGED_CODES = new Set<string>([
  ErrorCode.INTERNAL_SERVER_ERROR,
  ErrorCode.UNAVAILABLE,
  ErrorCode.TIMEOUT,
]);

/**
 * The code a client will read for `error`, as Apollo assigns it (none means INTERNAL_SERVER_ERROR), and
 * whether it is a failure to log: INTERNAL_SERVER_ERROR, UNAVAILABLE, TIMEOUT, or a code that is not public
 * (masked in production as INTERNAL_SERVER_ERROR).
 */
export function failureCodeOf(error: GraphQLError): string | undefined {
  const code = error.extensions["code"];
  if (typeof code !== "string") return ErrorCode.INTERNAL_SERVER_ERROR;
  // type-graphql's AuthorizationError: a refusal (FORBIDDEN to clients), not a failure.
  if (code === "UNAUTHORIZED") return undefined;
  return LOGGED_CODES.has(code) || !isPublicCode(code) ? code : undefined;
}

export interface FailureLoggingOptions<TContext> {
  /** The service that logs: a subgraph's name, or "gateway". */
  readonly service: string;
  readonly log: Logger;
  readonly requestIdOf: (context: TContext) => string | undefined;
  /** Which service an error comes from, when not this one (the gateway reads `extensions.serviceName`). */
  readonly sourceOf?: (error: GraphQLError) => string | undefined;
  /**
   * The one failure an error is a part of, when several errors stand for it (a failed subgraph fetch is
   * reported at each path it was to fill): such errors are logged once, together, with `failure.error`.
   */
  readonly sharedFailureOf?: (error: GraphQLError) => { readonly error: GraphQLError } | undefined;
}

function originalOf(error: GraphQLError): unknown {
  // At the gateway an error passed up from a subgraph wraps that subgraph's JSON error, not an Error.
  const original: unknown = error.originalError ?? error;
  return original instanceof Error ? original : { message: error.message, received: original };
}

/**
 * An Apollo plugin that logs every failure of a request once (see failureCodeOf), with the request id, the
 * service it comes from, its path(s) and the original error (message and stack), before production masks it.
 */
export function failureLoggingPlugin<TContext extends BaseContext>(
  options: FailureLoggingOptions<TContext>,
): ApolloServerPlugin<TContext> {
  const level = (code: string) => (code === ErrorCode.INTERNAL_SERVER_ERROR ? "error" : "warn");
  return {
    // A context factory that crashed (a coded refusal, UNAUTHENTICATED or RATE_LIMITED, is no failure; an
    // UNAVAILABLE it raises on purpose it logs itself).
    async contextCreationDidFail({ error }) {
      const graphQLError = error instanceof GraphQLError ? error : new GraphQLError(error.message);
      const code = failureCodeOf(graphQLError);
      if (code === undefined || code === ErrorCode.UNAVAILABLE || code === ErrorCode.TIMEOUT) return;
      options.log[level(code)](
        { requestId: currentRequestId(), subgraph: options.service, code, err: error },
        `${code}: context creation failed: ${error.message}`,
      );
    },
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          interface Failure {
            readonly code: string;
            readonly first: GraphQLError;
            readonly cause: GraphQLError;
            readonly paths: GraphQLError["path"][];
          }
          const failures = new Map<object, Failure>();
          for (const error of errors) {
            const code = failureCodeOf(error);
            if (code === undefined) continue;
            const shared = options.sharedFailureOf?.(error);
            const key = shared ?? error;
            const failure = failures.get(key) ?? {
              code,
              first: error,
              cause: shared?.error ?? error,
              paths: [],
            };
            failure.paths.push(error.path);
            failures.set(key, failure);
          }
          for (const { code, first, cause, paths } of failures.values()) {
            options.log[level(code)](
              {
                requestId: options.requestIdOf(contextValue) ?? currentRequestId(),
                subgraph: options.sourceOf?.(first) ?? options.service,
                path: first.path,
                ...(paths.length > 1 ? { paths } : {}),
                code,
                err: originalOf(cause),
              },
              `${code}: ${first.message}`,
            );
          }
        },
      };
    },
  };
}
