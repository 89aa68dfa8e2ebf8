import { describe, expect, it } from "vitest";
import type { SearchDocument } from "../retrieval/documents.ts";
import { QueryUnderstanding } from "./query-understanding.ts";
import { Synonyms } from "./synonyms.ts";

const doc = (id: string, title: string, extra: Partial<SearchDocument> = {}): SearchDocument => ({
  id,
  title,
  description: "",
  categoryId: "c-sneakers",
  categoryName: "Sneakers",
  categoryPath: ["c-fashion", "c-sneakers"],
  brandId: "b-acme",
  brandName: "Acme Works",
  attributes: [{ name: "Color", value: "Black" }],
  priceMinor: 5999,
  popularity: 1,
  createdAt: "",
  ...extra,
});

const docs = [
  doc("1", "Acme Works Low-Top Sneakers, Black"),
  doc("2", "Acme Works Canvas Sneakers, White", { attributes: [{ name: "Color", value: "White" }] }),
  doc("3", "Brightline Ceramic Mug, Black", {
    categoryId: "c-mugs",
    categoryName: "Mugs",
    categoryPath: ["c-kitchen", "c-mugs"],
    brandId: "b-bright",
    brandName: "Brightline",
    attributes: [{ name: "Finish", value: "Black" }],
  }),
];
const categories = [
  { id: "c-sneakers", name: "Sneakers" },
  { id: "c-mugs", name: "Mugs" },
];
const understanding = new QueryUnderstanding(
  docs,
  categories,
  Synonyms.parse("sneakers, trainers\nmug => cup\n"),
);

describe("QueryUnderstanding", () => {
  it("corrects misspelt words to catalogue words and leaves known words, numbers and short words", () => {
    const u = understanding.understand("blak snekers");
    expect(u.correctedQuery).toBe("black sneakers");
    expect(understanding.correct("sneaker")).toBe("sneaker");
    expect(understanding.correct("xj9")).toBe("xj9");
    expect(understanding.understand("black sneakers").correctedQuery).toBeNull();
  });

  it("extracts price phrases and removes them from the text", () => {
    expect(understanding.understand("sneakers under $50").extracted).toMatchObject({
      priceMaxMinor: 5000,
      priceMinMinor: null,
    });
    expect(understanding.understand("sneakers between 20 and 40").extracted).toMatchObject({
      priceMinMinor: 2000,
      priceMaxMinor: 4000,
    });
    expect(understanding.understand("mug over 10 dollars").text).toBe("mug");
  });

  it("extracts brands and one attribute per value, within the named category", () => {
    const u = understanding.understand("acme works black sneakers");
    expect(u.extracted.brandIds).toEqual(["b-acme"]);
    expect([...u.extracted.attributes]).toEqual([["Color", ["Black"]]]);
    expect(u.lexicalIntent?.id).toBe("c-sneakers");
    expect([...understanding.understand("black mugs").extracted.attributes]).toEqual([["Finish", ["Black"]]]);
  });

  it("expands synonyms both ways for equivalences and one way for rewrites", () => {
    expect(understanding.understand("trainers").expandedSynonyms).toEqual(["sneakers"]);
    expect(understanding.understand("mug").expansions).toEqual(["cup"]);
    expect(understanding.understand("cup").expansions).toEqual([]);
  });
});

describe("Synonyms.parse", () => {
  it("refuses malformed lines, naming the line", () => {
    expect(() => Synonyms.parse("ok, fine\nlonely\n")).toThrow(/line 2/);
    expect(() => Synonyms.parse("a => b => c")).toThrow(/line 1/);
  });
});
