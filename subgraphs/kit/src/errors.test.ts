import { describe, expect, it } from "vitest";
import { formatErrorFor } from "./errors.ts";

describe("formatErrorFor", () => {
  const internal = { message: "connect ECONNREFUSED 10.0.0.7:6379", extensions: { code: "SOMETHING_ODD", stacktrace: ["at x"] } };
  const coded = { message: "Product \"p-0\" was not found", path: ["product"], extensions: { code: "NOT_FOUND", stacktrace: ["at y"] } };

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
