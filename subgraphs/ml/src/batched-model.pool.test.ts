import { ANONYMOUS, createLogger, RequestContext } from "@aisle/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchedModel } from "./batched-model.ts";
import { ModelRegistry } from "./model-registry.ts";
import {
  platformTestContract,
  type PlatformTestResult,
  type PlatformTestRow,
} from "./platform-test.model.ts";

const log = createLogger("test", "silent");
let inThread: BatchedModel<PlatformTestRow, PlatformTestResult>;
let pooled: BatchedModel<PlatformTestRow, PlatformTestResult>;

/** Deterministic rows covering every category. */
const rows: PlatformTestRow[] = Array.from({ length: 64 }, (_, i) => ({
  features: Array.from({ length: 6 }, (_, j) => Math.sin(i * 7 + j) * 2),
  categoryId: i % 16,
}));

beforeAll(async () => {
  const registry = await ModelRegistry.load();
  inThread = await BatchedModel.create(registry, "platform-test", platformTestContract, { workers: 0 });
  pooled = await BatchedModel.create(registry, "platform-test", platformTestContract, { workers: 2 });
});
afterAll(async () => {
  await Promise.all([inThread.close(), pooled.close()]);
});

describe("BatchedModel in a worker pool", () => {
  it("runs in worker threads", () => {
    expect(pooled.mode).toBe("worker-pool");
    expect(inThread.mode).toBe("in-thread");
  });

  it("gives outputs identical to the in-thread session, batched the same way", async () => {
    const ctx = new RequestContext("pool", ANONYMOUS, log);
    const fromPool = await Promise.all(rows.map((row) => pooled.load(ctx, row)));
    const fromThread = await inThread.predictBatch(rows);
    expect(pooled.stats).toMatchObject({ runs: 1, rows: 64 });
    expect(fromPool).toEqual(fromThread);
  });

  it("isolates bad rows in the pool too", async () => {
    const results = await pooled.predictBatch([
      rows[0]!,
      { features: rows[1]!.features, categoryId: 99 },
      rows[2]!,
    ]);
    expect(results[0]).toEqual((await inThread.predictBatch([rows[0]!]))[0]);
    expect(results[1]).toBeInstanceOf(Error);
    expect(results[2]).toEqual((await inThread.predictBatch([rows[2]!]))[0]);
  });

  it("serves concurrent batches from several workers", async () => {
    const batches = await Promise.all(Array.from({ length: 6 }, () => pooled.predictBatch(rows)));
    const expected = await inThread.predictBatch(rows);
    for (const batch of batches) expect(batch).toEqual(expected);
  });
});
