import { describe, expect, it } from "vitest";
import { userActivityFeatures, decodeActivity, applyEvents } from "@aisle/behaviour";
import type { ItemFacts } from "./catalog-facts.store.ts";
import type { Candidate } from "./recall.ts";
import {
  BusinessBoosts,
  defaultRerankSteps,
  ExcludeOutOfStock,
  ExcludePurchased,
  Exploration,
  MmrDiversity,
  parseBoosts,
  requestRng,
  type RerankContext,
} from "./reranking.strategy.ts";

function item(n: number, categoryId: string, brandId = "b-1"): ItemFacts {
  return {
    id: `p-${n}`,
    title: `Item ${n}`,
    categoryId,
    departmentId: "d",
    brandId,
    tier: "mid",
    priceMinor: 1000,
  };
}
function candidates(count: number, categoryOf: (n: number) => string = () => "c-a"): Candidate[] {
  return Array.from({ length: count }, (_, n) => ({
    id: `p-${n}`,
    item: item(n, categoryOf(n), n % 2 === 0 ? "b-even" : "b-odd"),
    recallScore: 0.5,
    sources: new Set(["two-tower"]),
    reason: "picked for you",
    score: 1 - n / 1000,
  }));
}
const empty = decodeActivity({ ...userActivityFeatures.defaults });
function context(overrides: Partial<RerankContext> = {}): RerankContext {
  return {
    activity: empty,
    first: 10,
    stockOf: () => null,
    similarity: (a, b) => (a.item.categoryId === b.item.categoryId ? 1 : 0),
    rng: requestRng(1, "u1"),
    ...overrides,
  };
}

describe("re-ranking strategies", () => {
  it("ExcludePurchased drops what the user bought", () => {
    const bought = applyEvents(
      { ...userActivityFeatures.defaults },
      [
        {
          id: "e1",
          userId: "u",
          type: "purchase",
          productId: "p-3",
          query: null,
          at: 1,
          receivedAt: 1,
          device: "web",
          surface: "x",
        },
      ],
      () => ({ categoryId: "c-a", departmentId: "d", brandId: "b", priceMinor: 100 }),
      1,
    ).activity;
    const out = new ExcludePurchased().apply(candidates(5), context({ activity: decodeActivity(bought) }));
    expect(out.map((c) => c.id)).toEqual(["p-0", "p-1", "p-2", "p-4"]);
  });

  it("ExcludeOutOfStock drops items with no stock and keeps items of unknown stock", () => {
    const stock: Record<string, number> = { "p-0": 0, "p-1": 5 };
    const out = new ExcludeOutOfStock().apply(candidates(3), context({ stockOf: (id) => stock[id] ?? null }));
    expect(out.map((c) => c.id)).toEqual(["p-1", "p-2"]);
  });

  it("MmrDiversity keeps one category from filling the list", () => {
    // Ten best items in c-a, the next ten in c-b, c-c...
    const list = candidates(40, (n) => (n < 20 ? "c-a" : `c-${n % 4}`));
    const plain = list.slice(0, 10).map((c) => c.item.categoryId);
    expect(new Set(plain).size).toBe(1);
    const diverse = new MmrDiversity(0.5).apply(list, context()).slice(0, 10);
    expect(new Set(diverse.map((c) => c.item.categoryId)).size).toBeGreaterThanOrEqual(4);
    expect(diverse[0]?.id).toBe("p-0");
    // λ = 1 is relevance only: the order stays.
    expect(
      new MmrDiversity(1)
        .apply(list, context())
        .slice(0, 10)
        .map((c) => c.id),
    ).toEqual(list.slice(0, 10).map((c) => c.id));
  });

  it("MmrDiversity's lazy greedy picks exactly what recomputing every similarity after every pick picks", () => {
    // The definition, written plainly: each pick maximises λ·relevance − (1 − λ)·(highest similarity to a
    // pick), first in pool order on ties, among items whose category is under the cap while any is.
    function eager(
      list: readonly Candidate[],
      lambda: number,
      first: number,
      sim: RerankContext["similarity"],
    ) {
      const pool = [...list].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, 100);
      const cap = lambda < 1 ? Math.max(1, Math.ceil(first * 0.5)) : Infinity;
      const picked: Candidate[] = [];
      const count = new Map<string, number>();
      while (picked.length < Math.min(first, pool.length)) {
        const open = pool.filter((c) => !picked.includes(c));
        const under = open.filter((c) => (count.get(c.item.categoryId) ?? 0) < cap);
        const value = (c: Candidate) =>
          lambda * (pool.length === 1 ? 1 : 1 - pool.indexOf(c) / (pool.length - 1)) -
          (1 - lambda) * Math.max(0, ...picked.map((p) => sim(p, c)));
        const from = under.length > 0 ? under : open;
        const best = from.reduce((b, c) => (value(c) > value(b) ? c : b));
        picked.push(best);
        count.set(best.item.categoryId, (count.get(best.item.categoryId) ?? 0) + 1);
      }
      return picked.map((c) => c.id);
    }
    const rng = requestRng(7, "mmr-equivalence");
    for (let trial = 0; trial < 150; trial += 1) {
      const categories = 1 + rng.int(0, 6);
      const list = candidates(20 + rng.int(0, 200), () => `c-${rng.int(0, categories - 1)}`);
      for (const c of list) c.score = Math.round(rng.next() * 20) / 20; // ties on purpose
      const vectors = new Map(list.map((c) => [c.id, [rng.next(), rng.next(), rng.next()]]));
      const similarity = (a: Candidate, b: Candidate) => {
        const [x, y] = [vectors.get(a.id)!, vectors.get(b.id)!];
        const cosine = x[0]! * y[0]! + x[1]! * y[1]! + x[2]! * y[2]!;
        return 0.2 * cosine + (a.item.categoryId === b.item.categoryId ? 0.3 : 0);
      };
      const lambda = [0.3, 0.5, 0.7, 0.9, 1][trial % 5]!;
      const first = 1 + rng.int(0, 30);
      const lazy = new MmrDiversity(lambda).apply(list, context({ first, similarity })).map((c) => c.id);
      expect(lazy.slice(0, Math.min(first, list.length))).toEqual(eager(list, lambda, first, similarity));
      expect(new Set(lazy).size).toBe(list.length);
    }
  });

  it("MmrDiversity caps one category at half the list even when similarity does not tell items apart", () => {
    // Similarity says nothing (0 everywhere) and the 30 best items are all c-a: only the cap diversifies.
    const list = candidates(60, (n) => (n < 30 ? "c-a" : "c-b"));
    const flat = context({ similarity: () => 0 });
    const picked = new MmrDiversity(0.9).apply(list, flat).slice(0, 10);
    expect(picked.filter((c) => c.item.categoryId === "c-a").map((c) => c.id)).toEqual([
      "p-0",
      "p-1",
      "p-2",
      "p-3",
      "p-4",
    ]);
    expect(picked.filter((c) => c.item.categoryId === "c-b")).toHaveLength(5);
    // With nothing else left the cap gives way, and λ = 1 (diversity off) has no cap.
    const single = candidates(20);
    expect(new MmrDiversity(0.9).apply(single, flat).slice(0, 10)).toHaveLength(10);
    expect(
      new MmrDiversity(1)
        .apply(list, flat)
        .slice(0, 10)
        .every((c) => c.item.categoryId === "c-a"),
    ).toBe(true);
  });

  it("BusinessBoosts multiplies matching scores and re-sorts", () => {
    const out = new BusinessBoosts(parseBoosts("brand:b-odd=2")).apply(candidates(4));
    expect(out.map((c) => c.id)).toEqual(["p-1", "p-3", "p-0", "p-2"]);
    expect(() => parseBoosts("brand=2")).toThrow(/bad boost rule/);
    expect(() => parseBoosts("brand:b=99")).toThrow(/outside/);
    expect(parseBoosts("")).toEqual([]);
  });

  it("Exploration gives a small, seeded share of slots to items just below the cut", () => {
    const run = (seed: number) =>
      new Exploration(0.2)
        .apply(candidates(40), context({ first: 10, rng: requestRng(seed, "u1") }))
        .slice(0, 10);
    const a = run(7);
    const explored = a.filter((c) => c.sources.has("exploration"));
    expect(explored).toHaveLength(2);
    for (const c of explored) expect(Number(c.id.slice(2))).toBeGreaterThanOrEqual(10);
    expect(a[0]?.id).toBe("p-0");
    expect(run(7).map((c) => c.id)).toEqual(a.map((c) => c.id));
    expect(run(8).map((c) => c.id)).not.toEqual(a.map((c) => c.id));
    expect(new Exploration(0.1).apply(candidates(5), context({ first: 5 })).map((c) => c.id)).toEqual(
      candidates(5).map((c) => c.id),
    );
  });

  it("the default pipeline is deterministic given the same inputs and seed", () => {
    const steps = defaultRerankSteps([], { lambda: 0.7, exploration: 0.1 });
    const once = () => {
      let list = candidates(60, (n) => `c-${n % 5}`);
      const ctx = context({ first: 20, rng: requestRng(3, "u9") });
      for (const step of steps) list = step.apply(list, ctx);
      return list.slice(0, 20).map((c) => c.id);
    };
    expect(once()).toEqual(once());
  });
});
