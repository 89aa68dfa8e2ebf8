import { describe, expect, it } from "vitest";
import { NO_FILTERS } from "../backends/backend.ts";
import type { SearchDocument } from "../retrieval/documents.ts";
import {
  merchandisingWeight,
  NO_MERCHANDISING,
  RankMerchandising,
  type Merchandising,
} from "./merchandising.strategy.ts";
import { facetUsefulness } from "../search.service.ts";

const doc = (id: string, brandId: string, categoryPath: string[], color = "Red"): SearchDocument => ({
  id,
  title: id,
  description: "",
  categoryId: categoryPath.at(-1) ?? "",
  categoryName: "",
  categoryPath,
  brandId,
  brandName: brandId,
  attributes: [{ name: "Color", value: color }],
  priceMinor: 1000,
  popularity: 0,
  createdAt: "",
});
/** Twenty hits in relevance order: d0 (brand b0) … d19, brands b0..b4 in turn, all in c-a except every fifth in c-b. */
const ranked = Array.from({ length: 20 }, (_, i) => ({
  doc: doc(`d${i}`, `b${i % 5}`, ["c-root", i % 5 === 4 ? "c-b" : "c-a"], i === 12 ? "Black" : "Red"),
  score: 100 - i,
}));
const order = (m: Merchandising, pinned: typeof ranked = []) =>
  new RankMerchandising().apply(ranked, m, pinned).ranked.map((c) => c.doc.id);

describe("RankMerchandising", () => {
  it("keeps the relevance order without rules", () => {
    expect(order(NO_MERCHANDISING)).toEqual(ranked.map((c) => c.doc.id));
  });

  it("halves a boosted product's position per unit of weight, and doubles a buried one's", () => {
    // d10 at position 10: weight 1 puts it at -log2(12) + 1 = -log2(6): level with position 4, after it (ties keep relevance order).
    const boosted = order({ ...NO_MERCHANDISING, rules: [{ field: "product", values: ["d10"], weight: 1 }] });
    expect(boosted.indexOf("d10")).toBe(5);
    // d1 at position 1 buried by 2: -log2(3) - 2 = -log2(12), level with d10 and ahead of it (ties keep the
    // relevance order): after the 9 others above d10.
    const buried = order({ ...NO_MERCHANDISING, rules: [{ field: "product", values: ["d1"], weight: -2 }] });
    expect(buried.indexOf("d1")).toBe(9);
  });

  it("matches brands and categories at any level, and optional filters as a boost of 1", () => {
    const m: Merchandising = {
      pins: [],
      rules: [{ field: "category", values: ["c-b"], weight: 5 }],
      optionalFilters: [{ ...NO_FILTERS, attributes: new Map([["Color", ["Black"]]]) }],
    };
    expect(order(m).slice(0, 4)).toEqual(["d4", "d9", "d14", "d19"]);
    expect(merchandisingWeight(ranked[12]!.doc, m)).toBe(1);
    expect(
      merchandisingWeight(ranked[4]!.doc, { ...m, rules: [{ field: "brand", values: ["b4"], weight: -1 }] }),
    ).toBe(-1);
    expect(
      merchandisingWeight(ranked[4]!.doc, {
        ...NO_MERCHANDISING,
        rules: [{ field: "category", values: ["c-root"], weight: 2 }],
      }),
    ).toBe(2);
  });

  it("puts the pins first in their order and marks them", () => {
    const pinned = [ranked[7]!, ranked[3]!];
    const result = new RankMerchandising().apply(ranked, { ...NO_MERCHANDISING, pins: ["d7", "d3"] }, pinned);
    expect(result.ranked.map((c) => c.doc.id).slice(0, 3)).toEqual(["d7", "d3", "d0"]);
    expect(result.ranked).toHaveLength(20);
    expect([...result.pinnedIds]).toEqual(["d7", "d3"]);
    const scores = result.ranked.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });
});

describe("facetUsefulness", () => {
  it("is 0 for one value holding every match and grows with an even split", () => {
    expect(facetUsefulness([100], 100)).toBe(0);
    expect(facetUsefulness([], 100)).toBe(0);
    expect(facetUsefulness([5], 0)).toBe(0);
    expect(facetUsefulness([50, 50], 100)).toBe(0.5);
    expect(facetUsefulness([25, 25, 25, 25], 100)).toBe(0.75);
    expect(facetUsefulness([90, 10], 100)).toBeCloseTo(0.18, 4);
  });

  it("leaves out a value on every match (a parent category) and scales by coverage", () => {
    expect(facetUsefulness([100, 50, 50], 100)).toBe(0.5);
    // Half the matches have a value, split evenly: 0.5 × 0.5.
    expect(facetUsefulness([25, 25], 100)).toBe(0.25);
  });
});
