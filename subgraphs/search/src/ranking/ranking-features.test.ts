import { describe, expect, it } from "vitest";
import type { SearchDocument } from "../retrieval/documents.ts";
import { FieldStats, LTR_FEATURES, ltrFeatureRows, type LtrFeature } from "./ranking-features.ts";
import type { Candidate } from "./reranker.ts";

const doc = (id: string, title: string, extra: Partial<SearchDocument> = {}): SearchDocument => ({
  id,
  title,
  description: "",
  categoryId: "",
  categoryName: "",
  categoryPath: [],
  brandId: "",
  brandName: "",
  attributes: [],
  priceMinor: 0,
  popularity: 0,
  createdAt: "",
  ...extra,
});

const docs = [
  doc("a", "SanDisk 16 GB memory card", { description: "A fast memory card for cameras." }),
  doc("b", "Memory foam pillow 16 inch"),
  doc("c", "Kingston 32 GB memory card"),
  doc("d", "Red running shoes", {
    brandId: "b-1",
    brandName: "Nike",
    categoryId: "c-shoes",
    categoryName: "Running Shoes",
    categoryPath: ["c-fashion", "c-shoes"],
    attributes: [{ name: "Color", value: "Red" }],
    priceMinor: 9_999,
    popularity: 0.5,
  }),
];
const stats = new FieldStats(docs);
const candidate = (d: SearchDocument, rank: number): Candidate => ({
  doc: d,
  lexicalScore: 10 - rank,
  lexicalRank: rank,
  similarity: 0.5,
  semanticRank: null,
  fusedScore: 0,
  highlight: null,
});

function features(text: string, list = docs, extra: { intent?: string; brand?: string } = {}) {
  const rows = ltrFeatureRows(
    list.map((d, i) => candidate(d, i)),
    {
      text,
      intentCategoryId: extra.intent ?? null,
      extracted:
        extra.brand === undefined
          ? null
          : { brandIds: [extra.brand], priceMinMinor: null, priceMaxMinor: null, attributes: new Map() },
    },
    stats,
  );
  return list.map((_, i) =>
    Object.fromEntries(LTR_FEATURES.map((f, j) => [f, rows[i * LTR_FEATURES.length + j] as number])),
  ) as Record<LtrFeature, number>[];
}

describe("learned ranker features", () => {
  it("gives one row of LTR_FEATURES per candidate, row-major", () => {
    const rows = ltrFeatureRows(
      docs.map((d, i) => candidate(d, i)),
      { text: "memory card", intentCategoryId: null, extracted: null },
      stats,
    );
    expect(rows).toBeInstanceOf(Float32Array);
    expect(rows.length).toBe(docs.length * LTR_FEATURES.length);
  });

  it("scores phrase, coverage, proximity and numbers: the 16 GB card beats the 32 GB one and the 16 inch pillow", () => {
    const [card16, pillow, card32] = features("16 gb memory card");
    expect(card16?.titlePhrase).toBe(1);
    expect(card32?.titlePhrase).toBe(0);
    expect(card16?.titleCoverage).toBe(1);
    expect(card32?.titleCoverage).toBe(0.75);
    expect(card16?.numberMatch).toBe(1);
    expect(card32?.numberMismatch).toBe(1);
    expect(pillow?.headTermInTitle).toBe(0);
    expect(card16?.headTermInTitle).toBe(1);
    expect(card16?.titleSpan).toBe(1);
    expect(card16?.titleBm25).toBeGreaterThan(card32?.titleBm25 ?? Infinity);
    expect(card16?.descriptionBm25).toBeGreaterThan(0);
    expect(card32?.descriptionBm25).toBe(0);
    expect(card16?.fieldBm25).toBe(1);
  });

  it("measures typos against the title's words", () => {
    const [card16] = features("memroy crad");
    expect(card16?.titleCoverage).toBe(0);
    expect(card16?.fuzzyTitleCoverage).toBe(1);
    expect(card16?.typoDistance).toBe(1);
  });

  it("reads brand, category and attribute fields, the intent and extracted filters", () => {
    const shoes = features("nike red running shoes", docs, { intent: "c-shoes", brand: "b-1" })[3];
    expect(shoes?.brandBm25).toBeGreaterThan(0);
    expect(shoes?.categoryBm25).toBeGreaterThan(0);
    expect(shoes?.attributesBm25).toBeGreaterThan(0);
    expect(shoes?.metaCoverage).toBe(1);
    expect(shoes?.categoryIntent).toBe(1);
    expect(shoes?.filterMatch).toBe(1);
    expect(shoes?.logPrice).toBeCloseTo(Math.log1p(99.99), 4);
    expect(shoes?.popularity).toBe(0.5);
    const card = features("nike red running shoes", docs, { intent: "c-shoes", brand: "b-1" })[0];
    expect(card?.categoryIntent).toBe(0);
    expect(card?.filterMatch).toBe(0);
  });

  it("takes the per-field BM25 an engine supplies for a candidate, and computes it for one without", () => {
    const supplied = { title: 7, description: 0.5, brand: 0, category: 2, attributes: 1 };
    const rows = ltrFeatureRows(
      [
        { ...candidate(docs[0] as SearchDocument, 0), fieldScores: supplied },
        candidate(docs[2] as SearchDocument, 1),
      ],
      { text: "memory card", intentCategoryId: null, extracted: null },
      stats,
    );
    const at = (row: number, f: LtrFeature) => rows[row * LTR_FEATURES.length + LTR_FEATURES.indexOf(f)];
    expect([
      at(0, "titleBm25"),
      at(0, "descriptionBm25"),
      at(0, "brandBm25"),
      at(0, "categoryBm25"),
      at(0, "attributesBm25"),
    ]).toEqual([7, 0.5, 0, 2, 1]);
    const own = features("memory card")[2];
    expect(at(1, "titleBm25")).toBeCloseTo(own?.titleBm25 ?? NaN, 6);
    expect(own?.titleBm25).toBeGreaterThan(0);
    // The served boosts weight the fields: title 3, description 0.5, brand 2, category 2, attributes 1.
    expect(at(0, "fieldBm25Log")).toBeCloseTo(Math.log1p(3 * 7 + 0.5 * 0.5 + 2 * 2 + 1), 5);
  });

  it("reads no engine's own score: the same rows whatever BM25 the engine gave (MiniSearch's or Lucene's)", () => {
    const query = { text: "16 gb memory card", intentCategoryId: null, extracted: null };
    const own = ltrFeatureRows(
      docs.map((d, i) => candidate(d, i)),
      query,
      stats,
    );
    const scaled = ltrFeatureRows(
      docs.map((d, i) => ({ ...candidate(d, i), lexicalScore: (10 - i) * (1.4 + i) })),
      query,
      stats,
    );
    expect([...scaled]).toEqual([...own]);
  });
});
