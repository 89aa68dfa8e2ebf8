import { writeFile } from "node:fs/promises";

import { parseArgs } from "node:util";
import {
  DEFAULT_RERANKER_FILE,
  featureRows,
  LinearReranker,
  rerank,
  trainPairwise,
  type SearchDocument,
  type TrainingGroup,
  NO_FILTERS,
} from "@aisle/search";
import { createRng, hashString } from "@aisle/world";
import { demoSearchEngine, plainWords } from "./demo-engine.ts";
import { mean, ndcgAt } from "./metrics.ts";

/**
 * Trains the re-ranker the subgraph serves (models/search/reranker.json) on synthetic judgements from the demo
 * world, through the subgraph's own retrieval code:
 *
 *   tsx --conditions=aisle-source models/search/train-reranker.ts [--queries 1500] [--out models/search/reranker.json]
 *
 * Queries: category names, brand + category, colour/attribute value + category and title words, a quarter with
 * a typo. Grades: 2 when every query word is in the product's title, category, brand or attributes; 1 when the
 * product is in the category the query was made from; 0 otherwise. 20% of the queries are held out and
 * NDCG@10 of hybrid vs hybrid + re-ranker is reported on them. The evaluation on real labels
 * (models/search/eval.ts) trains its own, cross-validated re-rankers.
 */
const { values } = parseArgs({
  options: {
    queries: { type: "string", default: "1500" },
    out: { type: "string", default: DEFAULT_RERANKER_FILE },
    seed: { type: "string", default: "11" },
  },
});
const rng = createRng(hashString(`search-reranker-queries:${values.seed}`));
const { docs, encoder, engine } = await demoSearchEngine();
const norm = plainWords;
const fullText = (d: SearchDocument) =>
  new Set(
    norm(`${d.title} ${d.categoryName} ${d.brandName} ${d.attributes.map((a) => a.value).join(" ")}`).split(
      " ",
    ),
  );
const docWords = new Map(docs.map((d) => [d.id, fullText(d)]));
function typo(text: string): string {
  const ws = text.split(" ");
  const i = ws.findIndex((w) => w.length >= 5);
  if (i < 0) return text;
  const w = ws[i] as string;
  const k = rng.int(1, w.length - 2);
  ws[i] = w.slice(0, k) + w.slice(k + 1);
  return ws.join(" ");
}
const queries: { text: string; judgedOn: string; categoryId: string }[] = [];
for (let n = 0; n < Number(values.queries); n += 1) {
  const d = rng.pick(docs);
  const attrs = d.attributes.map((a) => a.value);
  const titleWords = norm(d.title)
    .split(" ")
    .filter((w) => !/\d/.test(w));
  const options = [
    d.categoryName,
    `${d.brandName} ${d.categoryName}`,
    `${rng.pick(attrs)} ${d.categoryName}`,
    rng.sample(titleWords, 2).join(" "),
  ];
  const judgedOn = norm(rng.pick(options));
  queries.push({ text: rng.chance(0.25) ? typo(judgedOn) : judgedOn, judgedOn, categoryId: d.categoryId });
}

const groups: (TrainingGroup & {
  judged: Map<string, number>;
  hybrid: Awaited<ReturnType<typeof engine.retriever.retrieve>>["ranked"];
  context: { text: string; intentCategoryId: string | null };
})[] = [];
const vectors = await encoder.embedAll(
  queries.map((q) => engine.understanding.understand(q.text).text),
  "query",
);
for (const [i, q] of queries.entries()) {
  const understanding = engine.understanding.understand(q.text);
  const result = await engine.retriever.retrieve({
    understanding,
    queryVector: vectors[i] as Float32Array,
    filters: NO_FILTERS,
    mode: "hybrid",
    size: 100,
    facets: false,
  });
  const words = q.judgedOn.split(" ");
  const grade = (d: SearchDocument) =>
    words.every((w) => docWords.get(d.id)?.has(w)) ? 2 : d.categoryId === q.categoryId ? 1 : 0;
  const judged = new Map<string, number>();
  for (const d of docs) {
    const g = grade(d);
    if (g > 0) judged.set(d.id, g);
  }
  const context = { text: understanding.text, intentCategoryId: result.rankingIntent?.category.id ?? null };
  groups.push({
    rows: featureRows(result.ranked, context),
    gains: result.ranked.map((c) => judged.get(c.doc.id) ?? 0),
    judged,
    hybrid: result.ranked,
    context,
  });
}
const cut = Math.floor(groups.length * 0.8);
const heldOut = groups.slice(cut);
const heldModel = new LinearReranker(trainPairwise(groups.slice(0, cut), { seed: 7 }));
const hybridNdcg = mean(
  heldOut.map((g) =>
    ndcgAt(
      10,
      g.hybrid.map((c) => c.doc.id),
      g.judged,
    ),
  ),
);
const rerankNdcg = mean(
  heldOut.map((g) =>
    ndcgAt(
      10,
      rerank(heldModel, g.hybrid, 100, g.context).map((c) => c.doc.id),
      g.judged,
    ),
  ),
);
process.stderr.write(
  `[train] held-out synthetic NDCG@10: hybrid ${hybridNdcg.toFixed(4)}, hybrid + re-ranker ${rerankNdcg.toFixed(4)}\n`,
);
const model = trainPairwise(groups, { seed: 7, trainedOn: `demo world, ${groups.length} synthetic queries` });
await writeFile(
  values.out,
  `${JSON.stringify({ ...model, metrics: { heldout_ndcg10_hybrid: hybridNdcg, heldout_ndcg10_reranked: rerankNdcg } }, null, 2)}\n`,
);
process.stderr.write(`[train] wrote ${values.out}\n`);
await encoder.close();
