import { describe, expect, it } from "vitest";
import { reciprocalRankFusion } from "./fusion.ts";
import { RERANK_FEATURES, trainPairwise, LinearReranker } from "./reranker.ts";

describe("reciprocalRankFusion", () => {
  it("rewards documents both lists rank well, with 1/(k + rank) per list", () => {
    const fused = reciprocalRankFusion([{ ids: ["a", "b", "c"] }, { ids: ["b", "d"] }], 60);
    expect(fused.map((f) => f.id)).toEqual(["b", "a", "d", "c"]);
    expect(fused[0]?.score).toBeCloseTo(1 / 62 + 1 / 61);
  });

  it("weights lists", () => {
    const fused = reciprocalRankFusion([{ ids: ["a"] }, { ids: ["b"], weight: 2 }]);
    expect(fused.map((f) => f.id)).toEqual(["b", "a"]);
  });
});

describe("trainPairwise", () => {
  it("learns to put the documents with higher gains first and ignores constant features", () => {
    const width = RERANK_FEATURES.length;
    const groups = Array.from({ length: 40 }, (_, q) => {
      const rows = Array.from({ length: 10 }, (_, i) => {
        const row = new Array<number>(width).fill(0.5);
        row[0] = ((i * 7 + q) % 10) / 10; // informative
        row[2] = ((i * 3 + q) % 10) / 10; // noise
        return row;
      });
      return { rows, gains: rows.map((r) => ((r[0] as number) > 0.5 ? 3 : 0)) };
    });
    const model = trainPairwise(groups, { seed: 1 });
    expect(model.weights[0]).toBeGreaterThan(Math.abs(model.weights[2] as number));
    expect(model.weights[5]).toBe(0);
    const scores = new LinearReranker(model).score([
      groups[0]!.rows[0]!.map((v, j) => (j === 0 ? 0.9 : v)),
      groups[0]!.rows[0]!.map((v, j) => (j === 0 ? 0.1 : v)),
    ]);
    expect(scores[0]).toBeGreaterThan(scores[1] as number);
  });
});

describe("LinearReranker blend", () => {
  const width = RERANK_FEATURES.length;
  const model = {
    features: [...RERANK_FEATURES],
    mean: new Array<number>(width).fill(0),
    std: new Array<number>(width).fill(1),
    weights: RERANK_FEATURES.map((_, j) => (j === 0 ? 1 : 0)),
  };
  // Incoming order a, b, c; the model alone prefers c, b, a.
  const rows = [0.1, 0.5, 0.9].map((v) => RERANK_FEATURES.map((_, j) => (j === 0 ? v : 0)));
  const order = (scores: number[]) =>
    scores
      .map((s, i) => ({ s, i }))
      .sort((x, y) => y.s - x.s)
      .map((x) => "abc"[x.i]);

  it("blend 1 (or absent) is the model's order, blend 0 the incoming order, in between a rank mix", () => {
    expect(order(new LinearReranker(model).score(rows))).toEqual(["c", "b", "a"]);
    expect(order(new LinearReranker({ ...model, blend: 1 }).score(rows))).toEqual(["c", "b", "a"]);
    expect(order(new LinearReranker({ ...model, blend: 0 }).score(rows))).toEqual(["a", "b", "c"]);
    expect(order(new LinearReranker({ ...model, blend: 0.75 }).score(rows))).toEqual(["c", "b", "a"]);
  });

  it("refuses a blend outside [0, 1]", () => {
    expect(() => new LinearReranker({ ...model, blend: 1.5 })).toThrow(/blend/);
  });
});
