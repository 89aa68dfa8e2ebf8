import { realpathSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  DEFAULT_SYNONYMS_FILE,
  EmbeddedBackend,
  FieldStats,
  LtrRanker,
  OpenSearchBackend,
  Synonyms,
  TextEncoder,
  type SearchBackend,
} from "@aisle/search";
import { createRng, hashString } from "@aisle/world";
import { readRelevanceDataset } from "./dataset.ts";
import {
  bootstrapMeans,
  datasetEngine,
  DEPTH,
  fusedOrder,
  learnRanker,
  runJudgedQueries,
  sampleQueries,
  servedRanking,
  writeRegistryManifest,
  type JudgedRun,
} from "./ltr.ts";
import { mean, ndcgAt, recallAt, reciprocalRank } from "./metrics.ts";
import { MODELS_DIR, prettifyJson, PYTHON, PYTHON_ENV, run } from "../../scripts/models.ts";

/**
 * Relevance evaluation of the SERVED ranking (models/search/CARD.md has the protocol and figures):
 *
 *   npm run eval -- search --data <dir> [--train <dir>] [--folds 5] [--sample N] [--seed 7]
 *       [--backend embedded|opensearch] [--out results.json] [--no-plot]
 *
 * Indexes every product of --data (the subgraph's engine code), runs its judged queries through the subgraph's
 * retriever, and learns the ranking exactly as `npm run train -- search --judgments <dir>` does (ltr.ts:
 * fusion weight, XGBoost ranker → ONNX, gate) into a temporary registry, then serves it to --data's queries
 * through LtrRanker (onnxruntime-node) and rankByModel, the subgraph's own functions. --train defaults to
 * --data, and then the queries are cross-validated by query (fixed seeded folds): no query is scored by a
 * model that saw its judgements. `--sample N` scores a seeded sample of N queries (all products indexed).
 *
 * --out defaults to models/search/eval-<data folder>-<cv|unseen>[-<N sampled>].json (the names the card cites);
 * the JSON is then drawn by models/common/plot_card.py into <same name>-metrics.png beside it (each mode's
 * nDCG@10 and its paired difference to BM25, with 95 % bootstrap intervals), unless --no-plot.
 */
const { values } = parseArgs({
  options: {
    data: { type: "string" },
    train: { type: "string", multiple: true },
    backend: { type: "string", default: "embedded" },
    folds: { type: "string", default: "5" },
    sample: { type: "string" },
    "train-sample": { type: "string" },
    out: { type: "string" },
    seed: { type: "string", default: "7" },
    "no-plot": { type: "boolean", default: false },
  },
});
if (values.data === undefined) {
  process.stderr.write(
    "usage: eval.ts --data <dir> [--train <dir>] [--folds 5] [--sample N] [--backend embedded|opensearch] [--out file]\n",
  );
  process.exit(2);
}
if (values.backend !== "embedded" && values.backend !== "opensearch")
  throw new Error("--backend is embedded or opensearch");
const folds = Number(values.folds);
const seed = Number(values.seed);
const say = (m: string) => process.stderr.write(`[eval] ${m}\n`);

const encoder = await TextEncoder.load();
const synonyms = Synonyms.load(DEFAULT_SYNONYMS_FILE);
const backends: SearchBackend[] = [];
function newBackend(): SearchBackend {
  let backend: SearchBackend;
  if (values.backend === "opensearch") {
    const node = process.env["OPENSEARCH_URL"];
    if (node === undefined)
      throw new Error("--backend opensearch needs OPENSEARCH_URL (bash scripts/opensearch-start.sh)");
    backend = new OpenSearchBackend({
      node,
      alias: `aisle-eval-${process.pid}-${backends.length}`,
      synonyms: synonyms.lines,
    });
  } else backend = new EmbeddedBackend();
  backends.push(backend);
  return backend;
}

const dataDir = resolve(values.data);
const trainDirs = (values.train ?? [values.data]).map((d) => resolve(d));
/** --data among the --train folders: cross-validate on it by query; the other folders train every fold. */
const same = trainDirs.some((d) => realpathSync(d) === realpathSync(dataDir));
const otherTrainDirs = trainDirs.filter((d) => realpathSync(d) !== realpathSync(dataDir));
const trainDir = trainDirs.map((d) => basename(d)).join(" + ");
const data = await readRelevanceDataset(dataDir);
say(
  `${basename(dataDir)}: ${data.docs.length} products, ${data.queries.length} judged queries, grades 0..${data.maxGrade}`,
);

async function runFolder(
  dir: string,
  sample: number | undefined,
): Promise<{ runs: JudgedRun[]; stats: FieldStats }> {
  const ds = dir === dataDir ? data : await readRelevanceDataset(dir);
  const started = performance.now();
  const engine = await datasetEngine(ds, encoder, synonyms, newBackend());
  const runs = await runJudgedQueries(engine, ds, sampleQueries(ds.queries, sample, seed), say);
  say(
    `${basename(dir)}: indexed and ran ${runs.length} queries in ${Math.round(performance.now() - started)} ms`,
  );
  return { runs, stats: engine.retriever.ranker?.stats ?? new FieldStats(ds.docs) };
}

const sample = values.sample === undefined ? undefined : Number(values.sample);
const outPath = resolve(
  values.out ??
    join(
      MODELS_DIR,
      "search",
      `eval-${basename(dataDir)}-${same ? "cv" : "unseen"}${sample === undefined ? "" : `-${sample}`}.json`,
    ),
);
const { runs, stats } = await runFolder(dataDir, sample);
const registries: string[] = [];
const trainSample = values["train-sample"] === undefined ? undefined : Number(values["train-sample"]);
const otherRuns: JudgedRun[] = [];
for (const dir of otherTrainDirs) otherRuns.push(...(await runFolder(dir, trainSample)).runs);

/** Learns the served ranking from `trainRuns` (as npm run train does) and serves it to `testRuns`. */
async function learnAndServe(
  trainRuns: readonly JudgedRun[],
  testRuns: readonly JudgedRun[],
  trainedOn: string,
) {
  const registry = await mkdtemp(join(tmpdir(), "aisle-eval-registry-"));
  registries.push(registry);
  const spec = await learnRanker(trainRuns, registry, { trainedOn, seed });
  await writeRegistryManifest(registry, [spec]);
  const ranker = await LtrRanker.load(registry);
  if (ranker === null) throw new Error("the trained registry holds no ranker");
  const weight = ranker.settings.semanticWeight;
  for (const r of testRuns) {
    learnedFusion.set(r.id, fusedOrder(r, weight));
    servedOrder.set(r.id, await servedRanking(ranker, stats, r));
  }
  settingsLog.push({ ...ranker.settings, trees: spec.metrics?.["trees"] ?? 0 });
  await ranker.close();
}

const learnedFusion = new Map<string, string[]>();
const servedOrder = new Map<string, string[]>();
const settingsLog: { semanticWeight: number; enabled: boolean; trees: number }[] = [];
let protocol: string;
if (same) {
  const order = createRng(hashString(`search-eval-folds:${seed}`)).shuffle(runs.map((_, i) => i));
  const foldOf = new Map(order.map((runIndex, k) => [runIndex, k % folds]));
  for (let f = 0; f < folds; f += 1) {
    await learnAndServe(
      [...runs.filter((_, i) => foldOf.get(i) !== f), ...otherRuns],
      runs.filter((_, i) => foldOf.get(i) === f),
      `${basename(dataDir)} folds ≠ ${f}${otherTrainDirs.map((d) => ` + ${basename(d)}`).join("")}`,
    );
  }
  protocol = `${folds}-fold cross-validation by query on ${basename(dataDir)} (folds seeded ${seed}); each fold's ranking learned by models/search/ltr.ts on the other folds${otherRuns.length > 0 ? ` plus ${otherRuns.length} judged queries of ${otherTrainDirs.map((d) => basename(d)).join(", ")}` : ""}, served through LtrRanker`;
} else {
  await learnAndServe(otherRuns, runs, trainDir);
  protocol = `ranking learned by models/search/ltr.ts on ${otherRuns.length} judged queries of ${trainDir} (as npm run train -- search --judgments), served to ${basename(dataDir)}, never seen`;
}
say(
  `learned settings per model: ${settingsLog.map((s) => `weight ${s.semanticWeight}, ${s.enabled ? `${s.trees} trees` : "disabled"}`).join("; ")}`,
);

const relevantGrade = Math.ceil(data.maxGrade / 2);
const shuffleRng = createRng(hashString(`search-eval-pool:${seed}`));
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

const MODES: Record<string, (r: JudgedRun) => readonly string[]> = {
  bm25: (r) => r.allLexicalIds,
  semantic: (r) => r.semanticIds,
  "hybrid (RRF, equal weights)": (r) => fusedOrder(r, 1),
  "hybrid (learned RRF weight)": (r) => learnedFusion.get(r.id) ?? [],
  "served: hybrid + learned ranker": (r) => servedOrder.get(r.id) ?? [],
};

function pairedBootstrap(a: readonly number[], b: readonly number[]) {
  const diff = a.map((x, i) => x - (b[i] as number));
  const means = bootstrapMeans(diff, `search-eval-bootstrap:${seed}`);
  return {
    mean: mean(diff),
    ci90: [means[99] as number, means[1899] as number] as [number, number],
    ci95: [means[49] as number, means[1949] as number] as [number, number],
    wins: diff.filter((d) => d > 1e-9).length,
    ties: diff.filter((d) => Math.abs(d) <= 1e-9).length,
    losses: diff.filter((d) => d < -1e-9).length,
  };
}

/** 95 % bootstrap interval of a per-query mean (2,000 resamples over queries, seeded like the paired one). */
function meanInterval(xs: readonly number[]): [number, number] {
  const means = bootstrapMeans(xs, `search-eval-bootstrap-mean:${seed}`);
  return [means[49] as number, means[1949] as number];
}

const bm25Ndcg = runs.map((r) => ndcgAt(10, r.allLexicalIds, r.judged));
const rows = Object.entries(MODES).map(([mode, rank]) => {
  const ndcg = runs.map((r) => ndcgAt(10, rank(r), r.judged));
  return {
    mode,
    ndcg10: mean(ndcg),
    ndcg10Ci95: meanInterval(ndcg),
    ndcg10Pool: mean(runs.map((r) => ndcgAt(10, poolRanking(rank(r), r.judged), r.judged))),
    mrr: mean(runs.map((r) => reciprocalRank(rank(r), r.judged, relevantGrade))),
    recall100: mean(runs.map((r) => recallAt(DEPTH, rank(r), r.judged, relevantGrade))),
    vsBm25: mode === "bm25" ? null : pairedBootstrap(ndcg, bm25Ndcg),
  };
});

const f = (x: number) => x.toFixed(4);
const sign = (x: number) => `${x >= 0 ? "+" : ""}${f(x)}`;
const bm25Mean = rows[0]?.ndcg10 ?? 0;
const table = [
  `| ${basename(dataDir)} (${runs.length} queries, ${data.docs.length} products, ${values.backend}) | NDCG@10 full corpus | vs BM25 (90 % / 95 % bootstrap) | win/tie/loss vs BM25 | NDCG@10 judged pool | MRR | recall@100 |`,
  "|---|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.mode} | ${f(r.ndcg10)} | ${r.vsBm25 === null ? "–" : `${sign(r.vsBm25.mean)} (${sign((r.vsBm25.mean / bm25Mean) * 100).slice(0, -2)} %; ${f(r.vsBm25.ci90[0])} … ${f(r.vsBm25.ci90[1])} / ${f(r.vsBm25.ci95[0])} … ${f(r.vsBm25.ci95[1])})`} | ${r.vsBm25 === null ? "–" : `${r.vsBm25.wins}/${r.vsBm25.ties}/${r.vsBm25.losses}`} | ${f(r.ndcg10Pool)} | ${f(r.mrr)} | ${f(r.recall100)} |`,
  ),
  `| random order of the judged pool | – | – | – | ${f(poolFloor)} | – | – |`,
].join("\n");
process.stdout.write(
  `${table}\n\nProtocol: ${protocol}. Learned: ${settingsLog.map((s) => `weight ${s.semanticWeight} ${s.enabled ? `ranker ${s.trees} trees` : "ranker disabled"}`).join("; ")}. Gains 2^grade − 1; unjudged = 0; relevant for MRR/recall = grade ≥ ${relevantGrade}.\n`,
);
await writeFile(
  outPath,
  `${JSON.stringify({ data: dataDir, train: trainDirs, backend: values.backend, queries: runs.length, products: data.docs.length, sample: sample ?? null, seed, protocol, learned: settingsLog, relevantGrade, poolFloor, rows }, null, 2)}\n`,
);
await prettifyJson([outPath]);
say(`wrote ${outPath}`);
if (!values["no-plot"]) {
  // The card's figure, beside the JSON (<name>-metrics.png), as the payment-risk and logistics evals do.
  await run(PYTHON, [join(MODELS_DIR, "common", "plot_card.py"), outPath], PYTHON_ENV);
}
for (const r of registries) await rm(r, { recursive: true, force: true });
for (const b of backends) {
  await (b as { drop?: () => Promise<void> }).drop?.();
  await b.close();
}
await encoder.close();
