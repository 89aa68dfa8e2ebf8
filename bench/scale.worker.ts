import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { ANONYMOUS, createLogger, RequestContext } from "@aisle/kit";
import {
  createFeatureStore,
  DEFAULT_MODELS_DIR,
  featureStoreConfigFromEnv,
  ModelRegistry,
  modelOptionsFromEnv,
  type FeatureStore,
} from "@aisle/ml";
import { productDemandFeatures } from "@aisle/pricing";
import {
  buildSearchEngine,
  DEFAULT_RERANKER_FILE,
  DEFAULT_SYNONYMS_FILE,
  documentsFromWorld,
  EmbeddedBackend,
  LinearReranker,
  LtrRanker,
  SearchService,
  Synonyms,
  TextEncoder,
} from "@aisle/search";
import { generateWorld, marketFor } from "@aisle/world";
import { CatalogStore } from "../subgraphs/catalog/src/catalog.store.ts";
import { featuresFromMarket } from "../subgraphs/pricing/src/demand.features.ts";
import { CatalogFacts } from "../subgraphs/recommendation/src/catalog-facts.store.ts";
import { RANKER_FEATURE_COUNT } from "../subgraphs/recommendation/src/features.ts";
import { ItemIndex } from "../subgraphs/recommendation/src/item-index.ts";
import { loadRecommendationModels, predictAll } from "../subgraphs/recommendation/src/models.ts";
import { buildItemVectors } from "../subgraphs/recommendation/src/recommendation.service.ts";
import { Vocabulary } from "../subgraphs/recommendation/src/vocabulary.model.ts";

/**
 * One catalogue size of the scale suite, in its own process (`node --expose-gc ... scale.worker.ts <products>
 * <out.json> <redis url>`; the suite owns that private redis-server), so every size starts from an empty heap. Each step builds what a subgraph builds at start with
 * the subgraph's own classes, over a world generated at that size, and records its time and its memory
 * (heap, external and RSS deltas between forced collections). The figures so far are rewritten to <out.json>
 * after every step: a size stopped by the time limit still reports the steps it finished.
 */

export interface Memory {
  readonly heapMb: number;
  readonly externalMb: number;
  readonly rssMb: number;
}

/** Wall time, and CPU time of the whole process (every thread): on a shared box the CPU time is the cost. */
export interface Cost {
  readonly ms: number;
  readonly cpuMs: number;
}

export interface ScaleSteps {
  world?: Cost & { memory: Memory };
  catalog?: { store: Cost; listings: Cost; memory: Memory };
  recommendation?: {
    modelsLoad: Cost;
    /** The item tower over every item (predictAll), for the control. */
    tower: Cost;
    /** buildItemVectors: the item tower over every item, then ItemIndex.addAll (what start-up runs). */
    vectorsAndIndex: Cost;
    /** Item vectors and both HNSW indexes as buildItemVectors leaves them. */
    memory: Memory;
    /** Items whose vector equals another item's (cold-start items share their five attribute ids). */
    duplicateVectorShare: number;
    query: AnnQuery;
  };
  /** ItemIndex over the tower's vectors with a little noise each (no two equal): the HNSW's own growth. */
  recommendationDistinct?: { build: Cost; memory: Memory; query: AnnQuery };
  search?: {
    build: Cost;
    /** Wall times the engine reports for its two parts. */
    indexMs: number;
    embedMs: number;
    memory: Memory;
    /** Absent when the size ran out of time while querying. */
    query?: Latency;
  };
  features?: {
    /** The product features' source (the demo market replayed per product), not part of the store. */
    market: Cost;
    /** The embedded default (FEATURE_STORE=memory): the backend's map and the store's LRU cache. */
    memoryBackend: { write: Cost; memory: Memory };
    redis: {
      write: Cost;
      usedMemoryMb: number;
      bytesPerProduct: number;
      /** Every product read once through the store (batches of 1,000 ids). */
      readAll: Cost;
      /** The serving process's side: the client and the store's LRU cache (writes and reads fill it; 50,000 keys at most). */
      processMemory: Memory;
    };
  };
}

/** Per query: wall p50/p99, and the CPU time p50 (what the query costs, whatever else the box runs). */
export interface Latency {
  readonly queries: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuP50Ms: number;
}

export interface AnnQuery {
  readonly k: number;
  readonly ann: Latency;
  readonly exact: Latency;
  /** Share of the exact top k that the ANN returns (ties at the k-th score count as found). */
  readonly recallAtK: number;
  readonly recallAt10: number;
  /** ItemIndex.neighbours(id, 20): similar items. */
  readonly neighbours: Latency;
}

export interface ScaleSize {
  readonly products: number;
  readonly users: number;
  readonly steps: ScaleSteps;
  /** Steps that threw (their stack): the run goes on with the next step. */
  readonly errors: Record<string, string>;
  readonly done: boolean;
  readonly peakRssMb: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");

function settled(): NodeJS.MemoryUsage {
  gc!();
  gc!();
  return process.memoryUsage();
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const ms = (x: number) => Math.round(x * 1000) / 1000;

function delta(before: NodeJS.MemoryUsage): Memory {
  const after = settled();
  return {
    heapMb: mb(after.heapUsed - before.heapUsed),
    externalMb: mb(after.external - before.external),
    rssMb: mb(after.rss - before.rss),
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return ms(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
}

const cpuNow = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

async function timed<T>(run: () => Promise<T> | T): Promise<{ value: T; cost: Cost }> {
  const [t0, c0] = [performance.now(), cpuNow()];
  const value = await run();
  return { value, cost: { ms: Math.round(performance.now() - t0), cpuMs: Math.round(cpuNow() - c0) } };
}

/** Collects per-call wall and CPU times. */
class Clock {
  readonly #wall: number[] = [];
  readonly #cpu: number[] = [];
  async time<T>(run: () => Promise<T> | T): Promise<T> {
    const [t0, c0] = [performance.now(), cpuNow()];
    const value = await run();
    this.#wall.push(performance.now() - t0);
    this.#cpu.push(cpuNow() - c0);
    return value;
  }
  get latency(): Latency {
    return {
      queries: this.#wall.length,
      p50Ms: percentile(this.#wall, 0.5),
      p99Ms: percentile(this.#wall, 0.99),
      cpuP50Ms: percentile(this.#cpu, 0.5),
    };
  }
}

/** Evenly spread sample of `count` items (deterministic). */
function sample<T>(items: readonly T[], count: number): T[] {
  const step = Math.max(1, Math.floor(items.length / count));
  return items.filter((_, i) => i % step === 0).slice(0, count);
}

/** The vector moved by deterministic noise of 5 % of its per-component RMS (breaks exact ties). */
function jitter(vector: Float32Array, seed: number): Float32Array {
  const rms = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0) / vector.length) || 1;
  let state = (seed * 2654435761) >>> 0;
  return vector.map((x) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return x + (state / 2 ** 32 - 0.5) * 0.1 * rms;
  });
}

async function annQuery(index: ItemIndex, ids: readonly string[], k: number): Promise<AnnQuery> {
  const queries = sample(ids, ids.length >= 1_000_000 ? 100 : 200);
  const [ann, exact, neighbours] = [new Clock(), new Clock(), new Clock()];
  let found = 0;
  let found10 = 0;
  for (const id of queries) {
    // Item vectors as queries: user vectors live in the same space and are searched the same way.
    const q = index.vector(id)!;
    const approx = await ann.time(() => index.search(q, k));
    const truth = await exact.time(() => index.exact(q, k));
    await neighbours.time(() => index.neighbours(id, 20));
    const kth = truth[truth.length - 1]!.score - 1e-5;
    const tenth = truth[Math.min(9, truth.length - 1)]!.score - 1e-5;
    found += approx.filter((n) => n.score >= kth).length / truth.length;
    found10 += approx.slice(0, 10).filter((n) => n.score >= tenth).length / Math.min(10, truth.length);
  }
  return {
    k,
    ann: ann.latency,
    exact: exact.latency,
    recallAtK: ms(found / queries.length),
    recallAt10: ms(found10 / queries.length),
    neighbours: neighbours.latency,
  };
}

async function usedMemory(url: string): Promise<number> {
  const { Redis } = await import("ioredis");
  const client = new Redis(url);
  const info = await client.info("memory");
  client.disconnect();
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

type Entries = (readonly [string, ReturnType<typeof featuresFromMarket>])[];

/** Writes the product features as pricing's seed does (batches of 2,000, then the build marker). */
async function seed(features: FeatureStore, entries: Entries): Promise<void> {
  for (let i = 0; i < entries.length; i += 2_000)
    await features.write(productDemandFeatures, entries.slice(i, i + 2_000));
  await features.markBuilt(productDemandFeatures);
}

async function main(): Promise<void> {
  const products = Number(process.argv[2]);
  const out = process.argv[3]!;
  const redisUrl = process.argv[4]!;
  const users = 1_000;
  const steps: ScaleSteps = {};
  const errors: Record<string, string> = {};
  let peakRss = 0;
  const save = (done: boolean) => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const record: ScaleSize = { products, users, steps, errors, done, peakRssMb: mb(peakRss) };
    writeFileSync(out, JSON.stringify(record, null, 2));
  };
  const log = createLogger("bench", "error");
  const progress = (step: string) => process.stderr.write(`  scale ${products}: ${step}\n`);
  const keep: unknown[] = [];
  /**
   * Runs one step (of BENCH_SCALE_STEPS, comma separated, when set: catalog, search, features, recommendation);
   * a step that throws is recorded in `errors` and the next one runs.
   */
  const only = process.env["BENCH_SCALE_STEPS"]?.split(",");
  const step = async (name: string, run: () => Promise<void>) => {
    if (only !== undefined && !only.includes(name)) return;
    try {
      await run();
    } catch (error) {
      errors[name] = String(error instanceof Error ? (error.stack ?? error.message) : error).slice(0, 600);
      progress(`${name} FAILED: ${errors[name]}`);
    }
    save(false);
  };

  let base = settled();
  const world = await timed(() => generateWorld({ productCount: products, userCount: users }));
  steps.world = { ...world.cost, memory: delta(base) };
  const ids = world.value.products.map((p) => p.id);
  save(false);
  progress(`world ${JSON.stringify(steps.world)}`);

  await step("catalog", async () => {
    base = settled();
    const store = await timed(() => new CatalogStore(world.value));
    const listings = await timed(() => {
      for (const c of world.value.categories) if (c.parentId === null) store.value.listing(c.id);
    });
    steps.catalog = { store: store.cost, listings: listings.cost, memory: delta(base) };
    progress(`catalog ${JSON.stringify(steps.catalog)}`);
    keep.push(store.value);
  });

  await step("search", async () => {
    const encoder = await TextEncoder.load(modelOptionsFromEnv("search", process.env));
    const reranker = await LinearReranker.load(DEFAULT_RERANKER_FILE);
    const ranker = await LtrRanker.load(DEFAULT_MODELS_DIR);
    const synonyms = Synonyms.load(DEFAULT_SYNONYMS_FILE);
    base = settled();
    const categories = world.value.categories.map((c) => ({ id: c.id, name: c.name }));
    const engine = await timed(() =>
      buildSearchEngine({
        backend: new EmbeddedBackend(),
        encoder,
        docs: documentsFromWorld(world.value),
        categories,
        synonyms,
        reranker,
        ranker,
      }),
    );
    steps.search = {
      build: engine.cost,
      indexMs: Math.round(engine.value.report.tookMs),
      embedMs: Math.round(engine.value.embedMs),
      memory: delta(base),
    };
    save(false);
    progress(`search index built ${JSON.stringify(steps.search)}; querying`);
    const docs = engine.value.corpus;
    const service = new SearchService(
      engine.value.retriever,
      engine.value.understanding,
      encoder,
      {
        categories: new Map(categories.map((c) => [c.id, c.name])),
        brands: new Map(world.value.brands.map((b) => [b.id, b.name])),
        attributeNames: [],
      },
      { affinities: async () => new Map() },
      engine.value.autocomplete,
    );
    type SearchArgs = Parameters<SearchService["search"]>[1];
    // The search suite's shopper queries: typos, synonyms, price phrases, category words.
    const texts = [
      "wireless earbuds",
      "black sneakers under 150",
      "rucksack",
      "coffe maker",
      "yoga mat",
      "red dress",
    ];
    const [warm, clock] = [new Clock(), new Clock()];
    // 20 rounds of the six queries, 3 from 10^6 documents (a query there takes most of a second).
    const rounds = products >= 1_000_000 ? 3 : 20;
    for (let i = 0; i < texts.length * rounds; i++) {
      const args: SearchArgs = {
        query: texts[i % texts.length]!,
        filters: [],
        sort: "RELEVANCE" as SearchArgs["sort"],
        first: 24,
        after: null,
        personalize: false,
      };
      // The first round warms up.
      await (i < texts.length ? warm : clock).time(() =>
        service.search(new RequestContext(`s${i}`, ANONYMOUS, log), args),
      );
    }
    steps.search = { ...steps.search, query: clock.latency };
    progress(`search (${docs.size} documents) ${JSON.stringify(steps.search)}`);
    await encoder.close();
    await ranker?.close();
    keep.push(engine.value, service);
  });

  await step("features", async () => {
    const market = await timed(() => {
      const m = marketFor(world.value);
      return ids.flatMap((id) => {
        const state = m.state(id);
        return state === null ? [] : [[id, featuresFromMarket(state)] as const];
      });
    });
    base = settled();
    const inMemory = createFeatureStore(featureStoreConfigFromEnv({ FEATURE_STORE: "memory" }));
    const memoryWrite = await timed(() => seed(inMemory, market.value));
    const memoryBackend = { write: memoryWrite.cost, memory: delta(base) };
    await inMemory.close();
    {
      const redisBase = await usedMemory(redisUrl);
      base = settled();
      const features = createFeatureStore(
        featureStoreConfigFromEnv({ FEATURE_STORE: "redis", REDIS_URL: redisUrl }),
      );
      if (!(await features.connect(2_000))) throw new Error(`no Redis at ${redisUrl}`);
      const redisWrite = await timed(() => seed(features, market.value));
      const used = (await usedMemory(redisUrl)) - redisBase;
      const readAll = await timed(async () => {
        for (let i = 0; i < ids.length; i += 1_000)
          await features.read(productDemandFeatures, ids.slice(i, i + 1_000));
      });
      steps.features = {
        market: market.cost,
        memoryBackend,
        redis: {
          write: redisWrite.cost,
          usedMemoryMb: mb(used),
          bytesPerProduct: Math.round(used / market.value.length),
          readAll: readAll.cost,
          processMemory: delta(base),
        },
      };
      await features.close();
    }
    progress(`features ${JSON.stringify(steps.features)}`);
  });

  await step("recommendation", async () => {
    // Recommendation last: its served build can outrun the time limit at 1M (see duplicateVectorShare).
    const models = await timed(async () => {
      const [vocab, registry] = await Promise.all([
        Vocabulary.load(DEFAULT_MODELS_DIR),
        ModelRegistry.load({ modelsDir: DEFAULT_MODELS_DIR }),
      ]);
      const loaded = await loadRecommendationModels(registry, vocab.maxLen, RANKER_FEATURE_COUNT, (name) =>
        modelOptionsFromEnv(name, process.env),
      );
      return { vocab, loaded };
    });
    const { vocab, loaded } = models.value;
    const facts = new CatalogFacts(world.value);
    const items = [...facts.all()];
    // The item tower alone, on the rows buildItemVectors makes, for the control below.
    const tower = await timed(() =>
      predictAll(
        loaded.itemTower,
        items.map((item) => ({ itemId: vocab.itemIndex(item.id), attrIds: vocab.attributeIds(item) })),
      ),
    );
    const distinct = new Set(
      tower.value.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64")),
    ).size;
    // Control: the same vectors, each moved by a little deterministic noise so that no two are equal: the HNSW
    // index's own growth, apart from the duplicates that cold-start items bring.
    base = settled();
    const control = new ItemIndex({ dim: vocab.dim });
    const controlBuild = await timed(() =>
      control.addAll(items.map((item, i) => [item.id, jitter(tower.value[i]!, i)])),
    );
    steps.recommendationDistinct = {
      build: controlBuild.cost,
      memory: delta(base),
      query: await annQuery(control, ids, 100),
    };
    save(false);
    progress(`recommendation, distinct vectors ${JSON.stringify(steps.recommendationDistinct)}`);

    base = settled();
    const index = new ItemIndex({ dim: vocab.dim });
    const built = await timed(() => buildItemVectors(loaded, facts, vocab, index));
    const recMemory = delta(base);
    progress(`item vectors and index built in ${built.cost.ms} ms; querying`);
    steps.recommendation = {
      modelsLoad: models.cost,
      tower: tower.cost,
      vectorsAndIndex: built.cost,
      memory: recMemory,
      duplicateVectorShare: ms(1 - distinct / items.length),
      query: await annQuery(index, ids, 100),
    };
    await loaded.close();
    progress(`recommendation ${JSON.stringify(steps.recommendation)}`);
    keep.push(facts, index, control);
  });
  save(true);
  // What each step built stayed alive until its memory was measured.
  void keep;
  process.exit(0);
}

await main();
