import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildManifest, readModelSpec, type ModelSpec } from "@aisle/ml";
import {
  buildSearchEngine,
  EmbeddedBackend,
  FieldStats,
  LTR_FEATURES,
  ltrFeatureRows,
  NO_FILTERS,
  RANKER_MODEL,
  rankByModel,
  reciprocalRankFusion,
  type LtrRanker,
  type Candidate,
  type LtrQuery,
  type SearchBackend,
  type SearchEngine,
  type Synonyms,
  type TextEncoder,
} from "@aisle/search";
import { createRng, hashString } from "@aisle/world";
import { readRelevanceDataset, type RelevanceDataset } from "./dataset.ts";
import { gain, mean, ndcgAt } from "./metrics.ts";

/**
 * Learning to rank from relevance judgements, shared by `npm run train -- search --judgments <dir>` (train.ts)
 * and the evaluation (eval.ts), so the evaluation measures exactly what training ships:
 *
 * 1. every judged query runs through the subgraph's own retriever (`runJudgedQueries`); its candidates are the
 *    fused lexical top `depth` and semantic hits, as served;
 * 2. `learnRanker` picks the semantic weight of the fusion (the candidates' order without the model) by mean
 *    full-corpus NDCG@10, writes the candidates' feature rows through `ltrFeatureRows` (the serving code), and
 *    runs train_ltr.py (XGBoost rank:ndcg → ONNX) into a registry folder, whose manifest the subgraph serves.
 */

const HERE = resolve(fileURLToPath(import.meta.url), "..");
const PYTHON = "/usr/bin/python3";

/** Candidates taken from each side of the retrieval (the subgraph's SEARCH_RERANK_DEPTH default). */
export const DEPTH = 100;
/** Semantic weights of the fusion tried on the training queries (lexical weight 1). */
export const SEMANTIC_WEIGHTS = [0, 0.25, 0.5, 1];

/** One judged query run through the serving retriever, with its candidates' feature rows. */
export interface JudgedRun {
  readonly id: string;
  readonly judged: ReadonlyMap<string, number>;
  /** BM25 alone, semantic alone, as the fusion's inputs (lexical: top `depth`). */
  readonly lexicalIds: readonly string[];
  readonly allLexicalIds: readonly string[];
  readonly semanticIds: readonly string[];
  readonly semanticKeptIds: readonly string[];
  /** Any-word lexical hits the strict query missed (candidates when the ranker is enabled). */
  readonly looseIds: readonly string[];
  /** The candidates the ranker scores (lexical top `depth` ∪ kept semantic hits), in the engine's fused order. */
  readonly candidates: readonly Candidate[];
  readonly query: LtrQuery;
  /** ltrFeatureRows of `candidates`. */
  readonly rows: Float32Array;
}

/** Indexes a dataset's products into a fresh embedded engine, as the subgraph builds its own. */
export async function datasetEngine(
  ds: RelevanceDataset,
  encoder: TextEncoder,
  synonyms: Synonyms,
  backend: SearchBackend = new EmbeddedBackend(),
): Promise<SearchEngine> {
  return buildSearchEngine({
    backend,
    encoder,
    docs: ds.docs,
    categories: [],
    synonyms,
    reranker: null,
    retriever: { depth: DEPTH },
  });
}

/** A seeded sample of a dataset's judged queries (all of them when `sample` is undefined). */
export function sampleQueries<T>(queries: readonly T[], sample: number | undefined, seed: number): T[] {
  return sample === undefined
    ? [...queries]
    : createRng(hashString(`search-eval-sample:${seed}`)).sample([...queries], sample);
}

/** Runs judged queries through the engine's retriever and computes their candidates' feature rows. */
export async function runJudgedQueries(
  engine: SearchEngine,
  ds: RelevanceDataset,
  queries: readonly { id: string; text: string }[],
  say: (m: string) => void = () => {},
): Promise<JudgedRun[]> {
  const stats = engine.retriever.ranker?.stats ?? new FieldStats(ds.docs);
  const understood = queries.map((q) => engine.understanding.understand(q.text));
  const vectors = await engine.encoder.embedAll(
    understood.map((u) => u.text),
    "query",
  );
  const runs: JudgedRun[] = [];
  for (const [i, q] of queries.entries()) {
    const u = understood[i] as (typeof understood)[number];
    const result = await engine.retriever.retrieve({
      understanding: u,
      queryVector: vectors[i] as Float32Array,
      filters: NO_FILTERS,
      mode: "hybrid",
      size: DEPTH,
      facets: false,
      looseCandidates: true,
    });
    const lexicalIds = result.lexicalIds.slice(0, DEPTH);
    const pool = new Set([...lexicalIds, ...result.semanticKeptIds, ...result.looseIds]);
    const candidates = result.ranked.filter((c) => pool.has(c.doc.id));
    const query: LtrQuery = {
      text: u.text,
      intentCategoryId: result.rankingIntent?.category.id ?? null,
      extracted: u.extracted,
    };
    runs.push({
      id: q.id,
      judged: ds.qrels.get(q.id) ?? new Map(),
      lexicalIds,
      allLexicalIds: result.lexicalIds,
      semanticIds: result.semanticIds,
      semanticKeptIds: result.semanticKeptIds,
      looseIds: result.looseIds,
      candidates,
      query,
      rows: ltrFeatureRows(candidates, query, stats),
    });
    if ((i + 1) % 500 === 0) say(`${basename(ds.dir)}: ${i + 1}/${queries.length} queries`);
  }
  return runs;
}

/**
 * The fused order of a run's candidates for a semantic weight (the subgraph's fusion function); with `loose`,
 * followed by the any-word candidates, as the retriever orders them when the ranker is enabled.
 */
export function fusedOrder(run: JudgedRun, weight: number, loose = false): string[] {
  const ids = reciprocalRankFusion([{ ids: run.lexicalIds }, { ids: run.semanticKeptIds, weight }]).map(
    (o) => o.id,
  );
  if (!loose) return ids;
  const seen = new Set(ids);
  return [...ids, ...run.looseIds.filter((id) => !seen.has(id))];
}

/**
 * The fusion's semantic weight, from the runs: 0 (BM25's order) unless another weight's fused order beats it
 * beyond noise in mean full-corpus NDCG@10 (the 5th percentile of a paired bootstrap over queries is above
 * 0); among those, the best mean. A shipped default must not fall below BM25 on a lucky mean.
 */
export function chooseSemanticWeight(runs: readonly JudgedRun[], seed = 7): number {
  const perQuery = (weight: number) => runs.map((r) => ndcgAt(10, fusedOrder(r, weight), r.judged));
  const base = perQuery(0);
  let best = { weight: 0, ndcg: mean(base) };
  for (const weight of SEMANTIC_WEIGHTS.filter((w) => w !== 0)) {
    const scores = perQuery(weight);
    const diff = scores.map((x, i) => x - (base[i] as number));
    if (bootstrapLower(diff, seed) > 0 && mean(scores) > best.ndcg) best = { weight, ndcg: mean(scores) };
  }
  return best.weight;
}

/** The means of 2,000 resamples of `xs` (with replacement, over queries), ascending; `key` seeds them. */
export function bootstrapMeans(xs: readonly number[], key: string): number[] {
  const rng = createRng(hashString(key));
  return Array.from({ length: 2000 }, () => {
    let sum = 0;
    for (let i = 0; i < xs.length; i += 1) sum += xs[rng.int(0, xs.length - 1)] as number;
    return sum / xs.length;
  }).sort((a, b) => a - b);
}

/** The 5th percentile of the mean of `diff` over 2,000 seeded resamples (one-sided paired bootstrap bound). */
export function bootstrapLower(diff: readonly number[], seed: number): number {
  if (diff.length === 0) return 0;
  return bootstrapMeans(diff, `search-ltr-bootstrap:${seed}`)[99] as number;
}

/**
 * The order the subgraph serves for a judged run under a learned ranker: the fusion at its semantic weight
 * (followed by the any-word candidates when the ranker is enabled), then ordered by the ranker when enabled.
 */
export async function servedRanking(ranker: LtrRanker, stats: FieldStats, run: JudgedRun): Promise<string[]> {
  const byId = new Map(run.candidates.map((c) => [c.doc.id, c]));
  const fused = fusedOrder(run, ranker.settings.semanticWeight, ranker.settings.enabled)
    .map((id, i) => ({ ...(byId.get(id) as JudgedRun["candidates"][number]), score: -i }))
    .filter((c) => c.doc !== undefined);
  const served = ranker.settings.enabled
    ? await rankByModel(ranker, stats, fused, fused.length, run.query)
    : fused;
  return served.map((c) => c.doc.id);
}

function idealDcg10(judged: ReadonlyMap<string, number>): number {
  return [...judged.values()]
    .sort((a, b) => b - a)
    .slice(0, 10)
    .reduce((s, g, i) => s + gain(g) / Math.log2(i + 2), 0);
}

/** Writes the runs' feature rows and labels in train_ltr.py's format (rows.f32 + meta.json). */
export async function writeTrainingRows(
  runs: readonly JudgedRun[],
  weight: number,
  dir: string,
): Promise<void> {
  const total = runs.reduce((s, r) => s + r.candidates.length, 0);
  const rows = new Float32Array(total * LTR_FEATURES.length);
  const grades: number[] = [];
  const fallbackRank: number[] = [];
  let offset = 0;
  for (const r of runs) {
    rows.set(r.rows, offset);
    offset += r.rows.length;
    const rank = new Map(fusedOrder(r, weight, true).map((id, i) => [id, i]));
    for (const c of r.candidates) {
      grades.push(r.judged.get(c.doc.id) ?? 0);
      fallbackRank.push(rank.get(c.doc.id) ?? rank.size);
    }
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "rows.f32"), new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
  await writeFile(
    join(dir, "meta.json"),
    JSON.stringify({
      features: LTR_FEATURES,
      groups: runs.map((r) => r.candidates.length),
      queries: runs.map((r) => r.id),
      grades,
      fallbackRank,
      idealDcg: runs.map((r) => idealDcg10(r.judged)),
    }),
  );
}

function runPython(args: readonly string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(PYTHON, args, {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, OMP_NUM_THREADS: process.env["OMP_NUM_THREADS"] ?? "1", PYTHONUNBUFFERED: "1" },
    });
    child.on("error", fail);
    child.on("exit", (code) =>
      code === 0 ? done() : fail(new Error(`${PYTHON} ${args.join(" ")} failed (exit ${code})`)),
    );
  });
}

/**
 * Learns the served ranking from judged runs into `registryDir`: the fusion's semantic weight, then the
 * gradient-boosted ranker on the candidates' feature rows (train_ltr.py). Writes
 * `<registryDir>/search-ranker/{search-ranker.onnx, model.json, parity.json}`; returns the model.json content.
 */
export async function learnRanker(
  runs: readonly JudgedRun[],
  registryDir: string,
  options: { trainedOn: string; seed?: number },
): Promise<ModelSpec> {
  const weight = chooseSemanticWeight(runs, options.seed ?? 7);
  const rowsDir = await mkdtemp(join(tmpdir(), "aisle-ltr-rows-"));
  try {
    await writeTrainingRows(runs, weight, rowsDir);
    const out = join(registryDir, RANKER_MODEL);
    await runPython([
      join(HERE, "train_ltr.py"),
      "--data",
      rowsDir,
      "--out",
      out,
      "--semantic-weight",
      String(weight),
      "--seed",
      String(options.seed ?? 7),
      "--trained-on",
      options.trainedOn,
    ]);
    return await readModelSpec(join(out, "model.json"));
  } finally {
    await rm(rowsDir, { recursive: true, force: true });
  }
}

/** Writes a manifest holding only the given model specs (a temporary registry for the evaluation). */
export async function writeRegistryManifest(registryDir: string, specs: readonly ModelSpec[]): Promise<void> {
  await writeFile(join(registryDir, "manifest.json"), `${JSON.stringify(buildManifest(specs), null, 2)}\n`);
}

/**
 * `npm run train -- search --judgments <dir>...`: every judged query of every folder, run through the serving
 * retriever on an embedded index of that folder's products, trains one ranker into `registryDir`.
 */
export async function trainFromJudgments(options: {
  readonly judgments: readonly string[];
  readonly registryDir: string;
  readonly encoder: TextEncoder;
  readonly synonyms: Synonyms;
  readonly sample?: number;
  readonly seed?: number;
  readonly say?: (m: string) => void;
}): Promise<ModelSpec> {
  const say = options.say ?? (() => {});
  const runs: JudgedRun[] = [];
  for (const dir of options.judgments) {
    const ds = await readRelevanceDataset(resolve(dir));
    const started = performance.now();
    const engine = await datasetEngine(ds, options.encoder, options.synonyms);
    const queries = sampleQueries(ds.queries, options.sample, options.seed ?? 7);
    runs.push(...(await runJudgedQueries(engine, ds, queries, say)));
    say(
      `${basename(ds.dir)}: ${queries.length} judged queries run in ${Math.round(performance.now() - started)} ms`,
    );
    await engine.backend.close();
  }
  return learnRanker(runs, options.registryDir, {
    trainedOn: options.judgments.map((d) => basename(resolve(d))).join(" + "),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
}
