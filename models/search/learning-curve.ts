import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_SYNONYMS_FILE, FieldStats, LtrRanker, Synonyms, TextEncoder } from "@aisle/search";
import { createRng, hashString } from "@aisle/world";
import { readRelevanceDataset } from "./dataset.ts";
import {
  bootstrapMeans,
  datasetEngine,
  learnRanker,
  runJudgedQueries,
  servedRanking,
  writeRegistryManifest,
} from "./ltr.ts";
import { mean, ndcgAt } from "./metrics.ts";
import { prettifyJson } from "../../scripts/models.ts";

/**
 * Learning curve of the served ranking inside ONE training folder (CARD.md, "learning curve"): the folder's
 * queries are split by query into A1 (training pool) and A2 (scored), by the first byte of
 * sha256("curve:<query id>") below 38 (about 15 %) for A2. Nested seeded samples of A1 (--sizes) each train a
 * ranker exactly as `npm run train -- search --judgments` does (learnRanker: fusion weight, inner CV, gate),
 * which is served to A2. Every query runs once through the retriever (one index), so the sizes share candidates.
 * Meant for a training part (home_depot A of split_queries.py), never for a held-back B folder.
 *
 *   tsx --conditions=aisle-source models/search/learning-curve.ts --data /tmp/h_ltr/hd-A \
 *       [--sizes 1000,2500,4500] [--seed 7] [--out file.json]
 */
const { values } = parseArgs({
  options: {
    data: { type: "string" },
    sizes: { type: "string", default: "1000,2500,4500" },
    seed: { type: "string", default: "7" },
    out: { type: "string" },
  },
});
if (values.data === undefined) throw new Error("--data <dir> is required");
const say = (m: string) => process.stderr.write(`[curve] ${m}\n`);
const seed = Number(values.seed);
const sizes = values.sizes.split(",").map(Number);
const ds = await readRelevanceDataset(resolve(values.data));
const inA2 = (id: string) => (createHash("sha256").update(`curve:${id}`).digest()[0] as number) < 38;
const a2 = ds.queries.filter((q) => inA2(q.id));
const a1 = createRng(hashString(`search-curve:${seed}`)).shuffle(ds.queries.filter((q) => !inA2(q.id)));
const largest = Math.max(...sizes);
if (largest > a1.length) throw new Error(`A1 has ${a1.length} queries, fewer than ${largest}`);
say(`${ds.queries.length} queries: A1 ${a1.length} (using up to ${largest}), A2 ${a2.length}`);

const encoder = await TextEncoder.load();
const engine = await datasetEngine(ds, encoder, Synonyms.load(DEFAULT_SYNONYMS_FILE));
const stats = engine.retriever.ranker?.stats ?? new FieldStats(ds.docs);
const scored = await runJudgedQueries(engine, ds, a2, say);
const pool = await runJudgedQueries(engine, ds, a1.slice(0, largest), say);
const bm25 = scored.map((r) => ndcgAt(10, r.allLexicalIds, r.judged));

function bootstrap(diff: readonly number[]): [number, number] {
  const means = bootstrapMeans(diff, `search-curve-bootstrap:${seed}`);
  return [means[49] as number, means[1949] as number];
}

const results = [];
for (const size of sizes) {
  const registry = await mkdtemp(join(tmpdir(), "aisle-curve-registry-"));
  try {
    const spec = await learnRanker(pool.slice(0, size), registry, { trainedOn: `A1 ${size}`, seed });
    await writeRegistryManifest(registry, [spec]);
    const ranker = await LtrRanker.load(registry);
    if (ranker === null) throw new Error("no ranker");
    const served: number[] = [];
    for (const r of scored) served.push(ndcgAt(10, await servedRanking(ranker, stats, r), r.judged));
    await ranker.close();
    const diff = served.map((x, i) => x - (bm25[i] as number));
    const row = {
      trainQueries: size,
      enabled: ranker.settings.enabled,
      trees: spec.metrics?.["trees"] ?? 0,
      innerCv: spec.metrics?.["inner_cv_ndcg10_full_corpus"] ?? null,
      innerCvFallback: spec.metrics?.["inner_cv_ndcg10_fallback_order"] ?? null,
      bm25: mean(bm25),
      served: mean(served),
      gain: mean(diff),
      gainCi95: bootstrap(diff),
    };
    say(JSON.stringify(row));
    results.push(row);
  } finally {
    await rm(registry, { recursive: true, force: true });
  }
}
const out = resolve(values.out ?? join(tmpdir(), "search-learning-curve.json"));
await writeFile(
  out,
  `${JSON.stringify({ data: resolve(values.data), a1: a1.length, a2: a2.length, seed, results }, null, 2)}\n`,
);
await prettifyJson([out]);
say(`wrote ${out}`);
await engine.backend.close();
await encoder.close();
