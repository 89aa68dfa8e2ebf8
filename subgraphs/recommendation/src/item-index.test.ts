import { describe, expect, it } from "vitest";
import { createRng, hashString } from "@aisle/world";
import { ItemIndex } from "./item-index.ts";

function unit(rng: ReturnType<typeof createRng>, dim: number): Float32Array {
  const v = Float32Array.from({ length: dim }, () => rng.normal());
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe("ItemIndex", () => {
  const dim = 16;
  const rng = createRng(hashString("item-index"));
  const vectors = Array.from({ length: 2_000 }, (_, i) => [`p-${i}`, unit(rng, dim)] as const);
  const index = new ItemIndex({ dim });
  index.addAll(vectors);

  it("finds nearly the same top 50 as exact search (HNSW recall)", () => {
    let found = 0;
    for (let q = 0; q < 20; q++) {
      const query = unit(rng, dim);
      const exact = new Set(index.exact(query, 50).map((n) => n.id));
      found += index.search(query, 50).filter((n) => exact.has(n.id)).length;
    }
    expect(found / (20 * 50)).toBeGreaterThan(0.9);
  });

  it("scores are inner products and the item itself comes first", () => {
    const [id, vector] = vectors[42]!;
    const top = index.search(vector, 3);
    expect(top[0]?.id).toBe(id);
    expect(top[0]?.score).toBeCloseTo(1, 4);
  });

  it("upserts and removes items", () => {
    const [id] = vectors[7]!;
    const replacement = unit(rng, dim);
    index.upsert(id, replacement);
    expect(index.search(replacement, 1)[0]?.id).toBe(id);
    expect(index.vector(id)).toEqual(replacement);
    index.upsert(
      "p-new",
      replacement.map((x) => -x),
    );
    expect(
      index.search(
        replacement.map((x) => -x),
        1,
      )[0]?.id,
    ).toBe("p-new");
    index.remove("p-new");
    expect(
      index
        .search(
          replacement.map((x) => -x),
          5,
        )
        .map((n) => n.id),
    ).not.toContain("p-new");
    expect(index.vector("p-new")).toBeNull();
    expect(index.size).toBe(2_000);
  });
});

describe("ItemIndex with unnormalised vectors (the sequence model's logits)", () => {
  const dim = 8;
  const rng = createRng(hashString("item-index-raw"));
  const vectors = Array.from(
    { length: 500 },
    (_, i) => [`q-${i}`, Float32Array.from({ length: dim }, () => rng.normal() * (1 + (i % 5)))] as const,
  );
  // One build thread: a two-thread build inserts in a varying order, and under load CI once saw this recall test
  // fail with a graph that otherwise passes.
  const index = new ItemIndex({ dim, buildThreads: 1 });
  index.addAll(vectors);

  it("exact keeps the top k of a full sort by inner product", () => {
    const query = Float32Array.from({ length: dim }, () => rng.normal());
    const sorted = vectors
      .map(([id, v]) => ({ id, score: v.reduce((s, x, j) => s + x * query[j]!, 0) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 25);
    const exact = index.exact(query, 25);
    expect(exact.map((n) => n.id)).toEqual(sorted.map((n) => n.id));
    expect(exact[0]!.score).toBeCloseTo(sorted[0]!.score, 4);
  });

  it("finds nearly the exact top 50 by inner product although norms differ (MIPS reduction), scored exactly", () => {
    let found = 0;
    for (let q = 0; q < 20; q++) {
      const query = Float32Array.from({ length: dim }, () => rng.normal());
      const exact = index.exact(query, 50);
      const truth = new Set(exact.map((n) => n.id));
      const ann = index.search(query, 50);
      found += ann.filter((n) => truth.has(n.id)).length;
      expect(ann[0]!.score).toBeCloseTo(exact[0]!.score, 4);
    }
    expect(found / (20 * 50)).toBeGreaterThan(0.9);
  });

  it("keeps the order when an upsert brings a larger norm than any before", () => {
    const big = Float32Array.from({ length: dim }, (_, j) => (j === 0 ? 100 : 0));
    index.upsert("q-big", big);
    const query = Float32Array.from({ length: dim }, (_, j) => (j === 0 ? 1 : 0));
    expect(index.search(query, 1)[0]?.id).toBe("q-big");
    expect(index.search(query, 1)[0]?.score).toBeCloseTo(100, 3);
    index.remove("q-big");
  });

  it("item-to-item neighbours are by cosine, leave the item out, and ignore vector length", () => {
    const [id, vector] = vectors[3]!;
    index.upsert(
      "q-twin",
      vector.map((x) => x * 0.01),
    );
    const near = index.neighbours(id, 5);
    expect(near[0]?.id).toBe("q-twin");
    expect(near[0]?.score).toBeCloseTo(1, 4);
    expect(near.map((n) => n.id)).not.toContain(id);
    expect(index.cosine(id, "q-twin")).toBeCloseTo(1, 4);
    index.remove("q-twin");
    expect(index.neighbours(id, 5).map((n) => n.id)).not.toContain("q-twin");
  });
});
