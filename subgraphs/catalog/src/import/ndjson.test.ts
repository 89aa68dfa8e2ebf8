import { describe, expect, it } from "vitest";
import { parseNdjson } from "./ndjson.ts";

describe("parseNdjson", () => {
  it("reads one object per line, skipping blank lines but counting them", () => {
    expect(parseNdjson('{"id":"a"}\n\n  \r\n{"id":"b"}\r\n')).toEqual([
      { ok: true, line: 1, fields: { id: "a" } },
      { ok: true, line: 4, fields: { id: "b" } },
    ]);
  });

  it("turns invalid JSON and non-objects into failed records with their line", () => {
    const records = parseNdjson('{"id":\n[1,2]\n"text"\nnull\n{"id":"a"} trailing');
    expect(records.map((r) => [r.line, r.ok])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, false],
    ]);
    expect(records[0]).toMatchObject({ reason: expect.stringMatching(/^invalid JSON/) });
    expect(records[1]).toMatchObject({ reason: "row must be a JSON object" });
  });

  it("ignores a byte order mark at the start", () => {
    expect(parseNdjson('\uFEFF{"id":"a"}')).toEqual([{ ok: true, line: 1, fields: { id: "a" } }]);
  });
});
