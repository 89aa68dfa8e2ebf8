/** Ranking metrics over graded judgements; unjudged documents have gain 0. */

/** Exponential gain: 2^grade − 1. */
export const gain = (grade: number): number => 2 ** grade - 1;

/** NDCG@k of a ranking against judgements; the ideal ranking sorts every judged document of the query by grade. */
export function ndcgAt(k: number, ranking: readonly string[], judged: ReadonlyMap<string, number>): number {
  const dcg = ranking.slice(0, k).reduce((s, id, i) => s + gain(judged.get(id) ?? 0) / Math.log2(i + 2), 0);
  const ideal = [...judged.values()]
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((s, g, i) => s + gain(g) / Math.log2(i + 2), 0);
  return ideal === 0 ? 0 : dcg / ideal;
}

/** Reciprocal rank of the first document with grade ≥ `relevantGrade` (0 when none is retrieved). */
export function reciprocalRank(
  ranking: readonly string[],
  judged: ReadonlyMap<string, number>,
  relevantGrade: number,
): number {
  const i = ranking.findIndex((id) => (judged.get(id) ?? 0) >= relevantGrade);
  return i < 0 ? 0 : 1 / (i + 1);
}

/** Share of the documents with grade ≥ `relevantGrade` found in the first k. */
export function recallAt(
  k: number,
  ranking: readonly string[],
  judged: ReadonlyMap<string, number>,
  relevantGrade: number,
): number {
  const relevant = [...judged].filter(([, g]) => g >= relevantGrade).map(([id]) => id);
  if (relevant.length === 0) return 0;
  const top = new Set(ranking.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

export const mean = (xs: readonly number[]): number =>
  xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
