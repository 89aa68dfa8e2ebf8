import {
  countFacets,
  type FacetCounts,
  type IndexReport,
  type LexicalHit,
  type ResolvedFilters,
  type SearchBackend,
} from "../backends/backend.ts";
import { itemText, type SearchDocument } from "./documents.ts";
import { reciprocalRankFusion } from "../ranking/fusion.ts";
import type { IntentCategory, Understanding } from "../understanding/query-understanding.ts";
import type { LtrRanker } from "../ranking/ltr-ranker.model.ts";
import type { FieldStats, LtrQuery } from "../ranking/ranking-features.ts";
import { featureRows, type Candidate, type FeatureContext, type Reranker } from "../ranking/reranker.ts";
import type { TextEncoder } from "../understanding/text-encoder.model.ts";

/** Which retrieval stages run: the eval compares them side by side; the subgraph serves "hybrid-rerank". */
export type RetrievalMode = "bm25" | "semantic" | "hybrid" | "hybrid-rerank";
export const RETRIEVAL_MODES: readonly RetrievalMode[] = ["bm25", "semantic", "hybrid", "hybrid-rerank"];

export interface RetrieverOptions {
  /** Candidates taken from each side and re-ranked. Default 100. */
  readonly depth?: number;
  /** A semantic-only candidate below this cosine similarity is dropped (a vector search always finds something). Default 0.75 (nonsense strings reach ~0.65, real queries' neighbours 0.8–0.9). */
  readonly semanticMinSimilarity?: number;
  /** Weight of the semantic list in reciprocal rank fusion (the lexical list has 1). Default 1. */
  readonly semanticWeight?: number;
  /** Category intent from the embedding: the nearest category centroid must reach this similarity... Default 0.55. */
  readonly intentMinSimilarity?: number;
  /** ...and beat the second by this margin. Default 0.03. */
  readonly intentMargin?: number;
  /**
   * The learned ranker from the model registry with the corpus statistics its features need. When present it
   * replaces the linear re-ranker, and its registry settings replace `semanticWeight`; when its settings say
   * it is disabled, the fused order is served.
   */
  readonly ranker?: { readonly model: LtrRanker; readonly stats: FieldStats } | null;
}

/** The indexed documents with their unit vectors, and the category centroids of those vectors. */
export class Corpus {
  readonly #docs = new Map<string, { doc: SearchDocument; vector: Float32Array }>();
  readonly centroids: { category: IntentCategory; vector: Float32Array }[] = [];

  constructor(
    docs: readonly SearchDocument[],
    vectors: readonly Float32Array[],
    categories: readonly IntentCategory[],
  ) {
    docs.forEach((doc, i) => this.#docs.set(doc.id, { doc, vector: vectors[i] as Float32Array }));
    const sums = new Map<string, Float32Array>();
    docs.forEach((doc, i) => {
      if (doc.categoryId === "") return;
      const v = vectors[i] as Float32Array;
      let sum = sums.get(doc.categoryId);
      if (sum === undefined) sums.set(doc.categoryId, (sum = new Float32Array(v.length)));
      for (let j = 0; j < v.length; j += 1) sum[j] = (sum[j] as number) + (v[j] as number);
    });
    for (const category of categories) {
      const sum = sums.get(category.id);
      if (sum === undefined) continue;
      const norm = Math.hypot(...sum) || 1;
      this.centroids.push({ category, vector: sum.map((x) => x / norm) });
    }
  }

  get size(): number {
    return this.#docs.size;
  }

  doc(id: string): SearchDocument | undefined {
    return this.#docs.get(id)?.doc;
  }

  vector(id: string): Float32Array | undefined {
    return this.#docs.get(id)?.vector;
  }

  /** Adds or replaces a document (a product-change event). Category centroids stay as built at start. */
  put(doc: SearchDocument, vector: Float32Array): void {
    this.#docs.set(doc.id, { doc, vector });
  }

  /** Forgets a document (an archived product). */
  remove(id: string): void {
    this.#docs.delete(id);
  }
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j += 1) s += (a[j] as number) * (b[j] as number);
  return s;
}

/** Embeds every document (item side) and indexes documents and vectors into the backend. */
export async function indexCorpus(
  backend: SearchBackend,
  encoder: TextEncoder,
  docs: readonly SearchDocument[],
  categories: readonly IntentCategory[],
  onProgress?: (done: number, total: number) => void,
): Promise<{ corpus: Corpus; report: IndexReport; embedMs: number }> {
  const started = performance.now();
  const vectors = await encoder.embedAll(docs.map(itemText), "item");
  const embedMs = performance.now() - started;
  const report = await backend.index(docs, vectors, onProgress);
  const refused = new Set(report.errors.map((e) => e.id));
  const kept = docs
    .map((d, i) => ({ d, v: vectors[i] as Float32Array }))
    .filter(({ d }) => !refused.has(d.id));
  return {
    corpus: new Corpus(
      kept.map((k) => k.d),
      kept.map((k) => k.v),
      categories,
    ),
    report,
    embedMs,
  };
}

export interface DetectedIntent {
  readonly category: IntentCategory;
  /** 1 for a category named in the query or unanimous results; the centroid similarity otherwise. */
  readonly confidence: number;
  readonly source: "name" | "results" | "embedding";
}

/** Lexical hits that must all share a category for the results to decide the intent. */
export const INTENT_VOTE_HITS = 10;

export interface RetrieveArgs {
  readonly understanding: Understanding;
  /** The query's embedding; null for an empty query (filter browsing) or the bm25-only mode. */
  readonly queryVector: Float32Array | null;
  readonly filters: ResolvedFilters;
  readonly mode: RetrievalMode;
  /** Hits wanted in the ranked list (at least the page end); lexical hits beyond `depth` follow in BM25 order. */
  readonly size: number;
  readonly facets: boolean;
  readonly minimumShouldMatch?: boolean;
  /**
   * Also take the top `depth` lexical hits matching ANY query word (no minimum-should-match) as candidates, after
   * the fused ones: the learned ranker orders them (default: when the served ranker is enabled). They raise the served
   * list's recall@100 by 8 (Home Depot) and 9 points (CrowdFlower) on unseen queries (models/search/CARD.md). Only when the strict query
   * matched something: a query that matches nothing keeps its empty page and relaxed suggestion.
   */
  readonly looseCandidates?: boolean;
}

export interface Retrieved {
  readonly ranked: (Candidate & { readonly score: number })[];
  /** Matches: lexical matches plus semantic-only candidates above the similarity floor. */
  readonly total: number;
  /** Lexical matches alone (0 means the words matched nothing: the service then suggests a relaxed query). */
  readonly lexicalTotal: number;
  /** The raw lists before fusion (evaluation: BM25 alone and semantic alone from one retrieval). */
  readonly lexicalIds: readonly string[];
  readonly semanticIds: readonly string[];
  /** The semantic hits that took part in fusion (above the similarity floor). */
  readonly semanticKeptIds: readonly string[];
  /** Lexical hits of the any-word query that the strict query did not return (see `looseCandidates`). */
  readonly looseIds: readonly string[];
  readonly facets: FacetCounts;
  readonly intent: DetectedIntent | null;
  /** The intent from the query alone (name or embedding), the re-ranker's feature. */
  readonly rankingIntent: DetectedIntent | null;
}

/**
 * Hybrid retrieval, the same code for the subgraph and the relevance evaluation: BM25 from the backend and
 * vector nearest neighbours, fused with reciprocal rank fusion in the application, then re-ranked by the
 * learned re-ranker over the top `depth` candidates.
 */
export class HybridRetriever {
  readonly depth: number;
  readonly semanticMinSimilarity: number;
  readonly semanticWeight: number;
  readonly intentMinSimilarity: number;
  readonly intentMargin: number;
  readonly ranker: { readonly model: LtrRanker; readonly stats: FieldStats } | null;

  constructor(
    readonly backend: SearchBackend,
    readonly corpus: Corpus,
    readonly reranker: Reranker | null,
    options: RetrieverOptions = {},
  ) {
    this.depth = options.depth ?? 100;
    this.semanticMinSimilarity = options.semanticMinSimilarity ?? 0.75;
    this.ranker = options.ranker ?? null;
    this.semanticWeight = this.ranker?.model.settings.semanticWeight ?? options.semanticWeight ?? 1;
    this.intentMinSimilarity = options.intentMinSimilarity ?? 0.55;
    this.intentMargin = options.intentMargin ?? 0.03;
  }

  /**
   * Category intent: a category named in the query; else the category of the top lexical hits when all
   * INTENT_VOTE_HITS of them share it; else the nearest category centroid when clearly nearest. The vote
   * raises coverage from about a third to over half at the centroid rule's precision (models/search/CARD.md, eval-intent.ts).
   */
  intent(
    understanding: Understanding,
    queryVector: Float32Array | null,
    topHitIds: readonly string[] = [],
  ): DetectedIntent | null {
    if (understanding.lexicalIntent !== null)
      return { category: understanding.lexicalIntent, confidence: 1, source: "name" };
    const voted = understanding.text === "" ? null : this.#unanimousCategory(topHitIds);
    if (voted !== null) return { category: voted, confidence: 1, source: "results" };
    if (queryVector === null || this.corpus.centroids.length < 2) return null;
    const scored = this.corpus.centroids
      .map((c) => ({ category: c.category, similarity: dot(queryVector, c.vector) }))
      .sort((a, b) => b.similarity - a.similarity);
    const [first, second] = scored as [(typeof scored)[number], (typeof scored)[number]];
    if (
      first.similarity < this.intentMinSimilarity ||
      first.similarity - second.similarity < this.intentMargin
    )
      return null;
    return { category: first.category, confidence: first.similarity, source: "embedding" };
  }

  #unanimousCategory(topHitIds: readonly string[]): IntentCategory | null {
    if (topHitIds.length < INTENT_VOTE_HITS) return null;
    const categories = new Set(
      topHitIds.slice(0, INTENT_VOTE_HITS).map((id) => this.corpus.doc(id)?.categoryId),
    );
    const [only] = categories;
    if (categories.size !== 1 || only === undefined || only === "") return null;
    return this.corpus.centroids.find((c) => c.category.id === only)?.category ?? null;
  }

  /** The engine's per-field BM25 on the first `count` candidates (those the learned ranker scores), one request. */
  async #withFieldScores<C extends Candidate>(ranked: C[], count: number, text: string): Promise<C[]> {
    const scores = await this.backend.fieldScores?.(
      text,
      ranked.slice(0, count).map((c) => c.doc.id),
    );
    if (scores === undefined) return ranked;
    return ranked.map((c, i) => {
      const fieldScores = i < count ? scores.get(c.doc.id) : undefined;
      return fieldScores === undefined ? c : { ...c, fieldScores };
    });
  }

  async retrieve(args: RetrieveArgs): Promise<Retrieved> {
    const { understanding, queryVector, filters, mode } = args;
    const wantLexical = mode !== "semantic" || understanding.text === "";
    const wantSemantic = mode !== "bm25" && queryVector !== null && understanding.text !== "";
    const lexicalSize = Math.max(this.depth, args.size);
    const [lexical, semantic] = await Promise.all([
      wantLexical
        ? this.backend.lexical({
            text: understanding.text,
            expansions: understanding.expansions,
            filters,
            size: lexicalSize,
            fuzzy: true,
            minimumShouldMatch: args.minimumShouldMatch ?? true,
            facets: args.facets,
          })
        : null,
      wantSemantic ? this.backend.vector(queryVector, filters, this.depth) : null,
    ]);
    const lexicalHits: LexicalHit[] = lexical?.hits ?? [];
    const wantLoose =
      (args.looseCandidates ?? (mode === "hybrid-rerank" && this.ranker?.model.settings.enabled === true)) &&
      lexical !== null &&
      lexical.total > 0 &&
      (args.minimumShouldMatch ?? true) &&
      understanding.text !== "";
    const loose = wantLoose
      ? await this.backend.lexical({
          text: understanding.text,
          expansions: understanding.expansions,
          filters,
          size: this.depth,
          fuzzy: true,
          minimumShouldMatch: false,
          facets: false,
          countTotal: false,
        })
      : null;
    const semanticHits = (semantic ?? []).filter(
      (h) => h.similarity >= this.semanticMinSimilarity || mode === "semantic",
    );
    const intent = this.intent(
      understanding,
      queryVector,
      lexicalHits.map((h) => h.id),
    );
    // The re-ranker's intent feature comes from the query alone (name or embedding): an intent voted by the
    // results would only tell it which candidates share the top hits' category, echoing BM25's order.
    const rankingIntent = intent?.source === "results" ? this.intent(understanding, queryVector) : intent;

    const lexicalRank = new Map(lexicalHits.map((h, i) => [h.id, i]));
    const semanticRank = new Map(semanticHits.map((h, i) => [h.id, i]));
    const lexicalById = new Map(lexicalHits.map((h) => [h.id, h]));
    const looseOnly = (loose?.hits ?? []).filter((h) => !lexicalById.has(h.id));
    const looseById = new Map(looseOnly.map((h) => [h.id, h]));
    const candidate = (id: string, fusedScore: number): Candidate | null => {
      const doc = this.corpus.doc(id);
      if (doc === undefined) return null;
      const vector = this.corpus.vector(id);
      const hit = lexicalById.get(id) ?? looseById.get(id);
      return {
        doc,
        lexicalScore: hit?.score ?? null,
        lexicalRank: lexicalRank.get(id) ?? null,
        similarity: queryVector !== null && vector !== undefined ? dot(queryVector, vector) : 0,
        semanticRank: semanticRank.get(id) ?? null,
        fusedScore,
        highlight: hit?.highlight ?? null,
      };
    };

    let head: { id: string; score: number }[];
    let fusedCount = 0;
    if (mode === "bm25" || !wantSemantic) {
      head = lexicalHits.map((h) => ({ id: h.id, score: h.score }));
      fusedCount = Math.min(this.depth, head.length);
      if (looseOnly.length > 0) {
        // Loose candidates follow the strict top `depth`, before the strict tail.
        const tailScore = (head[fusedCount - 1]?.score ?? 0) / 2;
        head.splice(fusedCount, 0, ...looseOnly.map((h, i) => ({ id: h.id, score: tailScore / (2 + i) })));
        fusedCount += looseOnly.length;
      }
    } else if (mode === "semantic") head = semanticHits.map((h) => ({ id: h.id, score: h.similarity }));
    else {
      head = reciprocalRankFusion([
        { ids: lexicalHits.slice(0, this.depth).map((h) => h.id) },
        { ids: semanticHits.map((h) => h.id), weight: this.semanticWeight },
      ]);
      // Loose candidates follow the fused ones; lexical hits beyond the fused depth keep their BM25 order after.
      const fused = new Set(head.map((h) => h.id));
      const looseScore = (head.at(-1)?.score ?? 0) / 2;
      for (const [i, h] of looseOnly.entries())
        if (!fused.has(h.id)) {
          fused.add(h.id);
          head.push({ id: h.id, score: looseScore / (1 + (i + 1) * 1e-3) });
        }
      fusedCount = head.length;
      const tailScore = (head.at(-1)?.score ?? 0) / 2;
      for (const h of lexicalHits)
        if (!fused.has(h.id))
          head.push({ id: h.id, score: tailScore * (1 / (1 + (lexicalRank.get(h.id) ?? 0))) });
    }
    let ranked = head
      .map((h) => {
        const c = candidate(h.id, h.score);
        return c === null ? null : { ...c, score: h.score };
      })
      .filter((c): c is Candidate & { score: number } => c !== null);

    if (mode === "hybrid-rerank" && this.ranker !== null && understanding.text !== "") {
      if (this.ranker.model.settings.enabled) {
        if (this.backend.fieldScores !== undefined)
          ranked = await this.#withFieldScores(ranked, fusedCount, understanding.text);
        ranked = await rankByModel(this.ranker.model, this.ranker.stats, ranked, fusedCount, {
          text: understanding.text,
          intentCategoryId: rankingIntent?.category.id ?? null,
          extracted: understanding.extracted,
        });
      }
    } else if (mode === "hybrid-rerank" && this.reranker !== null && understanding.text !== "") {
      ranked = rerank(this.reranker, ranked, this.depth, {
        text: understanding.text,
        intentCategoryId: rankingIntent?.category.id ?? null,
      });
    }

    const facets = lexical?.facets ?? {
      categories: new Map(),
      brands: new Map(),
      priceRanges: [],
      attributes: new Map(),
    };
    let semanticOnly = 0;
    if (mode !== "bm25") {
      for (const h of semanticHits) {
        if (lexicalById.has(h.id) || (lexical !== null && lexical.total > lexicalHits.length)) continue;
        semanticOnly += 1;
        const doc = this.corpus.doc(h.id);
        if (args.facets && doc !== undefined && lexical !== null) countFacets(facets, doc);
      }
    }
    const looseCounted = looseOnly.filter((h) => !semanticRank.has(h.id)).length;
    const total =
      mode === "semantic" ? semanticHits.length : (lexical?.total ?? 0) + semanticOnly + looseCounted;
    return {
      ranked: ranked.slice(0, Math.max(args.size, this.depth)),
      total,
      lexicalTotal: lexical?.total ?? 0,
      lexicalIds: lexicalHits.map((h) => h.id),
      semanticIds: (semantic ?? []).map((h) => h.id),
      semanticKeptIds: semanticHits.map((h) => h.id),
      looseIds: looseOnly.map((h) => h.id),
      facets,
      intent,
      rankingIntent,
    };
  }
}

/**
 * Re-orders the first `depth` candidates by the re-ranker's scores; the rest follow in their order, below.
 * The subgraph and the evaluation (with cross-validated models) both re-rank through this function.
 */
export function rerank<C extends Candidate & { readonly score: number }>(
  reranker: Reranker,
  ranked: readonly C[],
  depth: number,
  context: FeatureContext,
): C[] {
  const top = ranked.slice(0, depth);
  if (top.length === 0) return [...ranked];
  const scores = reranker.score(featureRows(top, context));
  const reranked = top
    .map((c, i) => ({ ...c, score: scores[i] as number }))
    .sort((a, b) => b.score - a.score);
  const floor = Math.min(...scores) - 1;
  return [...reranked, ...ranked.slice(depth).map((c, i) => ({ ...c, score: floor - (i + 1) * 1e-6 }))];
}

/**
 * Orders the first `count` candidates (the fused lexical and semantic candidates) by the learned ranker's
 * scores, in one batched run; the rest (lexical hits past the fused depth) follow in their order, below. The
 * subgraph and the evaluation both rank through this function.
 */
export async function rankByModel<C extends Candidate & { readonly score: number }>(
  model: LtrRanker,
  stats: FieldStats,
  ranked: readonly C[],
  count: number,
  query: LtrQuery,
): Promise<C[]> {
  const top = ranked.slice(0, count);
  if (top.length === 0) return [...ranked];
  const scores = await model.score(top, query, stats);
  // Ties keep the fused order (stable sort), so a constant model serves the fallback order.
  const reranked = top
    .map((c, i) => ({ ...c, score: scores[i] as number }))
    .sort((a, b) => b.score - a.score);
  const floor = Math.min(...scores) - 1;
  return [...reranked, ...ranked.slice(count).map((c, i) => ({ ...c, score: floor - (i + 1) * 1e-6 }))];
}
