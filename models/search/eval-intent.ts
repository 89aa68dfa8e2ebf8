import { parseArgs } from "node:util";
import { NO_FILTERS } from "@aisle/search";
import { createRng, hashString } from "@aisle/world";
import { demoSearchEngine, plainWords } from "./demo-engine.ts";

/**
 * How well the search subgraph detects category intent on synthetic shopper queries that do not name their
 * category (a named category is the lexical intent, exact by construction). The served rule: the category of
 * the top 10 lexical hits when all share it, else the nearest category centroid of the product vectors when
 * close enough and clearly nearest. Each part is reported alone too:
 *
 *   tsx --conditions=aisle-source models/search/eval-intent.ts [--queries 2000] [--seed 23]
 *
 * Queries: 1–2 title words or an attribute value plus a title word, from a random demo product; the truth is
 * that product's leaf category. Reports coverage (share of queries given an intent) and precision (share of
 * those right, and right at department level), with baselines from BM25's results: the category of its top
 * hit, the most frequent category of its top 10, and that vote restricted to its most unanimous queries at
 * the centroid rule's coverage.
 */
const { values } = parseArgs({
  options: { queries: { type: "string", default: "2000" }, seed: { type: "string", default: "23" } },
});
const rng = createRng(hashString(`search-intent-queries:${values.seed}`));
const { world, docs, encoder, engine } = await demoSearchEngine();
const departmentOf = new Map(world.categories.map((c) => [c.id, c.path[0] ?? c.id]));
const norm = plainWords;
const categoryWords = new Set(world.categories.flatMap((c) => norm(c.name).split(" ")));
const queries: { text: string; categoryId: string }[] = [];
while (queries.length < Number(values.queries)) {
  const d = rng.pick(docs);
  const titleWords = norm(d.title)
    .split(" ")
    .filter((w) => w.length > 2 && !/\d/.test(w) && !categoryWords.has(w));
  if (titleWords.length === 0) continue;
  const attrs = d.attributes.map((a) => norm(a.value)).filter((v) => v !== "");
  const options = [
    rng.pick(titleWords),
    rng.sample(titleWords, Math.min(2, titleWords.length)).join(" "),
    ...(attrs.length > 0 ? [`${rng.pick(attrs)} ${rng.pick(titleWords)}`] : []),
  ];
  const text = rng.pick(options);
  if (engine.understanding.understand(text).lexicalIntent !== null) continue;
  queries.push({ text, categoryId: d.categoryId });
}

const vectors = await encoder.embedAll(
  queries.map((q) => engine.understanding.understand(q.text).text),
  "query",
);
/** Coverage and precision counters of one rule. */
class Tally {
  given = 0;
  right = 0;
  rightDepartment = 0;
  add(predicted: string | undefined, truth: string): void {
    if (predicted === undefined) return;
    this.given += 1;
    if (predicted === truth) this.right += 1;
    if (departmentOf.get(predicted) === departmentOf.get(truth)) this.rightDepartment += 1;
  }
}
const served = new Tally();
const centroid = new Tally();
let topHitRight = 0;
let topTenRight = 0;
/** For the top-10 vote: how many of the 10 agreed, and whether the vote was right. */
const votes: { agree: number; right: boolean }[] = [];
for (const [i, q] of queries.entries()) {
  const understanding = engine.understanding.understand(q.text);
  const lexical = await engine.backend.lexical({
    text: understanding.text,
    expansions: understanding.expansions,
    filters: NO_FILTERS,
    size: 10,
    fuzzy: true,
    minimumShouldMatch: true,
    facets: false,
  });
  const vector = vectors[i] as Float32Array;
  const hitIds = lexical.hits.map((h) => h.id);
  served.add(engine.retriever.intent(understanding, vector, hitIds)?.category.id, q.categoryId);
  centroid.add(engine.retriever.intent(understanding, vector)?.category.id, q.categoryId);
  const hitCategories = lexical.hits.map((h) => engine.corpus.doc(h.id)?.categoryId);
  if (hitCategories[0] === q.categoryId) topHitRight += 1;
  const counts = new Map<string, number>();
  for (const c of hitCategories) if (c !== undefined) counts.set(c, (counts.get(c) ?? 0) + 1);
  const [mode, agree] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [undefined, 0];
  if (mode === q.categoryId) topTenRight += 1;
  votes.push({ agree, right: mode === q.categoryId });
}
const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)} %`;
// The vote at the embedding's coverage: its most confident queries (most of the 10 agreeing), as many as the embedding answered.
const confident = [...votes].sort((a, b) => b.agree - a.agree).slice(0, centroid.given);
const confidentRight = confident.filter((v) => v.right).length;
process.stdout.write(
  [
    `${queries.length} synthetic queries without a category name, ${world.categories.length} categories (seed ${values.seed})`,
    ...(
      [
        ["served rule (unanimous top 10, else centroid)", served],
        ["centroid alone", centroid],
      ] as const
    ).map(
      ([name, t]) =>
        `${name}: coverage ${pct(t.given, queries.length)}, precision ${pct(t.right, t.given)} (department ${pct(t.rightDepartment, t.given)})`,
    ),
    `baseline, category of BM25's top hit (always answers): precision ${pct(topHitRight, queries.length)}`,
    `baseline, most frequent category in BM25's top 10 (always answers): precision ${pct(topTenRight, queries.length)}`,
    `baseline, the same vote at the centroid's coverage (its ${centroid.given} most unanimous queries): precision ${pct(confidentRight, centroid.given)}`,
  ].join("\n") + "\n",
);
await engine.backend.close();
await encoder.close();
