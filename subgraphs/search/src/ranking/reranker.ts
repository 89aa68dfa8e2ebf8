import { readFile } from "node:fs/promises";
import { createRng, hashString } from "@aisle/world";
import type { FieldScores } from "../backends/backend.ts";
import type { SearchDocument } from "../retrieval/documents.ts";
import { normalizeText, stem, STOP_WORDS, words } from "../understanding/text.ts";

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
  /** Per-field BM25 from the search engine (OpenSearch); absent: the learned ranker computes it (`FieldStats`). */
  readonly fieldScores?: FieldScores;
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
  /**
   * Weight in [0, 1] of the model's order against the incoming (fused) order, combined by reciprocal rank
   * (k = {@link BLEND_K}); absent = 1, the model's order alone. Chosen by validation (models/search/eval.ts).
   */
  readonly blend?: number;
}

/** The rank constant of the blend between the re-ranker's order and the incoming order. */
export const BLEND_K = 60;

export class LinearReranker implements Reranker {
  readonly name = "linear-pairwise";

  constructor(readonly model: LinearModel) {
    if (model.features.join(",") !== RERANK_FEATURES.join(",")) {
      throw new Error(
        `re-ranker features [${model.features.join(", ")}] differ from [${RERANK_FEATURES.join(", ")}]`,
      );
    }
    if (model.blend !== undefined && !(model.blend >= 0 && model.blend <= 1)) {
      throw new Error(`re-ranker blend ${String(model.blend)} is not in [0, 1]`);
    }
  }

  static async load(path: string): Promise<LinearReranker> {
    return new LinearReranker(JSON.parse(await readFile(path, "utf8")) as LinearModel);
  }

  /** Scores rows given in the incoming (fused) order; with a blend below 1 that order counts too. */
  score(rows: readonly (readonly number[])[]): number[] {
    const { mean, std, weights, blend = 1 } = this.model;
    const raw = rows.map((row) =>
      row.reduce(
        (s, v, j) => s + ((v - (mean[j] as number)) / (std[j] as number)) * (weights[j] as number),
        0,
      ),
    );
    if (blend >= 1) return raw;
    const rankOf = new Array<number>(raw.length);
    raw
      .map((s, i) => ({ s, i }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .forEach(({ i }, r) => (rankOf[i] = r));
    return raw.map((_, i) => blend / (BLEND_K + 1 + (rankOf[i] as number)) + (1 - blend) / (BLEND_K + 1 + i));
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
  // Gain differences are scaled to [0, 1] so the step size does not depend on the dataset's grade scale.
  const gainScale = 1 / groups.reduce((m, g) => g.gains.reduce((a, b) => Math.max(a, b), m), 1e-9);
  const z = groups.map((g) => ({
    rows: g.rows.map((r) => r.map((v, j) => (v - (mean[j] as number)) / (std[j] as number))),
    gains: g.gains,
  }));
  const w = new Array<number>(width).fill(0);
  // The returned weights average the end-of-epoch weights of the second half (less seed-to-seed variance).
  const averaged = new Array<number>(width).fill(0);
  let averagedEpochs = 0;
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
        const gradient = (-Math.abs(gi - gk) * gainScale) / (1 + Math.exp(margin));
        for (let j = 0; j < width; j += 1) {
          if (constant[j]) continue;
          w[j] =
            (w[j] as number) -
            rate * (gradient * ((a[j] as number) - (b[j] as number)) + l2 * (w[j] as number));
        }
      }
    }
    if (epoch >= Math.floor(epochs / 2)) {
      for (let j = 0; j < width; j += 1) averaged[j] = (averaged[j] as number) + (w[j] as number);
      averagedEpochs += 1;
    }
  }
  return {
    features: [...RERANK_FEATURES],
    mean,
    std,
    weights: averaged.map((v) => v / Math.max(1, averagedEpochs)),
    ...(options.trainedOn === undefined ? {} : { trainedOn: options.trainedOn }),
  };
}
