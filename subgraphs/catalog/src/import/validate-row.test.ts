import { describe, expect, it } from "vitest";
import { goodRow, TEST_NOW, tinyCatalog } from "./test-catalog.ts";
import { createValidationContext, validateRow, type RowValidation } from "./validate-row.ts";

const ndjson = createValidationContext(tinyCatalog(), "ndjson", { now: TEST_NOW });
const csv = createValidationContext(tinyCatalog(), "csv", { now: TEST_NOW });

function reasonsOf(result: RowValidation): readonly string[] {
  return result.ok ? [] : result.reasons;
}

describe("validateRow", () => {
  it("builds a product from a complete row", () => {
    const result = validateRow(
      goodRow({
        title: "  Lumen Arc Floor Lamp, Black ",
        description: "Tall.\r\nAnd bright.",
        imageUrls: ["https://cdn.example/1.jpg", "https://cdn.example/2.jpg"],
        attributes: { Finish: "Matte Black", Height: " 65 in " },
        createdAt: "2025-03-14T09:30:00+02:00",
      }),
      4,
      ndjson,
    );
    expect(result).toEqual({
      ok: true,
      product: {
        id: "ext-1",
        sku: "EXT-1",
        title: "Lumen Arc Floor Lamp, Black",
        description: "Tall.\nAnd bright.",
        categoryId: "c-lamps",
        brandId: "b-lumen",
        attributes: [
          { name: "Finish", value: "Matte Black" },
          { name: "Height", value: "65 in" },
        ],
        imageUrls: ["https://cdn.example/1.jpg", "https://cdn.example/2.jpg"],
        listPrice: { amountMinor: 12999, currency: "USD" },
        createdAt: "2025-03-14T07:30:00.000Z",
      },
    });
  });

  it("fills optional fields with defaults: empty description, no images or attributes, createdAt = now", () => {
    const result = validateRow(goodRow({ description: null, imageUrls: null }), 1, ndjson);
    expect(result.ok && result.product).toMatchObject({
      description: "",
      imageUrls: [],
      attributes: [],
      createdAt: TEST_NOW.toISOString(),
    });
  });

  it.each([
    ["missing id", { id: undefined }, "id is required"],
    ["bad id characters", { id: "ext 1!" }, /^id must be 1–64 characters/],
    ["id too long", { id: "x".repeat(65) }, /^id must be 1–64 characters/],
    ["numeric id", { id: 17 }, "id must be a string, got 17"],
    ["missing sku", { sku: "" }, "sku is required"],
    ["sku with spaces", { sku: "EXT 1" }, /^sku must be 1–64 characters without spaces/],
    ["missing title", { title: undefined }, "title is required"],
    ["blank title", { title: "   " }, "title must be 1–300 characters, got 0"],
    ["long title", { title: "t".repeat(301) }, "title must be 1–300 characters, got 301"],
    [
      "unknown category",
      { categoryId: "c-hoverboards" },
      'categoryId "c-hoverboards" is not a known category',
    ],
    ["department instead of leaf", { categoryId: "c-home" }, /^categoryId "c-home" is not a leaf category/],
    ["missing brand", { brand: undefined }, "brand is required"],
    ["unknown brand id", { brand: "b-nope" }, /^brand "b-nope" is not a known brand id/],
    ["brand without letters", { brand: "&&" }, /^brand must be a brand id or a name/],
    ["missing price", { listPrice: undefined }, "listPrice is required"],
    ["negative price", { listPrice: "-5.00" }, "listPrice must be greater than 0, got -5.00"],
    ["zero price", { listPrice: 0 }, "listPrice must be greater than 0, got 0"],
    ["three decimals", { listPrice: "1.234" }, "listPrice must have at most 2 decimal places, got 1.234"],
    ["too expensive", { listPrice: "1000000.01" }, "listPrice must be at most 1000000, got 1000000.01"],
    ["thousands separator", { listPrice: "1,299.00" }, /^listPrice must be a decimal amount like 19.99/],
    ["boolean price", { listPrice: true }, /^listPrice must be a number or a decimal string, got true/],
    ["huge number", { listPrice: 1e21 }, /^listPrice must be a decimal amount/],
    ["missing currency", { currency: undefined }, "currency is required"],
    ["other currency", { currency: "EUR" }, 'currency must be "USD", got "EUR"'],
    ["lowercase currency", { currency: "usd" }, 'currency must be "USD", got "usd"'],
    [
      "long description",
      { description: "d".repeat(5001) },
      "description must be at most 5000 characters, got 5001",
    ],
    ["image list as string", { imageUrls: "https://x.example/a.jpg" }, /^imageUrls must be an array of URLs/],
    ["http image", { imageUrls: ["http://x.example/a.jpg"] }, /^imageUrls\[1\] must be an https URL/],
    [
      "relative image",
      { imageUrls: ["https://x.example/a.jpg", "/b.jpg"] },
      /^imageUrls\[2\] must be an https URL/,
    ],
    ["attributes as array", { attributes: ["a"] }, /^attributes must be an object/],
    ["non-string attribute", { attributes: { Height: 18 } }, "attributes.Height must be a string, got 18"],
    ["empty attribute value", { attributes: { Height: " " } }, /^attributes.Height must be 1–500 characters/],
    ["unparseable createdAt", { createdAt: "yesterday" }, /^createdAt must be an ISO-8601 date/],
    ["impossible date", { createdAt: "2025-02-30" }, /^createdAt must be an ISO-8601 date/],
    ["date-time without zone", { createdAt: "2025-02-03T10:00:00" }, /^createdAt must be an ISO-8601 date/],
    [
      "future createdAt",
      { createdAt: "2026-06-01T12:00:01Z" },
      "createdAt 2026-06-01T12:00:01Z is in the future",
    ],
    ["unknown field", { colour: "red" }, 'unknown field "colour"'],
    ["miscased field", { Title: "x" }, 'unknown field "Title" (did you mean "title"?)'],
  ])("rejects %s with a reason naming the field", (_, overrides, expected) => {
    const row = goodRow(overrides);
    for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete row[key];
    const result = validateRow(row, 7, ndjson);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ line: 7 });
    expect(reasonsOf(result)).toHaveLength(1);
    if (typeof expected === "string") expect(reasonsOf(result)[0]).toBe(expected);
    else expect(reasonsOf(result)[0]).toMatch(expected);
  });

  it("collects every reason of a row, not just the first", () => {
    const result = validateRow(
      {
        id: "bad id",
        title: "",
        categoryId: "c-home",
        brand: "b-nope",
        listPrice: "-1.001",
        currency: "EUR",
        extra: 1,
      },
      3,
      ndjson,
    );
    expect(result).toEqual({
      ok: false,
      line: 3,
      reasons: [
        'unknown field "extra"',
        expect.stringMatching(/^id must be/),
        "sku is required",
        "title is required",
        expect.stringMatching(/^categoryId "c-home" is not a leaf/),
        expect.stringMatching(/^brand "b-nope"/),
        "listPrice must be greater than 0, got -1.001",
        "listPrice must have at most 2 decimal places, got -1.001",
        'currency must be "USD", got "EUR"',
      ],
    });
  });

  it("reads exact cents from strings and numbers", () => {
    const cents = (listPrice: unknown) => {
      const result = validateRow(goodRow({ listPrice }), 1, ndjson);
      return result.ok ? result.product.listPrice.amountMinor : reasonsOf(result);
    };
    expect(cents("19.99")).toBe(1999);
    expect(cents(19.99)).toBe(1999);
    expect(cents(0.29)).toBe(29);
    expect(cents("20")).toBe(2000);
    expect(cents("0.5")).toBe(50);
    expect(cents(" 007.10 ")).toBe(710);
    expect(cents("1000000")).toBe(100_000_000);
  });

  it("accepts dates and date-times with a zone, and normalises them to UTC", () => {
    const createdAt = (value: string) => {
      const result = validateRow(goodRow({ createdAt: value }), 1, ndjson);
      return result.ok ? result.product.createdAt : reasonsOf(result);
    };
    expect(createdAt("2024-02-29")).toBe("2024-02-29T00:00:00.000Z");
    expect(createdAt("2025-01-02T03:04Z")).toBe("2025-01-02T03:04:00.000Z");
    expect(createdAt("2025-01-02T03:04:05.678-05:30")).toBe("2025-01-02T08:34:05.678Z");
    expect(createdAt("2026-06-01T12:00:00Z")).toBe("2026-06-01T12:00:00.000Z");
  });

  describe("brand", () => {
    it("finds an existing brand by id or by name", () => {
      for (const brand of ["b-lumen", "Lumen", "  lumen "]) {
        const result = validateRow(goodRow({ brand }), 1, ndjson);
        expect(result).toMatchObject({ ok: true, product: { brandId: "b-lumen" } });
        expect(result.ok && result.newBrand).toBeUndefined();
      }
    });

    it("creates a mid-tier brand from a new name, selling in the row's category", () => {
      const result = validateRow(goodRow({ brand: "Nordvik  Home & Co.", categoryId: "c-rugs" }), 1, ndjson);
      expect(result).toMatchObject({
        ok: true,
        product: { brandId: "b-nordvik-home-co" },
        newBrand: {
          id: "b-nordvik-home-co",
          name: "Nordvik Home & Co.",
          tier: "mid",
          categoryIds: ["c-rugs"],
        },
      });
    });
  });

  describe("CSV rows", () => {
    it("treat empty cells as absent and parse | separated URLs and name=value attributes", () => {
      const result = validateRow(
        goodRow({
          description: "",
          imageUrls: "https://cdn.example/1.jpg | https://cdn.example/2.jpg",
          attributes: "Finish=Matte Black; Height = 65 in;;Note=a=b",
          createdAt: "",
        }),
        2,
        csv,
      );
      expect(result.ok && result.product).toMatchObject({
        description: "",
        imageUrls: ["https://cdn.example/1.jpg", "https://cdn.example/2.jpg"],
        attributes: [
          { name: "Finish", value: "Matte Black" },
          { name: "Height", value: "65 in" },
          { name: "Note", value: "a=b" },
        ],
        createdAt: TEST_NOW.toISOString(),
      });
    });

    it("reject malformed attribute lists and repeated names", () => {
      const result = validateRow(goodRow({ attributes: "Finish;Color=Red;Color=Blue" }), 2, csv);
      expect(reasonsOf(result)).toEqual([
        'attributes entry "Finish" must look like name=value',
        'attributes name "Color" is given more than once',
      ]);
    });

    it("report a column outside the format as an unknown field, even when empty", () => {
      expect(reasonsOf(validateRow(goodRow({ colour: "" }), 2, csv))).toEqual(['unknown field "colour"']);
    });
  });
});
