import type { HasLoaders } from "@aisle/ml";
import type { RankerRow, RankerScore } from "./models.ts";
import type { Candidate } from "./recall.ts";

/** Scores every candidate of a request. */
export interface RankingStrategy {
  readonly name: string;
  rank(context: HasLoaders, candidates: readonly Candidate[], rows: readonly RankerRow[]): Promise<void>;
}

/** Anything that scores ranker rows in a batch (the ESMM BatchedModel). */
export interface RowScorer {
  loadMany(context: HasLoaders, rows: readonly RankerRow[]): Promise<RankerScore[]>;
}

/** What the sequence signal needs of a candidate (the feed's Candidate, or an evaluation's). */
export interface SequenceScored {
  readonly id: string;
  sequenceScore?: number;
}

/**
 * The sequence model as a ranking signal: each candidate's inner product with the user vector, whichever recall
 * path found it. No model run: the item vectors are the index's (item tower, at start and on product events),
 * and the user vector is the one recall used, so a request's candidates cost one user-encoder run in all.
 * Without a user vector, or for an item without a vector, the score is left unset.
 */
export function scoreBySequence(
  candidates: readonly SequenceScored[],
  userVector: Float32Array | null,
  vectorOf: (id: string) => Float32Array | null,
): void {
  if (userVector === null) return;
  for (const c of candidates) {
    const v = vectorOf(c.id);
    if (v === null) continue;
    let s = 0;
    for (let j = 0; j < v.length; j++) s += (v[j] as number) * (userVector[j] as number);
    c.sequenceScore = s;
  }
}

/**
 * Sequence scores mapped to (0, 1] within the request, by candidate: exp(s - s_max), each candidate's softmax
 * probability relative to the best one (the scores are the model's logits). Absent ones stay absent.
 */
export function sequenceRelevance(candidates: readonly SequenceScored[]): Map<string, number> {
  let hi = -Infinity;
  for (const c of candidates) if (c.sequenceScore !== undefined) hi = Math.max(hi, c.sequenceScore);
  const out = new Map<string, number>();
  for (const c of candidates) {
    if (c.sequenceScore !== undefined) out.set(c.id, Math.exp(c.sequenceScore - hi));
  }
  return out;
}

/** The served order: score descending, then id (deterministic ties). */
export function byScore(a: { id: string; score: number }, b: { id: string; score: number }): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The ESMM ranker: all candidates of a request go through the per-request DataLoader in the same tick, so they
 * are ONE `session.run`. The ranker predicts what happens once an item is shown (click, then purchase); how much
 * the user wants to see it at all is the relevance: the recall score blended with the sequence model's score
 * (`sequenceWeight`, `sequenceRelevance`) when the user has a vector.
 * Score = relevance^relevanceExponent · (p(click) + purchaseWeight · p(click and purchase)).
 */
export class EsmmRanking implements RankingStrategy {
  readonly name = "esmm";
  constructor(
    private readonly model: RowScorer,
    private readonly purchaseWeight = 3,
    private readonly relevanceExponent = 1,
    private readonly sequenceWeight = 0.5,
  ) {}

  async rank(
    context: HasLoaders,
    candidates: readonly Candidate[],
    rows: readonly RankerRow[],
  ): Promise<void> {
    const scores = await this.model.loadMany(context, rows);
    const sequence = sequenceRelevance(candidates);
    candidates.forEach((c, i) => {
      const s = scores[i] as RankerScore;
      const seq = sequence.get(c.id);
      const relevance =
        seq === undefined
          ? c.recallScore
          : (1 - this.sequenceWeight) * c.recallScore + this.sequenceWeight * seq;
      c.score =
        Math.max(relevance, 1e-6) ** this.relevanceExponent * (s.pClick + this.purchaseWeight * s.pPurchase);
    });
  }
}

/**
 * The sequence model alone: score = user vector · item vector (the recall score for a candidate without one).
 * What the offline evaluation ranks by on logs without impressions (Amazon reviews), where the ESMM ranker's
 * features do not exist; also a no-ranker setting of the feed.
 */
export class SequenceRanking implements RankingStrategy {
  readonly name = "sequence";
  async rank(_context: HasLoaders, candidates: readonly Candidate[]): Promise<void> {
    rankBySequence(candidates);
  }
}

/** Sets each candidate's score to its sequence score (recall score when it has none). */
export function rankBySequence(
  candidates: readonly (SequenceScored & { recallScore: number; score: number })[],
): void {
  for (const c of candidates) c.score = c.sequenceScore ?? c.recallScore;
}

/** No model: the recall score alone (a fallback, and a baseline in tests). */
export class RecallOrderRanking implements RankingStrategy {
  readonly name = "recall-order";
  async rank(_context: HasLoaders, candidates: readonly Candidate[]): Promise<void> {
    for (const c of candidates) c.score = c.recallScore;
  }
}
