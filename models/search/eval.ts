import { realpathSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  buildSearchEngine,
  DEFAULT_SYNONYMS_FILE,
  EmbeddedBackend,
  featureRows,
  LinearReranker,
  reciprocalRankFusion,
  OpenSearchBackend,
  rerank,
  RETRIEVAL_MODES,
  Synonyms,
  TextEncoder,
  trainPairwise,
  type RetrievalMode,
  type SearchEngine,
  type TrainingGroup,
  NO_FILTERS,
} from "@aisle/search";
import { createRng, hashString } from "@aisle/world";
import { readRelevanceDataset, type RelevanceDataset } from "./dataset.ts";
import { mean, ndcgAt, recallAt, reciprocalRank } from "./metrics.ts";

/**
 * Relevance evaluation of the search stack on a labelled dataset folder (crowdflower_search format):
 *
 *   tsx --conditions=aisle-source models/search/eval.ts --data <dir> [--train <dir>] [--backend embedded|opensearch]
 *       [--folds 5] [--depth 100] [--sample N] [--out results.json]
 *
 * Indexes every product of --data into a fresh index (the same backend, encoder, query understanding and
 * retriever code as the subgraph), runs every judged query, and reports NDCG@10 over the full corpus
 * (exponential gains, unjudged = 0), NDCG@10 over the judged pool (with its random-order floor), MRR and
 * recall@100 for BM25, semantic, hybrid (RRF) and hybrid + re-ranker. `--sample N` evaluates a seeded random sample
 * of N judged queries (the whole catalogue is still indexed). The re-ranker learns only from --train
 * (default: the shared crowdflower_search folder); when --train is --data, it is cross-validated by query, so
 * no query is scored by a model that saw its judgements.
 */
const { values } = parseArgs({
  options: {
    data: { type: "string" },
    train: { type: "string", default: "/work/shared/datasets/crowdflower_search" },
    backend: { type: "string", default: "embedded" },
    folds: { type: "string", default: "5" },
    depth: { type: "string", default: "100" },
    sample: { type: "string" },
    out: { type: "string" },
    seed: { type: "string", default: "7" },
  },
});
if (values.data === undefined) {
  process.stderr.write(
    "usage: eval.ts --data <dir> [--train <dir>] [--backend embedded|opensearch] [--folds 5] [--out file]\n",
  );
  process.exit(2);
}
if (values.backend !== "embedded" && values.backend !== "opensearch")
  throw new Error("--backend is embedded or opensearch");
const folds = Number(values.folds);
const depth = Number(values.depth);
const seed = Number(values.seed);
const say = (m: string) => process.stderr.write(`[eval] ${m}\n`);

interface QueryRun {
  readonly id: string;
  readonly judged: ReadonlyMap<string, number>;
  readonly rankings: Record<Exclude<RetrievalMode, "hybrid-rerank">, string[]>;
  /** Every candidate of the hybrid retrieval by id (features are computed from these). */
  readonly candidates: ReadonlyMap<string, Candidate>;
  /** The fusion's inputs: lexical top `depth` and the semantic hits above the similarity floor. */
  readonly lexicalIds: readonly string[];
  readonly semanticKeptIds: readonly string[];
  readonly context: { text: string; intentCategoryId: string | null };
}

const encoder = await TextEncoder.load();
const synonyms = Synonyms.load(DEFAULT_SYNONYMS_FILE);
const backends: { close(): Promise<void>; drop?: () => Promise<void> }[] = [];

function newBackend() {
  if (values.backend === "opensearch") {
    const node = process.env["OPENSEARCH_URL"];
    if (node === undefined)
      throw new Error("--backend opensearch needs OPENSEARCH_URL (bash scripts/opensearch-start.sh)");
    const backend = new OpenSearchBackend({
      node,
      alias: `aisle-eval-${process.pid}-${backends.length}`,
      synonyms: synonyms.lines,
    });
    backends.push(backend);
    return backend;
  }
  const backend = new EmbeddedBackend();
  backends.push(backend);
  return backend;
}

async function runDataset(ds: RelevanceDataset): Promise<QueryRun[]> {
  const started = performance.now();
  const engine = await buildSearchEngine({
    backend: newBackend(),
    encoder,
    docs: ds.docs,
    categories: [],
    synonyms,
    reranker: null,
    retriever: { depth },
  });
  say(
    `${basename(ds.dir)}: indexed ${engine.report.indexed} products (${engine.report.errors.length} refused) in ${Math.round(performance.now() - started)} ms (embedding ${Math.round(engine.embedMs)} ms)`,
  );
  const queries =
    values.sample === undefined
      ? ds.queries
      : createRng(hashString(`search-eval-sample:${seed}`)).sample(ds.queries, Number(values.sample));
  const understood = queries.map((q) => engine.understanding.understand(q.text));
  const vectors = await encoder.embedAll(
    understood.map((u) => u.text),
    "query",
  );
  const runs: QueryRun[] = [];
  for (const [i, q] of queries.entries()) {
    const u = understood[i] as (typeof understood)[number];
    const queryVector = vectors[i] as Float32Array;
    const base = {
      understanding: u,
      queryVector,
      filters: NO_FILTERS,
      size: depth,
      facets: false,
    };
    // One retrieval gives all three lists: BM25 alone and semantic alone are its inputs, hybrid its fused output.
    const result = await engine.retriever.retrieve({ ...base, mode: "hybrid" });
    const rankings: QueryRun["rankings"] = {
      bm25: [...result.lexicalIds],
      semantic: [...result.semanticIds],
      hybrid: result.ranked.map((c) => c.doc.id),
    };
    const candidates = new Map(result.ranked.map((c) => [c.doc.id, c]));
    const intent = result.rankingIntent?.category.id ?? null;
    if ((i + 1) % 250 === 0) say(`${basename(ds.dir)}: ${i + 1}/${queries.length} queries`);
    runs.push({
      id: q.id,
      judged: ds.qrels.get(q.id) ?? new Map(),
      rankings,
      candidates,
      lexicalIds: result.lexicalIds.slice(0, depth),
      semanticKeptIds: result.semanticKeptIds,
      context: { text: u.text, intentCategoryId: intent },
    });
  }
  say(`${basename(ds.dir)}: ran ${runs.length} queries in ${Math.round(performance.now() - started)} ms`);
  return runs;
}

type Candidate = Awaited<ReturnType<SearchEngine["retriever"]["retrieve"]>>["ranked"][number];

/** Semantic weights in reciprocal rank fusion tried on the training queries (lexical weight 1). */
const SEMANTIC_WEIGHTS = [0, 0.25, 0.5, 1];

/** The top-`depth` fused candidates of a run for a semantic weight, through the subgraph's own fusion function. */
function fused(run: QueryRun, weight: number): Candidate[] {
  const order = reciprocalRankFusion([{ ids: run.lexicalIds }, { ids: run.semanticKeptIds, weight }]);
  return order
    .slice(0, depth)
    .map((o) => {
      const c = run.candidates.get(o.id);
      return c === undefined ? null : { ...c, fusedScore: o.score, score: o.score };
    })
    .filter((c): c is Candidate => c !== null);
}

const groupCache = new Map<string, TrainingGroup>();
function groupsOf(runs: readonly QueryRun[], weight: number): TrainingGroup[] {
  return runs.map((r) => {
    const key = `${r.id}:${weight}`;
    let group = groupCache.get(key);
    if (group === undefined) {
      const list = fused(r, weight);
      group = { rows: featureRows(list, r.context), gains: list.map((c) => r.judged.get(c.doc.id) ?? 0) };
      groupCache.set(key, group);
    }
    return group;
  });
}

/** Blends of the re-ranker's order with the fused order tried by the inner validation (0 = fused order alone). */
const BLENDS = [0, 0.25, 0.5, 0.75, 1];
const INNER_FOLDS = 3;

/**
 * What is learned from judgements, from the training queries only: the fusion weight (best mean NDCG@10), then
 * the re-ranker on that fusion, then how much of its order to keep against the fused order (the blend): an inner
 * 3-fold cross-validation over the training queries trains a re-ranker on two inner folds and scores every blend
 * on the third; the blend with the best mean NDCG@10 over all training queries wins (blend 0 serves the fused
 * order). The served model is then trained on all training queries with that blend.
 */
function learn(trainRuns: readonly QueryRun[], trainedOn: string): Learned {
  let best = { weight: 1, ndcg: -1 };
  for (const weight of SEMANTIC_WEIGHTS) {
    const ndcg = mean(
      trainRuns.map((r) =>
        ndcgAt(
          10,
          fused(r, weight).map((c) => c.doc.id),
          r.judged,
        ),
      ),
    );
    if (ndcg > best.ndcg) best = { weight, ndcg };
  }
  const weight = best.weight;
  const shuffled = createRng(hashString(`search-eval-inner:${seed}:${trainedOn}`)).shuffle(trainRuns);
  const totals = BLENDS.map(() => 0);
  for (let k = 0; k < INNER_FOLDS; k += 1) {
    const fit = shuffled.filter((_, i) => i % INNER_FOLDS !== k);
    const held = shuffled.filter((_, i) => i % INNER_FOLDS === k);
    const inner = trainPairwise(groupsOf(fit, weight), { seed });
    BLENDS.forEach((blend, b) => {
      const model = new LinearReranker({ ...inner, blend });
      for (const r of held) {
        totals[b] =
          (totals[b] as number) +
          ndcgAt(
            10,
            rerank(model, fused(r, weight), depth, r.context).map((c) => c.doc.id),
            r.judged,
          );
      }
    });
  }
  const b = totals.indexOf(Math.max(...totals));
  say(
    `${trainedOn}: weight ${weight}; inner-validation NDCG@10 by blend ${BLENDS.map((x, i) => `${x}→${((totals[i] as number) / shuffled.length).toFixed(4)}`).join(", ")}`,
  );
  const blend = BLENDS[b] as number;
  const model =
    blend === 0
      ? null
      : new LinearReranker({ ...trainPairwise(groupsOf(trainRuns, weight), { seed, trainedOn }), blend });
  return { weight, blend, model };
}

interface Learned {
  readonly weight: number;
  /** The re-ranker's share against the fused order, chosen by the inner validation. */
  readonly blend: number;
  /** Null when the inner validation chose blend 0 (the fused order alone). */
  readonly model: LinearReranker | null;
}

const dataDir = resolve(values.data);
const trainDir = resolve(values.train);
const same = realpathSync(dataDir) === realpathSync(trainDir);
const data = await readRelevanceDataset(dataDir);
say(
  `${basename(dataDir)}: ${data.docs.length} products, ${data.queries.length} judged queries, grades 0..${data.maxGrade}`,
);
const runs = await runDataset(data);

// Fusion weight and re-ranker: cross-validated by query when training on the evaluated folder, else learned on --train.
const learnedFusion = new Map<string, string[]>();
const reranked = new Map<string, string[]>();
const weights: number[] = [];
let protocol: string;
const blends: number[] = [];
const apply = (r: QueryRun, learned: Learned) => {
  const list = fused(r, learned.weight);
  learnedFusion.set(
    r.id,
    list.map((c) => c.doc.id),
  );
  const ordered = learned.model === null ? list : rerank(learned.model, list, depth, r.context);
  reranked.set(
    r.id,
    ordered.map((c) => c.doc.id),
  );
};
if (same) {
  const order = createRng(hashString(`search-eval-folds:${seed}`)).shuffle(runs.map((_, i) => i));
  const foldOf = new Map(order.map((runIndex, k) => [runIndex, k % folds]));
  for (let f = 0; f < folds; f += 1) {
    const learned = learn(
      runs.filter((_, i) => foldOf.get(i) !== f),
      `${basename(trainDir)} folds ≠ ${f}`,
    );
    weights.push(learned.weight);
    blends.push(learned.blend);
    runs.forEach((r, i) => {
      if (foldOf.get(i) === f) apply(r, learned);
    });
  }
  protocol = `${folds}-fold cross-validation by query on ${basename(dataDir)} (each query scored with a fusion weight and re-ranker learned on the other folds; semantic weights chosen per fold: ${weights.join(", ")}; re-ranker blend against the fused order chosen per fold by an inner ${INNER_FOLDS}-fold validation on the training folds, from ${BLENDS.join(", ")}: ${blends.join(", ")})`;
} else {
  const train = await readRelevanceDataset(trainDir);
  const learned = learn(await runDataset(train), basename(trainDir));
  weights.push(learned.weight);
  for (const r of runs) apply(r, learned);
  protocol = `fusion weight (${learned.weight}) and re-ranker (blend ${learned.blend} against the fused order, chosen by an inner ${INNER_FOLDS}-fold validation) learned on all judged queries of ${basename(trainDir)}, applied to ${basename(dataDir)}`;
}

const relevantGrade = Math.ceil(data.maxGrade / 2);
const shuffleRng = createRng(hashString(`search-eval-pool:${seed}`));
/** The mode's order over the judged pool: judged documents it retrieved, in its order, then the others in a seeded random order. */
function poolRanking(ranking: readonly string[], judged: ReadonlyMap<string, number>): string[] {
  const inPool = ranking.filter((id) => judged.has(id));
  const seen = new Set(inPool);
  return [...inPool, ...shuffleRng.shuffle([...judged.keys()].filter((id) => !seen.has(id)))];
}
const poolFloor = mean(
  runs.map((r) =>
    mean(Array.from({ length: 20 }, () => ndcgAt(10, shuffleRng.shuffle([...r.judged.keys()]), r.judged))),
  ),
);

const perQueryNdcg = new Map<string, number[]>();
const rows = [...RETRIEVAL_MODES.slice(0, 3), "hybrid-learned-weight", "hybrid-rerank"].map((mode) => {
  const rankingOf = (r: QueryRun): readonly string[] =>
    mode === "hybrid-rerank"
      ? (reranked.get(r.id) ?? [])
      : mode === "hybrid-learned-weight"
        ? (learnedFusion.get(r.id) ?? [])
        : r.rankings[mode as Exclude<RetrievalMode, "hybrid-rerank">];
  perQueryNdcg.set(
    mode,
    runs.map((r) => ndcgAt(10, rankingOf(r), r.judged)),
  );
  return {
    mode,
    ndcg10: mean(perQueryNdcg.get(mode) ?? []),
    ndcg10Pool: mean(runs.map((r) => ndcgAt(10, poolRanking(rankingOf(r), r.judged), r.judged))),
    mrr: mean(runs.map((r) => reciprocalRank(rankingOf(r), r.judged, relevantGrade))),
    recall100: mean(runs.map((r) => recallAt(100, rankingOf(r), r.judged, relevantGrade))),
  };
});

/** Paired bootstrap (2,000 resamples of the queries, seeded) of mean NDCG@10 of `a` minus `b`: a 90 % interval. */
function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
): { mean: number; ci90: [number, number] } {
  const diff = a.map((x, i) => x - (b[i] as number));
  const rng = createRng(hashString(`search-eval-bootstrap:${seed}`));
  const means = Array.from({ length: 2000 }, () => {
    let sum = 0;
    for (let i = 0; i < diff.length; i += 1) sum += diff[rng.int(0, diff.length - 1)] as number;
    return sum / diff.length;
  }).sort((x, y) => x - y);
  return { mean: mean(diff), ci90: [means[99] as number, means[1899] as number] };
}
const rerankMinusBm25 = pairedBootstrap(
  perQueryNdcg.get("hybrid-rerank") ?? [],
  perQueryNdcg.get("bm25") ?? [],
);

const f = (x: number) => x.toFixed(4);
const table = [
  `| ${basename(dataDir)} (${runs.length} queries, ${data.docs.length} products, ${values.backend}) | NDCG@10 full corpus | NDCG@10 judged pool | MRR | recall@100 |`,
  "|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.mode} | ${f(r.ndcg10)} | ${f(r.ndcg10Pool)} | ${f(r.mrr)} | ${f(r.recall100)} |`),
  `| random order of the judged pool | – | ${f(poolFloor)} | – | – |`,
].join("\n");
process.stdout.write(
  `${table}\n\nhybrid-rerank − bm25, NDCG@10 full corpus: ${rerankMinusBm25.mean >= 0 ? "+" : ""}${f(rerankMinusBm25.mean)} (paired bootstrap over queries, 90 % interval ${f(rerankMinusBm25.ci90[0])} to ${f(rerankMinusBm25.ci90[1])})\n\nRe-ranker protocol: ${protocol}. Gains 2^grade − 1; relevant for MRR/recall = grade ≥ ${relevantGrade}.\n`,
);
if (values.out !== undefined) {
  await writeFile(
    values.out,
    `${JSON.stringify({ data: dataDir, train: trainDir, backend: values.backend, queries: runs.length, products: data.docs.length, protocol, relevantGrade, poolFloor, rows, rerankMinusBm25 }, null, 2)}\n`,
  );
}
for (const b of backends) {
  await b.drop?.();
  await b.close();
}
await encoder.close();
