import { describe, expect, it } from "vitest";
import { GraphQLError } from "graphql";
import { failureCodeOf, failureLoggingPlugin, formatErrorFor } from "./errors.ts";
import { createCapturingLogger } from "./logger.ts";
import { inRequestScope } from "./request-scope.ts";

describe("formatErrorFor", () => {
  const internal = {
    message: "connect ECONNREFUSED 10.0.0.7:6379",
    extensions: { code: "SOMETHING_ODD", stacktrace: ["at x"] },
  };
  const coded = {
    message: 'Product "p-0" was not found',
    path: ["product"],
    extensions: { code: "NOT_FOUND", stacktrace: ["at y"] },
  };

  it("masks uncoded internal errors in production, keeping the path", () => {
    expect(formatErrorFor(true)({ ...internal, path: ["a"] })).toEqual({
      message: "Internal server error",
      path: ["a"],
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
  });

  it("masks INTERNAL_SERVER_ERROR in production too, naming the request to quote", () => {
    const leaky = {
      message: "Cannot read properties of undefined (reading 'country')",
      path: ["product", "availability"],
      extensions: { code: "INTERNAL_SERVER_ERROR", stacktrace: ["TypeError: Cannot read", "at z"] },
    };
    const masked = inRequestScope("req-42", () => formatErrorFor(true)(leaky));
    expect(masked).toEqual({
      message: "Internal server error",
      path: ["product", "availability"],
      extensions: { code: "INTERNAL_SERVER_ERROR", requestId: "req-42" },
    });
    const outsideARequest = formatErrorFor(true)({ message: "ERR Connection is closed." });
    expect(outsideARequest).toEqual({
      message: "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
  });

  it("keeps public codes and messages in production but drops stack traces", () => {
    expect(formatErrorFor(true)(coded)).toEqual({ ...coded, extensions: { code: "NOT_FOUND" } });
  });

  it("shows everything in development", () => {
    expect(formatErrorFor(false)(internal)).toEqual(internal);
  });
});

describe("formatErrorFor on validation errors", () => {
  it("gives an operation limit's own code back after Apollo overwrote it", async () => {
    const { GraphQLError } = await import("graphql");
    const limit = new GraphQLError("Query depth limit of 12 exceeded", {
      extensions: { code: "QUERY_TOO_DEEP" },
    });
    const wrapped = new GraphQLError(limit.message, {
      originalError: limit,
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
    const formatted = { message: limit.message, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } };
    expect(formatErrorFor(true)(formatted, wrapped).extensions?.["code"]).toBe("QUERY_TOO_DEEP");
    const plain = new GraphQLError("Cannot query field", {
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
    expect(formatErrorFor(true)(formatted, plain).extensions?.["code"]).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("failureCodeOf", () => {
  const withCode = (code?: unknown) =>
    new GraphQLError("x", code === undefined ? {} : { extensions: { code } });

  it("picks internal errors, unknown codes and dependency failures", () => {
    expect(failureCodeOf(withCode())).toBe("INTERNAL_SERVER_ERROR");
    expect(failureCodeOf(withCode("INTERNAL_SERVER_ERROR"))).toBe("INTERNAL_SERVER_ERROR");
    expect(failureCodeOf(withCode("UNAVAILABLE"))).toBe("UNAVAILABLE");
    expect(failureCodeOf(withCode("TIMEOUT"))).toBe("TIMEOUT");
    expect(failureCodeOf(withCode("DOWNSTREAM_SERVICE_ERROR"))).toBe("DOWNSTREAM_SERVICE_ERROR");
  });

  it("leaves client errors alone", () => {
    for (const code of [
      "BAD_USER_INPUT",
      "NOT_FOUND",
      "FORBIDDEN",
      "UNAUTHORIZED",
      "GRAPHQL_VALIDATION_FAILED",
    ]) {
      expect(failureCodeOf(withCode(code))).toBeUndefined();
    }
  });
});

describe("failureLoggingPlugin", () => {
  it("logs a context factory that crashed, once, with the request id; not a coded refusal", async () => {
    const { log, lines } = createCapturingLogger("catalog");
    const plugin = failureLoggingPlugin<object>({ service: "catalog", log, requestIdOf: () => undefined });
    await inRequestScope("ctx-1", async () => {
      await plugin.contextCreationDidFail?.({ error: new Error("connect ECONNREFUSED 127.0.0.1:6379") });
      await plugin.contextCreationDidFail?.({ error: withCode("UNAUTHENTICATED") });
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "error",
      requestId: "ctx-1",
      subgraph: "catalog",
      code: "INTERNAL_SERVER_ERROR",
      err: { message: "connect ECONNREFUSED 127.0.0.1:6379" },
    });
  });
});

function withCode(code: string): GraphQLError {
  return new GraphQLError(code, { extensions: { code } });
}
