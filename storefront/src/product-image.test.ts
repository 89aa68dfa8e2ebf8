import { describe, expect, it } from "vitest";
import { hash32, motifOf, productSvg } from "./product-image.ts";

describe("productSvg", () => {
  it("is the same for the same product, different for another product of the category", () => {
    const a = productSvg("p-1", "c-headphones");
    expect(productSvg("p-1", "c-headphones")).toBe(a);
    expect(productSvg("p-2", "c-headphones")).not.toBe(a);
    expect(a.startsWith("<svg")).toBe(true);
    // Self-contained: nothing is referenced outside the document.
    expect(a).not.toMatch(/href|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it("gives a category one motif", () => {
    expect(motifOf("c-headphones")).toBe(motifOf("c-headphones"));
    const motifs = new Set(["c-a", "c-b", "c-c", "c-d", "c-e", "c-f", "c-g", "c-h"].map(motifOf));
    expect(motifs.size).toBeGreaterThan(1);
  });

  it("refuses ids that could break out of the document", () => {
    expect(() => productSvg('p-1"/><script>', "c-x")).toThrow(RangeError);
    expect(() => productSvg("p-1", "")).toThrow(RangeError);
  });

  it("hashes stably (FNV-1a reference values)", () => {
    expect(hash32("")).toBe(0x811c9dc5);
    expect(hash32("a")).toBe(0xe40c292c);
  });
});
