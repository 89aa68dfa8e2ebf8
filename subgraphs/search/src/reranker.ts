import { readFile } from "node:fs/promises";
import { createRng, hashString } from "@aisle/world";
import type { SearchDocument } from "./documents.ts";
import { normalizeText, stem, STOP_WORDS, words } from "./text.ts";

/** Features of one (query, candidate) pair, in model order. */
export const RERANK_FEATURES = [
  "bm25",
  "lexicalReciprocalRank",
  "similarity",
  "semanticReciprocalRank",
  "fusedScore",
  "categoryMatch",
  "titleCoverage",
  "descriptionCoverage",
  "exactPhrase",
  "titleLength",
  "bm25TimesSimilarity",
  "popularity",
  "logPrice",
] as const;
export type RerankFeature = (typeof RERANK_FEATURES)[number];

/** A retrieved candidate before re-ranking. */
export interface Candidate {
  readonly doc: SearchDocument;
  /** BM25 score, null when only the semantic side found it. */
  readonly lexicalScore: number | null;
  /** 0-based rank in the lexical list, null when absent. */
  readonly lexicalRank: number | null;
  /** Cosine similarity of query and product vectors (computed for every candidate). */
  readonly similarity: number;
  readonly semanticRank: number | null;
  /** Reciprocal-rank-fusion score. */
  readonly fusedScore: number;
  /** The lexical highlight, when any. */
  readonly highlight: string | null;
}

export interface FeatureContext {
  /** The searched (corrected) query text. */
  readonly text: string;
  /** Detected category intent (id), null when none. */
  readonly intentCategoryId: string | null;
}

/** Feature rows for candidates of one query (scores normalised within the query, so rows compare across queries). */
export function featureRows(candidates: readonly Candidate[], context: FeatureContext): number[][] {
  const queryStems = [
    ...new Set(
      words(context.text)
        .filter((w) => !STOP_WORDS.has(w))
        .map(stem),
    ),
  ];
  const phrase = normalizeText(context.text);
  const maxLexical = Math.max(1e-9, ...candidates.map((c) => c.lexicalScore ?? 0));
  const maxFused = Math.max(1e-9, ...candidates.map((c) => c.fusedScore));
  return candidates.map((c) => {
    const titleWords = words(c.doc.title);
    const titleStems = new Set(titleWords.map(stem));
    const covered = queryStems.filter((s) => titleStems.has(s)).length;
    const descriptionStems = c.doc.description === "" ? null : new Set(words(c.doc.description).map(stem));
    const bm25 = (c.lexicalScore ?? 0) / maxLexical;
    const row: Record<RerankFeature, number> = {
      bm25,
      lexicalReciprocalRank: c.lexicalRank === null ? 0 : 1 / (1 + c.lexicalRank),
      similarity: c.similarity,
      semanticReciprocalRank: c.semanticRank === null ? 0 : 1 / (1 + c.semanticRank),
      fusedScore: c.fusedScore / maxFused,
      categoryMatch:
        context.intentCategoryId !== null && c.doc.categoryPath.includes(context.intentCategoryId) ? 1 : 0,
      titleCoverage: queryStems.length === 0 ? 0 : covered / queryStems.length,
      descriptionCoverage:
        descriptionStems === null || queryStems.length === 0
          ? 0
          : queryStems.filter((s) => descriptionStems.has(s)).length / queryStems.length,
      titleLength: Math.log1p(titleWords.length) / 3,
      bm25TimesSimilarity: bm25 * c.similarity,
      exactPhrase: phrase !== "" && ` ${normalizeText(c.doc.title)} `.includes(` ${phrase} `) ? 1 : 0,
      popularity: c.doc.popularity,
      logPrice: c.doc.priceMinor > 0 ? Math.log1p(c.doc.priceMinor / 100) / 10 : 0,
    };
    return RERANK_FEATURES.map((f) => row[f]);
  });
}

/** A learned scoring function over feature rows (a strategy: swap it for a GBDT or an ONNX model). */
export interface Reranker {
  readonly name: string;
  score(rows: readonly (readonly number[])[]): number[];
}

/** A linear model over standardised features, as train-reranker writes it. */
export interface LinearModel {
  readonly features: readonly string[];
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly weights: readonly number[];
  /** What it was trained on, for the card. */
  readonly trainedOn?: string;
}

export class LinearReranker implements Reranker {
  readonly name = "linear-pairwise";

  constructor(readonly model: LinearModel) {
    if (model.features.join(",") !== RERANK_FEATURES.join(",")) {
      throw new Error(
        `re-ranker features [${model.features.join(", ")}] differ from [${RERANK_FEATURES.join(", ")}]`,
      );
    }
  }

  static async load(path: string): Promise<LinearReranker> {
    return new LinearReranker(JSON.parse(await readFile(path, "utf8")) as LinearModel);
  }

  score(rows: readonly (readonly number[])[]): number[] {
    const { mean, std, weights } = this.model;
    return rows.map((row) =>
      row.reduce(
        (s, v, j) => s + ((v - (mean[j] as number)) / (std[j] as number)) * (weights[j] as number),
        0,
      ),
    );
  }
}

/** One query's candidates with their graded gains, for training. */
export interface TrainingGroup {
  readonly rows: readonly (readonly number[])[];
  readonly gains: readonly number[];
}

/**
 * Trains a linear re-ranker with a pairwise logistic (RankNet) loss by SGD: for pairs of one query's candidates
 * with different gains, push the better one's score up, weighted by the gain difference. L2-regularised;
 * deterministic for a seed. Constant features get weight 0.
 */
export function trainPairwise(
  groups: readonly TrainingGroup[],
  options: {
    epochs?: number;
    learningRate?: number;
    l2?: number;
    pairsPerGroup?: number;
    seed?: number;
    trainedOn?: string;
  } = {},
): LinearModel {
  const { epochs = 20, learningRate = 0.05, l2 = 1e-3, pairsPerGroup = 200, seed = 7 } = options;
  const width = RERANK_FEATURES.length;
  const all = groups.flatMap((g) => g.rows);
  const mean = Array.from(
    { length: width },
    (_, j) => all.reduce((s, r) => s + (r[j] as number), 0) / Math.max(1, all.length),
  );
  const std = Array.from({ length: width }, (_, j) => {
    const v =
      all.reduce((s, r) => s + ((r[j] as number) - (mean[j] as number)) ** 2, 0) / Math.max(1, all.length);
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  const constant = Array.from({ length: width }, (_, j) => all.every((r) => r[j] === all[0]?.[j]));
  const z = groups.map((g) => ({
    rows: g.rows.map((r) => r.map((v, j) => (v - (mean[j] as number)) / (std[j] as number))),
    gains: g.gains,
  }));
  const w = new Array<number>(width).fill(0);
  const rng = createRng(hashString(`search-reranker:${seed}`));
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    const rate = learningRate / (1 + epoch * 0.2);
    for (const g of rng.shuffle(z)) {
      const n = g.rows.length;
      if (n < 2) continue;
      for (let p = 0; p < pairsPerGroup; p += 1) {
        const i = rng.int(0, n - 1);
        const k = rng.int(0, n - 1);
        const gi = g.gains[i] as number;
        const gk = g.gains[k] as number;
        if (gi === gk) continue;
        const [hi, lo] = gi > gk ? [g.rows[i], g.rows[k]] : [g.rows[k], g.rows[i]];
        const a = hi as number[];
        const b = lo as number[];
        let margin = 0;
        for (let j = 0; j < width; j += 1) margin += (w[j] as number) * ((a[j] as number) - (b[j] as number));
        const gradient = -Math.abs(gi - gk) / (1 + Math.exp(margin));
        for (let j = 0; j < width; j += 1) {
          if (constant[j]) continue;
          w[j] =
            (w[j] as number) -
            rate * (gradient * ((a[j] as number) - (b[j] as number)) + l2 * (w[j] as number));
        }
      }
    }
  }
  return {
    features: [...RERANK_FEATURES],
    mean,
    std,
    weights: w,
    ...(options.trainedOn === undefined ? {} : { trainedOn: options.trainedOn }),
  };
}
