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

/**
 * The ESMM ranker: all candidates of a request go through the per-request DataLoader in the same tick, so they
 * are ONE `session.run`. The ranker predicts what happens once an item is shown (click, then purchase); how much
 * the user wants to see it at all is the recall relevance (the two-tower, co-occurrence and popularity scores).
 * Score = relevance^relevanceExponent · (p(click) + purchaseWeight · p(click and purchase)).
 */
export class EsmmRanking implements RankingStrategy {
  readonly name = "esmm";
  constructor(
    private readonly model: RowScorer,
    private readonly purchaseWeight = 3,
    private readonly relevanceExponent = 1,
  ) {}

  async rank(
    context: HasLoaders,
    candidates: readonly Candidate[],
    rows: readonly RankerRow[],
  ): Promise<void> {
    const scores = await this.model.loadMany(context, rows);
    candidates.forEach((c, i) => {
      const s = scores[i] as RankerScore;
      c.score =
        Math.max(c.recallScore, 1e-6) ** this.relevanceExponent *
        (s.pClick + this.purchaseWeight * s.pPurchase);
    });
  }
}

/** No model: the recall score alone (a fallback, and a baseline in tests). */
export class RecallOrderRanking implements RankingStrategy {
  readonly name = "recall-order";
  async rank(_context: HasLoaders, candidates: readonly Candidate[]): Promise<void> {
    for (const c of candidates) c.score = c.recallScore;
  }
}
