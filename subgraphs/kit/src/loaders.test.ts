import { describe, expect, it } from "vitest";
import { defineLoader, LoaderRegistry } from "./loaders.ts";

describe("LoaderRegistry", () => {
  it("collects the loads of one tick into one batch, in key order", async () => {
    const calls: string[][] = [];
    const spec = defineLoader<string, string>("upper", async (keys) => {
      calls.push([...keys]);
      return keys.map((k) => (k === "missing" ? null : k.toUpperCase()));
    });
    const registry = new LoaderRegistry();
    const results = await Promise.all(["a", "b", "missing", "a"].map((k) => registry.get(spec).load(k)));
    expect(results).toEqual(["A", "B", null, "A"]);
    expect(calls).toEqual([["a", "b", "missing"]]);
  });

  it("gives each request its own loaders (no cache shared between callers)", async () => {
    let calls = 0;
    const spec = defineLoader<string, number>("count", async (keys) => keys.map(() => ++calls));
    expect(await new LoaderRegistry().get(spec).load("k")).toBe(1);
    expect(await new LoaderRegistry().get(spec).load("k")).toBe(2);
  });

  it("fails loudly when a batch function breaks the contract", async () => {
    const spec = defineLoader<string, string>("broken", async () => ["only one"]);
    const loader = new LoaderRegistry().get(spec);
    await expect(Promise.all([loader.load("a"), loader.load("b")])).rejects.toThrow(
      /returned 1 values for 2 keys/,
    );
  });

  it("respects maxBatchSize", async () => {
    const sizes: number[] = [];
    const spec = defineLoader<number, number>(
      "capped",
      async (keys) => {
        sizes.push(keys.length);
        return keys;
      },
      { maxBatchSize: 2 },
    );
    const loader = new LoaderRegistry().get(spec);
    await Promise.all([1, 2, 3, 4, 5].map((k) => loader.load(k)));
    expect(sizes).toEqual([2, 2, 1]);
  });
});
