import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ANONYMOUS, createLogger, ErrorCode, RequestContext } from "@aisle/kit";
import type { GraphQLError } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchedModel } from "./batched-model.ts";
import { DEFAULT_MODELS_DIR } from "./manifest.ts";
import { ModelRegistry } from "./model-registry.ts";
import {
  platformTestContract,
  type PlatformTestResult,
  type PlatformTestRow,
} from "./platform-test.model.ts";

const log = createLogger("test", "silent");
const context = (): RequestContext => new RequestContext("req", ANONYMOUS, log);

/** The sample torch scored at export time (models/platform-test/parity.json): rows and expected logits. */
interface Parity {
  readonly inputs: Record<string, { dims: number[]; data: number[] }>;
  readonly outputs: Record<string, { dims: number[]; data: number[] }>;
}
let parity: Parity;
let sample: PlatformTestRow[];
let expectedLogits: number[][];
let registry: ModelRegistry;
let model: BatchedModel<PlatformTestRow, PlatformTestResult>;

function rowsOf(n: number): PlatformTestRow[] {
  // Fresh objects: DataLoader de-duplicates identical keys (the same row object) within a request.
  return Array.from({ length: n }, (_, i) => ({ ...sample[i % sample.length]! }));
}

beforeAll(async () => {
  parity = JSON.parse(
    await readFile(join(DEFAULT_MODELS_DIR, "platform-test/parity.json"), "utf8"),
  ) as Parity;
  const features = parity.inputs["features"]!;
  const ids = parity.inputs["category_id"]!;
  const logits = parity.outputs["logits"]!;
  sample = Array.from({ length: features.dims[0]! }, (_, i) => ({
    features: features.data.slice(i * 6, i * 6 + 6),
    categoryId: ids.data[i]!,
  }));
  expectedLogits = sample.map((_, i) => logits.data.slice(i * 3, i * 3 + 3));
  registry = await ModelRegistry.load();
  model = await BatchedModel.create(registry, "platform-test", platformTestContract, { maxBatchSize: 512 });
});
afterAll(async () => {
  await model.close();
});

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
}

describe("BatchedModel", () => {
  it("was warmed at start without counting the warm-up", () => {
    expect(model.mode).toBe("in-thread");
    expect(model.stats.runs).toBe(0);
  });

  it("gives torch's outputs (parity sample)", async () => {
    const results = await model.predictBatch(sample);
    results.forEach((r, i) => expectClose((r as PlatformTestResult).logits, expectedLogits[i]!));
  });

  it("collects N concurrent loads of one request into ONE run of N rows, in input order", async () => {
    model.resetStats();
    const ctx = context();
    const rows = rowsOf(40);
    const results = await Promise.all(rows.map((row) => model.load(ctx, row)));
    expect(model.stats).toMatchObject({ runs: 1, rows: 40 });
    expect(results).toHaveLength(40);
    results.forEach((r, i) => expectClose(r.logits, expectedLogits[i % sample.length]!));
  });

  it("gives each request its own batch", async () => {
    model.resetStats();
    const [a, b] = [context(), context()];
    await Promise.all([...rowsOf(5).map((r) => model.load(a, r)), ...rowsOf(7).map((r) => model.load(b, r))]);
    expect(model.stats).toMatchObject({ runs: 2, rows: 12 });
  });

  it("splits a batch larger than maxBatchSize", async () => {
    const small = await BatchedModel.create(registry, "platform-test", platformTestContract, {
      maxBatchSize: 4,
    });
    try {
      const ctx = context();
      const results = await Promise.all(rowsOf(10).map((row) => small.load(ctx, row)));
      expect(small.stats).toMatchObject({ runs: 3, rows: 10 });
      results.forEach((r, i) => expectClose(r.logits, expectedLogits[i % sample.length]!));
      // The batch function alone splits too (called directly, without DataLoader).
      small.resetStats();
      expect(await small.predictBatch(rowsOf(9))).toHaveLength(9);
      expect(small.stats).toMatchObject({ runs: 3, rows: 9 });
    } finally {
      await small.close();
    }
  });

  it("fails only the bad rows, with BAD_USER_INPUT, and runs the rest in one run", async () => {
    model.resetStats();
    const good = rowsOf(4);
    const bad: PlatformTestRow[] = [
      { features: good[0]!.features, categoryId: -1 }, // would silently wrap to the last embedding row
      { features: good[0]!.features, categoryId: 16 }, // outside the vocabulary of 16
      { features: [Number.NaN, 0, 0, 0, 0, 0], categoryId: 1 },
      { features: [1, 2, 3], categoryId: 1 }, // refused by the contract's validate
      { features: good[0]!.features, categoryId: 1.5 }, // refused by encode (not an integer id)
    ];
    const rows = [good[0]!, bad[0]!, good[1]!, bad[1]!, bad[2]!, good[2]!, bad[3]!, bad[4]!, good[3]!];
    const ctx = context();
    const settled = await Promise.allSettled(rows.map((row) => model.load(ctx, row)));
    const codes = settled.map((s) =>
      s.status === "fulfilled" ? "ok" : (s.reason as GraphQLError).extensions["code"],
    );
    const B = ErrorCode.BAD_USER_INPUT;
    expect(codes).toEqual(["ok", B, "ok", B, B, "ok", B, B, "ok"]);
    const messages = settled.flatMap((s) => (s.status === "rejected" ? [(s.reason as Error).message] : []));
    expect(messages).toEqual([
      "platform-test: category_id id -1 is outside the model's vocabulary [0, 16)",
      "platform-test: category_id id 16 is outside the model's vocabulary [0, 16)",
      "platform-test: feature x0 is not a finite number",
      "platform-test: expected 6 features, got 3",
      "platform-test: value 1.5 at row 0 is not an integer id",
    ]);
    const ok = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    ok.forEach((r, i) => expectClose(r.logits, expectedLogits[i]!));
    expect(model.stats).toMatchObject({ runs: 1, rows: 4, rejectedRows: 5 });
  });

  it("does not run at all when every row is bad", async () => {
    model.resetStats();
    const results = await model.predictBatch([{ features: sample[0]!.features, categoryId: -3 }]);
    expect((results[0] as GraphQLError).extensions["code"]).toBe(ErrorCode.BAD_USER_INPUT);
    expect(model.stats.runs).toBe(0);
  });

  it("answers its readiness check, and fails rows with UNAVAILABLE once closed", async () => {
    const other = await BatchedModel.create(registry, "platform-test", platformTestContract);
    const readiness = other.readiness();
    expect(readiness.name).toBe("model:platform-test");
    expect(await readiness.check()).toBe(true);
    await other.close();
    expect(await readiness.check()).toBe(false);
    const [result] = await other.predictBatch([sample[0]!]);
    expect((result as GraphQLError).extensions["code"]).toBe(ErrorCode.UNAVAILABLE);
  });
});
