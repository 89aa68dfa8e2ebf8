/** The usual RRF constant (Cormack et al. 2009): damps the head of each list. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion of ranked id lists: score(d) = Σ_lists weight / (k + rank), rank from 1. Returns ids
 * with their fused score, best first (ties by first appearance).
 */
export function reciprocalRankFusion(
  lists: readonly { readonly ids: readonly string[]; readonly weight?: number }[],
  k = RRF_K,
): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const { ids, weight = 1 } of lists) {
    ids.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + weight / (k + i + 1)));
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
