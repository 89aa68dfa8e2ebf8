import { GraphQLError, type GraphQLFormattedError } from "graphql";

/**
 * The stable `extensions.code` values Aisle returns. Clients branch on these, so a code is never renamed;
 * new ones are added here and documented in the README.
 */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
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

/**
 * Apollo `formatError` for Aisle servers. In production an error whose code is not one of the public codes
 * becomes a bare INTERNAL_SERVER_ERROR (no message, no stack); coded errors keep their code and message.
 */
export function formatErrorFor(production: boolean) {
  return (formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError => {
    const code = codeOf(formatted, error);
    const { stacktrace, exception: _exception, ...rest } = formatted.extensions ?? {};
    const extensions = { ...rest, code, ...(production || stacktrace === undefined ? {} : { stacktrace }) };
    if (!production) return { ...formatted, extensions };
    if (isPublicCode(code)) return { ...formatted, extensions };
    return {
      message: "Internal server error",
      ...(formatted.path === undefined ? {} : { path: formatted.path }),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
