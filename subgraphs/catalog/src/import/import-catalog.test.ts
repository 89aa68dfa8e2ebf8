import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoWorld } from "@aisle/world";
import { afterAll, describe, expect, it } from "vitest";
import { acceptedAsRows, toNdjson } from "./export-rows.ts";
import { importCatalog } from "./import-catalog.ts";
import { loadImportedCatalog } from "./load.ts";
import { goodRow, TEST_NOW, tinyCatalog } from "./test-catalog.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const world = demoWorld();
const now = TEST_NOW;
const lines = (rows: readonly Record<string, unknown>[]) => rows.map((row) => JSON.stringify(row)).join("\n");

describe("importCatalog on the fixtures", () => {
  it("accepts every row of good.ndjson, with a replacement and a new brand in two categories", () => {
    const result = importCatalog(fixture("good.ndjson"), "ndjson", world, { now });
    expect(result.rejected).toEqual([]);
    expect(result.total).toBe(5);
    expect(result.accepted.map((p) => p.id)).toEqual([
      "ext-1001",
      "p-42",
      "ext-1002",
      "ext-1003",
      "ext-1004",
    ]);
    expect(result.replaced).toEqual(["p-42"]);
    expect(result.newBrands).toEqual([
      { id: "b-lumen-loom", name: "Lumen & Loom", tier: "mid", categoryIds: ["c-bedding", "c-bath-towels"] },
    ]);
    expect(result.updatedBrands).toEqual([]);
    expect(result.accepted[1]?.listPrice.amountMinor).toBe(3950);
    expect(result.accepted[4]).toMatchObject({ brandId: "b-pelley", createdAt: now.toISOString() });
  });

  it("reports each bad row of malformed.ndjson with its line and reasons", () => {
    const result = importCatalog(fixture("malformed.ndjson"), "ndjson", world, { now });
    expect(result.total).toBe(14);
    expect(result.accepted.map((p) => p.id)).toEqual(["ext-2001", "ext-2006", "ext-2013", "p-7"]);
    expect(result.replaced).toEqual(["p-7"]);
    expect(result.accepted[3]?.brandId).toBe("b-stenara");
    expect(result.rejected).toEqual([
      { line: 2, reasons: [expect.stringMatching(/^invalid JSON/)] },
      { line: 3, id: "ext-2003", reasons: ["title is required"] },
      { line: 4, id: "ext-2004", reasons: ['categoryId "c-hoverboards" is not a known category'] },
      {
        line: 5,
        id: "ext-2005",
        reasons: [expect.stringMatching(/^categoryId "c-electronics" is not a leaf category/)],
      },
      { line: 7, id: "ext-2007", reasons: ["listPrice must be greater than 0, got -5.00"] },
      { line: 8, id: "ext-2008", reasons: ['currency must be "USD", got "EUR"'] },
      { line: 9, id: "ext-2009", reasons: ['unknown field "colour"'] },
      { line: 11, id: "ext-2001", reasons: ["duplicate id, first seen on line 1"] },
      { line: 12, id: "ext-2012", reasons: ["createdAt 2999-01-01 is in the future"] },
      {
        line: 14,
        id: "ext-2014",
        reasons: [
          "sku is required",
          "title is required",
          expect.stringMatching(/^brand "b-nonexistent" is not a known brand id/),
          "listPrice must have at most 2 decimal places, got 12.345",
          'currency must be "USD", got "usd"',
          'imageUrls[1] must be an https URL, got "http://insecure.example/lamp.jpg"',
          "attributes.Height must be a string, got 18",
        ],
      },
    ]);
  });

  it("reports each bad row of malformed.csv at the physical line where it starts", () => {
    const result = importCatalog(fixture("malformed.csv"), "csv", world, { now });
    expect(result.total).toBe(13);
    expect(result.accepted.map((p) => p.id)).toEqual(["ext-3001", "ext-3002", "ext-3006", "ext-3014"]);
    const [earbuds, sheets, mat] = result.accepted;
    expect(earbuds?.title).toBe("Halova Air Earbuds, Black");
    expect(earbuds?.imageUrls).toHaveLength(2);
    expect(sheets?.description).toBe("Crisp and cool.\nSecond paragraph after a line break.");
    expect(mat?.title).toBe('Dalora "Grip" Yoga Mat, Sand');
    expect(mat?.listPrice.amountMinor).toBe(3450);
    expect(result.rejected.map((r) => [r.line, r.reasons.length])).toEqual([
      [5, 1],
      [6, 1],
      [7, 1],
      [9, 1],
      [10, 1],
      [12, 1],
      [13, 1],
      [14, 1],
      [15, 6],
    ]);
    expect(result.rejected.find((r) => r.line === 12)?.reasons).toEqual([
      "duplicate id, first seen on line 2",
    ]);
    expect(result.rejected.find((r) => r.line === 14)?.reasons).toEqual([
      "expected 11 fields as in the header, found 6",
    ]);
    expect(result.rejected.find((r) => r.line === 15)?.reasons).toEqual([
      "sku is required",
      "listPrice must have at most 2 decimal places, got 12.345",
      'currency must be "USD", got "usd"',
      'imageUrls[1] must be an https URL, got "http://insecure.example/lamp.jpg"',
      'attributes entry "Height" must look like name=value',
      expect.stringMatching(/^createdAt must be an ISO-8601 date/),
    ]);
  });
});

describe("importCatalog", () => {
  const base = tinyCatalog();

  it("returns an empty result for an empty file or one with no good rows", () => {
    expect(importCatalog("", "ndjson", base, { now })).toEqual({
      accepted: [],
      newBrands: [],
      updatedBrands: [],
      replaced: [],
      rejected: [],
      total: 0,
    });
    const bad = importCatalog("nope\n{}\n", "ndjson", base, { now });
    expect(bad.accepted).toEqual([]);
    expect(bad.rejected.map((r) => r.line)).toEqual([1, 2]);
    expect(bad.total).toBe(2);
  });

  it("never throws on hostile input", () => {
    const inputs = [
      '"',
      "\u0000",
      "[]\n1\nnull",
      '{"__proto__":{"x":1}}',
      '{"id":{"toString":1}}',
      'a,b\n"',
      ",,,\n",
    ];
    for (const text of inputs) {
      expect(() => importCatalog(text, "ndjson", base, { now })).not.toThrow();
      expect(() => importCatalog(text, "csv", base, { now })).not.toThrow();
    }
  });

  it("rejects a later duplicate even when the first row with that id was rejected", () => {
    const result = importCatalog(lines([goodRow({ listPrice: "x" }), goodRow()]), "ndjson", base, { now });
    expect(result.accepted).toEqual([]);
    expect(result.rejected.map((r) => [r.line, r.reasons[0]])).toEqual([
      [1, expect.stringMatching(/^listPrice/)],
      [2, "duplicate id, first seen on line 1"],
    ]);
  });

  it("replaces a base product with the same id and leaves the base untouched", () => {
    const before = JSON.stringify(base);
    const result = importCatalog(lines([goodRow({ id: "p-1", listPrice: "59" })]), "ndjson", base, { now });
    expect(result.replaced).toEqual(["p-1"]);
    expect(result.accepted[0]).toMatchObject({ id: "p-1", listPrice: { amountMinor: 5900 } });
    expect(JSON.stringify(base)).toBe(before);
  });

  it("widens an existing brand that the file sells in a new category", () => {
    const result = importCatalog(
      lines([goodRow({ id: "a", categoryId: "c-rugs" }), goodRow({ id: "b", categoryId: "c-rugs" })]),
      "ndjson",
      base,
      { now },
    );
    expect(result.newBrands).toEqual([]);
    expect(result.updatedBrands).toEqual([
      { id: "b-lumen", name: "Lumen", tier: "premium", categoryIds: ["c-lamps", "c-rugs"] },
    ]);
  });

  it("creates one brand per new name, however it is spelled", () => {
    const result = importCatalog(
      lines([
        goodRow({ id: "a", brand: "Oak & Ash" }),
        goodRow({ id: "b", brand: "OAK & ASH", categoryId: "c-rugs" }),
        goodRow({ id: "c", brand: "oak ash" }),
      ]),
      "ndjson",
      base,
      { now },
    );
    expect(result.rejected).toEqual([]);
    expect(result.newBrands).toEqual([
      { id: "b-oak-ash", name: "Oak & Ash", tier: "mid", categoryIds: ["c-lamps", "c-rugs"] },
    ]);
    expect(result.accepted.every((p) => p.brandId === "b-oak-ash")).toBe(true);
  });
});

describe("accepted rows written back", () => {
  const dir = mkdtemp(join(tmpdir(), "aisle-import-"));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it("import again to the same products, brands and replacements (loadImportedCatalog)", async () => {
    const first = importCatalog(fixture("good.ndjson"), "ndjson", world, { now });
    const path = join(await dir, "accepted.ndjson");
    await writeFile(path, toNdjson(acceptedAsRows(first)));
    const again = await loadImportedCatalog(path, world, { now: new Date("2030-01-01T00:00:00Z") });
    expect(again).toEqual(first);
  });

  it("fail to load from a file whose format cannot be told", async () => {
    await expect(loadImportedCatalog("catalog.xlsx", world)).rejects.toThrow(/cannot tell the format/);
    await expect(loadImportedCatalog(join(await dir, "missing.csv"), world)).rejects.toThrow(/ENOENT/);
  });
});
