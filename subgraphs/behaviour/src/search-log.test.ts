import { describe, expect, it } from "vitest";
import { createLogger } from "@aisle/kit";
import { MemorySearchLog, openSearchLog, type SearchImpression } from "./search-log.ts";

const impression = (n: number): SearchImpression => ({
  searchId: `search-${n}`,
  query: `q${n}`,
  firstPosition: 1,
  productIds: [`p${n}`],
  modelVersion: "test@1",
  at: n,
});

describe("MemorySearchLog", () => {
  it("pages through what was recorded, in order, and keeps only the most recent entries", async () => {
    const log = new MemorySearchLog(3);
    for (let n = 1; n <= 5; n += 1) log.record(impression(n));
    const first = await log.range(null, 2);
    expect(first.entries.map((e) => e.searchId)).toEqual(["search-3", "search-4"]);
    const rest = await log.range(first.next, 10);
    expect(rest.entries.map((e) => e.searchId)).toEqual(["search-5"]);
    expect(await log.range(rest.next, 10)).toEqual({ entries: [], next: rest.next });
  });
});

describe("openSearchLog", () => {
  it("follows SEARCH_LOG and refuses an unknown value", () => {
    const log = createLogger("t", "silent");
    expect(openSearchLog({}, log).kind).toBe("memory");
    expect(openSearchLog({ SEARCH_LOG: "off" }, log).kind).toBe("off");
    expect(() => openSearchLog({ SEARCH_LOG: "kafka" }, log)).toThrow(/SEARCH_LOG/);
  });
});
