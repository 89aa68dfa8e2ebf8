import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import {
  BatchedModel,
  FeatureStore,
  ModelRegistry,
  RedisFeatureBackend,
  defineFeatureSet,
  platformTestContract,
  type PlatformTestResult,
  type PlatformTestRow,
} from "@aisle/ml";

/**
 * The `platform` suite: what batching buys per item, what the worker pool buys for the event loop, and what
 * MGET/pipelining buy against the real Redis. Figures are per item or ratios of runs side by side.
 */
export interface PlatformBenchResult {
  readonly inference: Record<
    string,
    { batchedUsPerItem: number; oneRowPerRunUsPerItem: number; ratio: number }
  >;
  readonly eventLoop: Record<
    string,
    { delayP50Ms: number; delayP99Ms: number; delayMaxMs: number; rowsPerSecond: number; requests: number }
  >;
  readonly redis:
    | Record<
        string,
        {
          oneCommandPerKeyUs: number;
          pipelinedUs: number;
          mgetUs: number;
          featureStoreReadUs: number;
          perKeyOverMget: number;
          perKeyOverPipeline: number;
        }
      >
    | { skipped: string };
}

const rows = (n: number): PlatformTestRow[] =>
  Array.from({ length: n }, (_, i) => ({
    features: Array.from({ length: 6 }, (_, j) => Math.sin(i * 13 + j)),
    categoryId: i % 16,
  }));

/** Mean µs per call of `fn`, run for about `budgetMs` after a warm-up. */
async function timePerCall(fn: () => Promise<unknown>, budgetMs = 400): Promise<number> {
  for (let i = 0; i < 5; i += 1) await fn();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < budgetMs) {
    await fn();
    calls += 1;
  }
  return ((performance.now() - start) * 1000) / calls;
}

const round = (v: number, digits = 2): number => Number(v.toFixed(digits));

async function inferenceBench(
  model: BatchedModel<PlatformTestRow, PlatformTestResult>,
): Promise<PlatformBenchResult["inference"]> {
  const out: Record<string, { batchedUsPerItem: number; oneRowPerRunUsPerItem: number; ratio: number }> = {};
  for (const n of [1, 10, 100, 1000]) {
    const batch = rows(n);
    const batched = (await timePerCall(() => model.predictBatch(batch))) / n;
    const oneByOne =
      (await timePerCall(async () => {
        for (const row of batch) await model.predictBatch([row]);
      })) / n;
    out[`${n} rows`] = {
      batchedUsPerItem: round(batched),
      oneRowPerRunUsPerItem: round(oneByOne),
      ratio: round(oneByOne / batched),
    };
    process.stderr.write(`  inference ${n} rows: ${JSON.stringify(out[`${n} rows`])}\n`);
  }
  return out;
}

/** Concurrent requests of 1,000 rows each for `ms`, while the event loop's delay is sampled. */
async function eventLoopUnderLoad(
  model: BatchedModel<PlatformTestRow, PlatformTestResult>,
  concurrency: number,
  ms: number,
): Promise<PlatformBenchResult["eventLoop"][string]> {
  const batch = rows(1000);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let requests = 0;
  const until = performance.now() + ms;
  histogram.enable();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await model.predictBatch(batch.map((r) => ({ ...r })));
        requests += 1;
      }
    }),
  );
  const elapsed = performance.now() - start;
  histogram.disable();
  return {
    delayP50Ms: round(histogram.percentile(50) / 1e6),
    delayP99Ms: round(histogram.percentile(99) / 1e6),
    delayMaxMs: round(histogram.max / 1e6),
    rowsPerSecond: Math.round((requests * 1000 * 1000) / elapsed),
    requests,
  };
}

async function redisBench(): Promise<PlatformBenchResult["redis"]> {
  const client = new Redis("redis://127.0.0.1:6379", {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch {
    return { skipped: "Redis is not running on 127.0.0.1:6379" };
  }
  const prefix = `bench:ml:${process.pid}`;
  const set = defineFeatureSet({
    name: "bench",
    version: 1,
    fields: { a: { default: 0, description: "a" } },
  });
  const backend = new RedisFeatureBackend({ url: "redis://127.0.0.1:6379", commandTimeoutMs: 1000 });
  const store = new FeatureStore({ backend, namespace: prefix, cacheTtlMs: 0, timeoutMs: 1000 });
  await store.connect(2000);
  const out: Record<
    string,
    {
      oneCommandPerKeyUs: number;
      pipelinedUs: number;
      mgetUs: number;
      featureStoreReadUs: number;
      perKeyOverMget: number;
      perKeyOverPipeline: number;
    }
  > = {};
  try {
    for (const n of [10, 100, 1000]) {
      const ids = Array.from({ length: n }, (_, i) => `k${i}`);
      await store.write(
        set,
        ids.map((id, i) => [id, { a: i }] as const),
      );
      const keys = ids.map((id) => store.keyOf(set, id));
      const perKey = await timePerCall(async () => {
        for (const key of keys) await client.get(key);
      });
      const pipelined = await timePerCall(async () => {
        const p = client.pipeline();
        for (const key of keys) p.get(key);
        await p.exec();
      });
      const mget = await timePerCall(() => client.mget(...keys));
      const viaStore = await timePerCall(() => store.read(set, ids));
      out[`${n} keys`] = {
        oneCommandPerKeyUs: round(perKey, 0),
        pipelinedUs: round(pipelined, 0),
        mgetUs: round(mget, 0),
        featureStoreReadUs: round(viaStore, 0),
        perKeyOverMget: round(perKey / mget, 1),
        perKeyOverPipeline: round(perKey / pipelined, 1),
      };
      process.stderr.write(`  redis ${n} keys: ${JSON.stringify(out[`${n} keys`])}\n`);
    }
  } finally {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
    await store.close();
  }
  return out;
}

export async function runPlatformBench(): Promise<PlatformBenchResult> {
  const registry = await ModelRegistry.load();
  const inThread = await BatchedModel.create(registry, "platform-test", platformTestContract, {
    maxBatchSize: 1000,
  });
  const pooled = await BatchedModel.create(registry, "platform-test", platformTestContract, {
    maxBatchSize: 1000,
    workers: 2,
    maxQueue: 1000,
  });
  try {
    const inference = await inferenceBench(inThread);
    const eventLoop: PlatformBenchResult["eventLoop"] = {};
    for (const [name, model] of [
      ["in-thread", inThread],
      ["worker pool (2)", pooled],
    ] as const) {
      eventLoop[name] = await eventLoopUnderLoad(model, 8, 3000);
      process.stderr.write(`  event loop, ${name}: ${JSON.stringify(eventLoop[name])}\n`);
    }
    return { inference, eventLoop, redis: await redisBench() };
  } finally {
    await Promise.all([inThread.close(), pooled.close()]);
  }
}
