import { describe, expect, it } from "vitest";
import { GraphQLError } from "graphql";
import { decodeActivity, userActivityFeatures } from "@aisle/behaviour";
import type { ItemFacts } from "./catalog-facts.store.ts";
import {
  applySteps,
  controlledSteps,
  MAX_CONTROL_IDS,
  NO_CONTROLS,
  parseControls,
  reasonCodeOf,
  type FeedControls,
} from "./controls.strategy.ts";
import type { Candidate } from "./recall.ts";
import { MmrDiversity, requestRng, type RerankContext } from "./reranking.strategy.ts";

/* The per-request controls: validation, and what each does to a ranked list. */

function item(n: number): ItemFacts {
  return {
    id: `p-${n}`,
    title: `Item ${n}`,
    categoryId: n % 2 === 0 ? "c-even" : "c-odd",
    departmentId: "d-1",
    brandId: n % 3 === 0 ? "b-three" : "b-other",
    tier: "mid",
    priceMinor: 1000 * (n + 1),
  };
}
/** p-0 … p-(count-1), best first. */
function list(count: number): Candidate[] {
  return Array.from({ length: count }, (_, n) => ({
    id: `p-${n}`,
    item: item(n),
    recallScore: 0.5,
    sources: new Set(["two-tower"]),
    reason: "picked for you",
    score: 1 - n / 20,
  }));
}
const context: RerankContext = {
  activity: decodeActivity({ ...userActivityFeatures.defaults }),
  first: 10,
  stockOf: () => null,
  similarity: (a, b) => (a.item.categoryId === b.item.categoryId ? 1 : 0),
  rng: requestRng(1, "u"),
};
const knows = { knowsCategory: (id: string) => id.startsWith("c-") || id === "d-1" };
const options = {
  medianPrice: () => 5000,
  candidate: (id: string): Candidate | null =>
    id === "p-99"
      ? { id, item: item(99), recallScore: 0, score: 0, reason: "promoted", sources: new Set(["promoted"]) }
      : null,
};
function run(controls: FeedControls, count = 10, defaults = [new MmrDiversity(1)]): string[] {
  return applySteps(list(count), controlledSteps(controls, defaults, options), context).map((c) => c.id);
}
function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return (error as GraphQLError).extensions;
  }
  throw new Error("expected a GraphQLError");
}

describe("parseControls", () => {
  it("is NO_CONTROLS without input", () => {
    expect(parseControls(null, knows)).toBe(NO_CONTROLS);
  });

  it("refuses bad input with BAD_USER_INPUT naming the field", () => {
    expect(
      codeOf(() => parseControls({ filter: { minPriceMinor: 500, maxPriceMinor: 100 } }, knows)),
    ).toEqual({
      code: "BAD_USER_INPUT",
      field: "controls.filter.minPriceMinor",
    });
    expect(codeOf(() => parseControls({ filter: { minPriceMinor: -1 } }, knows))).toMatchObject({
      code: "BAD_USER_INPUT",
    });
    const many = Array.from({ length: MAX_CONTROL_IDS + 1 }, (_, i) => `p-${i}`);
    expect(codeOf(() => parseControls({ excludeIds: many }, knows))).toEqual({
      code: "BAD_USER_INPUT",
      field: "controls.excludeIds",
    });
    expect(codeOf(() => parseControls({ filter: { categoryIds: ["nope"] } }, knows))).toMatchObject({
      field: "controls.filter.categoryIds",
    });
    expect(codeOf(() => parseControls({ priceLevel: 2 }, knows))).toMatchObject({
      field: "controls.priceLevel",
    });
    expect(codeOf(() => parseControls({ minRelevance: -0.1 }, knows))).toMatchObject({
      field: "controls.minRelevance",
    });
    // Enum values the schema would refuse, should they arrive another way.
    expect(codeOf(() => parseControls({ diversity: "MAX" as never }, knows))).toMatchObject({
      field: "controls.diversity",
    });
    expect(codeOf(() => parseControls({ filter: { mode: "LOOSE" as never } }, knows))).toMatchObject({
      field: "controls.filter.mode",
    });
  });
});

describe("controlled re-ranking", () => {
  it("strict filter keeps matches only; relaxed puts matches first, then the rest in order", () => {
    const strict = parseControls({ filter: { categoryIds: ["c-even"], mode: "STRICT" } }, knows);
    expect(run(strict)).toEqual(["p-0", "p-2", "p-4", "p-6", "p-8"]);
    const relaxed = parseControls({ filter: { categoryIds: ["c-even"], mode: "RELAXED" } }, knows);
    expect(run(relaxed)).toEqual(["p-0", "p-2", "p-4", "p-6", "p-8", "p-1", "p-3", "p-5", "p-7", "p-9"]);
    const byDepartment = parseControls({ filter: { categoryIds: ["d-1"] } }, knows);
    expect(run(byDepartment)).toHaveLength(10);
  });

  it("filters by brand and price range (inclusive)", () => {
    expect(run(parseControls({ filter: { brandIds: ["b-three"] } }, knows))).toEqual([
      "p-0",
      "p-3",
      "p-6",
      "p-9",
    ]);
    expect(run(parseControls({ filter: { minPriceMinor: 2000, maxPriceMinor: 4000 } }, knows))).toEqual([
      "p-1",
      "p-2",
      "p-3",
    ]);
  });

  it("excludes ids, drops items under the minimum relevance, pins ids first in the caller's order", () => {
    expect(run(parseControls({ excludeIds: ["p-0", "p-1"] }, knows))[0]).toBe("p-2");
    // Scores 1, 0.95, … 0.55: 0.8 of the best keeps five.
    expect(run(parseControls({ minRelevance: 0.8 }, knows))).toEqual(["p-0", "p-1", "p-2", "p-3", "p-4"]);
    const pinned = run(parseControls({ pinIds: ["p-5", "p-99", "p-404"] }, knows));
    expect(pinned.slice(0, 3)).toEqual(["p-5", "p-99", "p-0"]); // p-404 is unknown: skipped
    expect(pinned.filter((id) => id === "p-5")).toHaveLength(1);
    // An excluded id is never pinned.
    expect(run(parseControls({ pinIds: ["p-5"], excludeIds: ["p-5"] }, knows))).not.toContain("p-5");
  });

  it("boosts double a score and mark the item promoted", () => {
    const boosted = applySteps(
      list(10),
      controlledSteps(parseControls({ boostIds: ["p-6"] }, knows), [], options),
      context,
    );
    expect(boosted[0]?.id).toBe("p-6");
    expect(reasonCodeOf(boosted[0]!)).toBe("PROMOTED");
    expect(reasonCodeOf(boosted[1]!)).toBe("PERSONALIZED");
  });

  it("price level re-ranks cheaper first at -1 and pricier first at +1", () => {
    const cheap = run(parseControls({ priceLevel: -1 }, knows));
    const dear = run(parseControls({ priceLevel: 1 }, knows));
    expect(cheap[0]).toBe("p-0");
    expect(dear[0]).toBe("p-9");
    expect(run(parseControls({ priceLevel: 0 }, knows))[0]).toBe("p-0");
  });

  it("diversity replaces the service's MMR λ: HIGH alternates categories, OFF keeps relevance order", () => {
    const similarityFirst = (ids: string[]) => ids.slice(0, 4);
    const defaults = [new MmrDiversity(1)];
    expect(similarityFirst(run(parseControls({ diversity: "OFF" }, knows), 10, defaults))).toEqual([
      "p-0",
      "p-1",
      "p-2",
      "p-3",
    ]);
    // All share department d-1 but two leaves: HIGH never puts two of one leaf in a row at the top.
    const high = run(parseControls({ diversity: "HIGH" }, knows), 10, defaults);
    for (let i = 1; i < 4; i++)
      expect(item(Number(high[i]!.slice(2))).categoryId).not.toBe(
        item(Number(high[i - 1]!.slice(2))).categoryId,
      );
  });
});

describe("reasonCodeOf", () => {
  it("maps recall paths and reasons to codes", () => {
    const code = (sources: string[], reason: string) => reasonCodeOf({ sources, reason });
    expect(code(["two-tower"], "because you viewed X")).toBe("SIMILAR_TO_VIEWED");
    expect(code(["co-occurrence"], "often bought with X")).toBe("BOUGHT_TOGETHER");
    expect(code(["popularity"], "trending now")).toBe("TRENDING");
    expect(code(["popularity"], "popular in Tents")).toBe("POPULAR_IN_CATEGORY");
    expect(code(["two-tower", "exploration"], "something new to explore: picked for you")).toBe(
      "EXPLORATION",
    );
    expect(code(["two-tower"], "picked for you")).toBe("PERSONALIZED");
  });
});
