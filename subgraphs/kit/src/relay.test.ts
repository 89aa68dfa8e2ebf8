import { describe, expect, it } from "vitest";
import { GraphQLError } from "graphql";
import { decodeCursor, encodeCursor, pageOf } from "./relay.ts";

const items = Array.from({ length: 7 }, (_, i) => `item-${i}`);

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error instanceof GraphQLError ? error.extensions["code"] : error;
  }
  return undefined;
}

describe("pageOf", () => {
  it("walks a list page by page with opaque cursors", () => {
    const first = pageOf(items, "s", { first: 3 });
    expect(first.edges.map((e) => e.node)).toEqual(["item-0", "item-1", "item-2"]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.edges[0]?.cursor).not.toContain("0");
    const second = pageOf(items, "s", { first: 3, after: first.pageInfo.endCursor });
    expect(second.edges.map((e) => e.node)).toEqual(["item-3", "item-4", "item-5"]);
    const last = pageOf(items, "s", { first: 3, after: second.pageInfo.endCursor });
    expect(last.edges.map((e) => e.node)).toEqual(["item-6"]);
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(last.totalCount).toBe(7);
  });

  it("returns an empty page past the end and for first = 0", () => {
    expect(pageOf(items, "s", { first: 3, after: encodeCursor("s", 6) }).edges).toEqual([]);
    expect(pageOf(items, "s", { first: 0 }).pageInfo).toMatchObject({ startCursor: null, endCursor: null });
  });

  it("refuses page sizes outside 0..100 and cursors from another list", () => {
    expect(codeOf(() => pageOf(items, "s", { first: 101 }))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => pageOf(items, "s", { first: -1 }))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => pageOf(items, "s", { first: 2, after: encodeCursor("other", 1) }))).toBe(
      "BAD_USER_INPUT",
    );
    expect(codeOf(() => pageOf(items, "s", { first: 2, after: "not a cursor" }))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => decodeCursor("s", Buffer.from("aisle:v1:s:-4").toString("base64url")))).toBe(
      "BAD_USER_INPUT",
    );
  });
});
