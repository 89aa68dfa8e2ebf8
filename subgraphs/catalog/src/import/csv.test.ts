import { describe, expect, it } from "vitest";
import { parseCsv, parseCsvRows } from "./csv.ts";

describe("parseCsvRows", () => {
  it("splits plain fields and keeps empty ones", () => {
    expect(parseCsvRows("a,b,,d\n1,2,3,4\n")).toEqual([
      { line: 1, cells: ["a", "b", "", "d"] },
      { line: 2, cells: ["1", "2", "3", "4"] },
    ]);
  });

  it("handles quoted commas, escaped quotes and CRLF", () => {
    expect(parseCsvRows('"a, b","say ""hi""",c\r\nx,"",z\r\n')).toEqual([
      { line: 1, cells: ["a, b", 'say "hi"', "c"] },
      { line: 2, cells: ["x", "", "z"] },
    ]);
  });

  it("keeps line breaks inside quotes and reports where each record starts", () => {
    const rows = parseCsvRows('h1,h2\n"one\ntwo\r\nthree",x\nnext,y');
    expect(rows).toEqual([
      { line: 1, cells: ["h1", "h2"] },
      { line: 2, cells: ["one\ntwo\r\nthree", "x"] },
      { line: 5, cells: ["next", "y"] },
    ]);
  });

  it("skips blank lines, a BOM and a missing final newline", () => {
    expect(parseCsvRows("\uFEFFa,b\n\n   \r\nc,d")).toEqual([
      { line: 1, cells: ["a", "b"] },
      { line: 4, cells: ["c", "d"] },
    ]);
  });

  it("flags an unterminated quote and text after a closing quote", () => {
    expect(parseCsvRows('a,"open\nstill open')[0]).toMatchObject({
      line: 1,
      problem: expect.stringMatching(/unterminated/),
    });
    expect(parseCsvRows('a,"b"c,d\n')[0]).toMatchObject({
      cells: ["a", "bc", "d"],
      problem: expect.stringMatching(/field 2/),
    });
  });

  it("keeps a stray quote inside an unquoted field", () => {
    expect(parseCsvRows('5" screen,x')).toEqual([{ line: 1, cells: ['5" screen', "x"] }]);
  });
});

describe("parseCsv", () => {
  it("maps cells to header names, keeping empty cells as empty strings", () => {
    expect(parseCsv("id,title\n1,Lamp\n2,\n")).toEqual([
      { ok: true, line: 2, fields: { id: "1", title: "Lamp" } },
      { ok: true, line: 3, fields: { id: "2", title: "" } },
    ]);
  });

  it("rejects rows whose field count differs from the header", () => {
    expect(parseCsv("a,b,c\n1,2\n1,2,3,4\n")).toEqual([
      { ok: false, line: 2, reason: "expected 3 fields as in the header, found 2" },
      { ok: false, line: 3, reason: "expected 3 fields as in the header, found 4" },
    ]);
  });

  it("rejects every row when the header repeats or omits a column name", () => {
    const records = parseCsv("id,id,\n1,2,3\n");
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ ok: false, line: 2 });
    const reason = records[0]?.ok === false ? records[0].reason : "";
    expect(reason).toContain('header names column "id" more than once');
    expect(reason).toContain("header column 3 has no name");
  });

  it("returns nothing for an empty file or a header alone", () => {
    expect(parseCsv("")).toEqual([]);
    expect(parseCsv("id,title\r\n")).toEqual([]);
  });

  it("does not let a __proto__ column change the record's prototype", () => {
    const [record] = parseCsv("__proto__,id\nx,1\n");
    expect(record?.ok && Object.getPrototypeOf(record.fields)).toBe(Object.prototype);
    expect(record?.ok && Object.keys(record.fields)).toEqual(["__proto__", "id"]);
  });
});
