import { describe, expect, it } from "vitest";
import type { ModelSpec } from "@aisle/ml";
import { sequenceRow } from "./features.ts";
import { ItemIndex } from "./item-index.ts";
import { batchSequenceLength, itemTowerContract, userTowerContract, type UserTowerRow } from "./models.ts";
import { byScore, rankBySequence, scoreBySequence, sequenceRelevance } from "./ranking.ts";
import { sequenceRecall } from "./recall.ts";

function spec(inputs: ModelSpec["inputs"]): ModelSpec {
  return {
    name: "rec-user-tower",
    version: "2.0.0",
    file: "x.onnx",
    sha256: "0".repeat(64),
    opset: 17,
    inputs,
    outputs: [{ name: "user_vector", dtype: "float32", shape: ["batch", 4] }],
  };
}
const dynamic = spec([
  { name: "seq_item_ids", dtype: "int64", shape: ["batch", "seq"] },
  { name: "seq_attr_ids", dtype: "int64", shape: ["batch", "seq", 3] },
  { name: "seq_type_ids", dtype: "int64", shape: ["batch", "seq"] },
]);
const row = (n: number): UserTowerRow =>
  sequenceRow(
    Array.from({ length: n }, (_, i) => ({ itemId: i + 1, attrIds: [i + 1, 7] })),
    Array.from({ length: n }, () => 4),
    50,
  );

describe("the user encoder's tensors", () => {
  it("pad a batch to its longest history (dynamic sequence axis), most recent last, attributes to the model's A", () => {
    const feeds = userTowerContract(50).encode([row(2), row(4)], dynamic);
    expect(feeds["seq_item_ids"]!.dims).toEqual([2, 4]);
    expect([...feeds["seq_item_ids"]!.data].map(Number)).toEqual([0, 0, 1, 2, 1, 2, 3, 4]);
    expect(feeds["seq_attr_ids"]!.dims).toEqual([2, 4, 3]);
    expect([...feeds["seq_attr_ids"]!.data].slice(6, 12).map(Number)).toEqual([1, 7, 0, 2, 7, 0]);
    expect([...feeds["seq_type_ids"]!.data].map(Number)).toEqual([0, 0, 4, 4, 4, 4, 4, 4]);
    expect(feeds["profile"]).toBeUndefined();
  });

  it("keep the last maxLen events, give an empty history one padding slot, and honour a fixed length", () => {
    expect(
      sequenceRow(
        row(60).itemIds.map((itemId) => ({ itemId, attrIds: [] })),
        new Array(60).fill(1),
        50,
      ).itemIds,
    ).toHaveLength(50);
    expect(batchSequenceLength([row(0)], dynamic, 50)).toBe(1);
    expect(batchSequenceLength([row(80)], dynamic, 50)).toBe(50);
    const fixed = spec([
      { name: "seq_item_ids", dtype: "int64", shape: ["batch", 20] },
      { name: "seq_attr_ids", dtype: "int64", shape: ["batch", 20, 5] },
      { name: "seq_type_ids", dtype: "int64", shape: ["batch", 20] },
      { name: "profile", dtype: "float32", shape: ["batch", 2] },
    ]);
    const feeds = userTowerContract(20).encode([{ ...row(3), profile: [0.5, 0.1] }], fixed);
    expect(feeds["seq_item_ids"]!.dims).toEqual([1, 20]);
    expect(feeds["profile"]!.dims).toEqual([1, 2]);
  });

  it("item rows are fitted to the item tower's attribute slots", () => {
    const itemSpec = spec([
      { name: "item_ids", dtype: "int64", shape: ["batch", 1] },
      { name: "attr_ids", dtype: "int64", shape: ["batch", 4] },
    ]);
    const feeds = itemTowerContract.encode(
      [
        { itemId: 3, attrIds: [1, 2, 3, 4, 5, 6] },
        { itemId: 0, attrIds: [9] },
      ],
      itemSpec,
    );
    expect([...feeds["attr_ids"]!.data].map(Number)).toEqual([1, 2, 3, 4, 9, 0, 0, 0]);
  });
});

describe("sequence recall and ranking", () => {
  const index = new ItemIndex({ dim: 2 });
  index.addAll([
    ["a", Float32Array.from([3, 0])],
    ["b", Float32Array.from([2, 0])],
    ["c", Float32Array.from([1, 0])],
    ["d", Float32Array.from([0, 1])],
  ]);
  const user = Float32Array.from([1, 0.5]);

  it("recalls by inner product with the history left out, ANN and exact alike", () => {
    expect(sequenceRecall(index, user, 2, new Set(["a"])).map((n) => n.id)).toEqual(["b", "c"]);
    expect(sequenceRecall(index, user, 2, new Set(["a"]), true).map((n) => n.id)).toEqual(["b", "c"]);
  });

  it("scores every candidate by the user vector, maps logits to (0, 1] and ranks by them", () => {
    const candidates = ["d", "c", "a"].map(
      (id) =>
        ({ id, recallScore: 0.1, score: 0 }) as {
          id: string;
          recallScore: number;
          score: number;
          sequenceScore?: number;
        },
    );
    scoreBySequence(candidates, user, (id) => index.vector(id));
    expect(candidates.map((c) => c.sequenceScore)).toEqual([0.5, 1, 3]);
    const relevance = sequenceRelevance(candidates);
    expect(relevance.get("a")).toBe(1);
    expect(relevance.get("d")).toBeCloseTo(Math.exp(-2.5), 6);
    rankBySequence(candidates);
    expect(candidates.sort(byScore).map((c) => c.id)).toEqual(["a", "c", "d"]);
    const none = [{ id: "a", recallScore: 0.3, score: 0 }];
    scoreBySequence(none, null, (id) => index.vector(id));
    rankBySequence(none);
    expect(none[0]!.score).toBe(0.3);
  });
});
