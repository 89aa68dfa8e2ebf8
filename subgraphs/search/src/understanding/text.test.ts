import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_MODELS_DIR } from "@aisle/ml";
import {
  analyze,
  boundedLevenshtein,
  hashedTokenIds,
  normalizeText,
  prefixEditDistance,
  prefixFuzziness,
  words,
} from "./text.ts";

describe("tokenizer", () => {
  it("folds accents and punctuation the way the trainer does", () => {
    expect(normalizeText("  Crème BRÛLÉE — 1:24 RC car! ")).toBe("creme brulee 1 24 rc car");
    expect(words("")).toEqual([]);
    expect(analyze("The running shoes")).toEqual(["run", "shoe"]);
  });

  it("gives the same hashed ids as models/search/features.py (written by train.py)", () => {
    const parity = JSON.parse(
      readFileSync(join(DEFAULT_MODELS_DIR, "search", "parity-ids.json"), "utf8"),
    ) as {
      buckets: number;
      maxLength: number;
      samples: { text: string; ids: number[] }[];
    };
    expect(parity.samples.length).toBeGreaterThan(2);
    for (const sample of parity.samples) {
      expect(hashedTokenIds(sample.text, parity.buckets, parity.maxLength)).toEqual(sample.ids);
    }
  });

  it("keeps ids inside [1, buckets) and caps the length", () => {
    const ids = hashedTokenIds("a very long product title ".repeat(20), 16, 10);
    expect(ids).toHaveLength(10);
    expect(ids.every((id) => id >= 1 && id < 16)).toBe(true);
  });
});

describe("boundedLevenshtein", () => {
  it("counts edits, transpositions as one, and gives up past the limit", () => {
    expect(boundedLevenshtein("sneakers", "sneakers", 2)).toBe(0);
    expect(boundedLevenshtein("snekers", "sneakers", 2)).toBe(1);
    expect(boundedLevenshtein("recieve", "receive", 2)).toBe(1);
    expect(boundedLevenshtein("blender", "laptop", 2)).toBe(3);
  });
});

describe("fuzzy prefixes (autocomplete)", () => {
  it("measures the edits from a typed prefix to the closest start of a word", () => {
    expect(prefixEditDistance("headph", "headphones", 2)).toBe(0);
    expect(prefixEditDistance("hedph", "headphones", 2)).toBe(1);
    expect(prefixEditDistance("haedph", "headphones", 2)).toBe(1); // a swap
    expect(prefixEditDistance("wirless", "wireless", 1)).toBe(1);
    expect(prefixEditDistance("hedph", "bedside", 2)).toBe(3); // first letter differs: over the limit
    expect(prefixEditDistance("xyzzy", "headphones", 1)).toBe(2);
    expect(prefixEditDistance("", "anything", 0)).toBe(0);
  });

  it("allows more typos as the prefix grows", () => {
    expect([1, 3, 4, 7, 8, 12].map(prefixFuzziness)).toEqual([0, 0, 1, 1, 2, 2]);
  });
});
