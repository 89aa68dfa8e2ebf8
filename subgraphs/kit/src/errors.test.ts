import { describe, expect, it } from "vitest";
import { formatErrorFor } from "./errors.ts";

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
