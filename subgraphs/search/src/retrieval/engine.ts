import { Autocomplete } from "../understanding/autocomplete.ts";
import type { IndexReport, SearchBackend } from "../backends/backend.ts";
import type { SearchDocument } from "./documents.ts";
import { QueryUnderstanding, type IntentCategory } from "../understanding/query-understanding.ts";
import type { LtrRanker } from "../ranking/ltr-ranker.model.ts";
import { FieldStats } from "../ranking/ranking-features.ts";
import type { Reranker } from "../ranking/reranker.ts";
import { HybridRetriever, indexCorpus, type Corpus, type RetrieverOptions } from "./retriever.ts";
import type { Synonyms } from "../understanding/synonyms.ts";
import type { TextEncoder } from "../understanding/text-encoder.model.ts";

/** Everything a search needs, built once at start (subgraph, evaluation, tests and bench build it the same way). */
export interface SearchEngine {
  readonly backend: SearchBackend;
  readonly encoder: TextEncoder;
  readonly corpus: Corpus;
  readonly retriever: HybridRetriever;
  readonly understanding: QueryUnderstanding;
  readonly autocomplete: Autocomplete;
  readonly report: IndexReport;
  /** Milliseconds spent embedding the products (item tower). */
  readonly embedMs: number;
}

export interface BuildEngineOptions {
  readonly backend: SearchBackend;
  readonly encoder: TextEncoder;
  readonly docs: readonly SearchDocument[];
  readonly categories: readonly IntentCategory[];
  readonly synonyms: Synonyms;
  readonly reranker: Reranker | null;
  /** The learned ranker from the model registry (LtrRanker.load); null serves the fused order re-ranked by `reranker`. */
  readonly ranker?: LtrRanker | null;
  readonly retriever?: RetrieverOptions;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Embeds and indexes the documents, then builds query understanding and autocomplete over them. */
export async function buildSearchEngine(options: BuildEngineOptions): Promise<SearchEngine> {
  const { corpus, report, embedMs } = await indexCorpus(
    options.backend,
    options.encoder,
    options.docs,
    options.categories,
    options.onProgress,
  );
  return {
    backend: options.backend,
    encoder: options.encoder,
    corpus,
    retriever: new HybridRetriever(options.backend, corpus, options.reranker, {
      ...options.retriever,
      ranker: options.ranker == null ? null : { model: options.ranker, stats: new FieldStats(options.docs) },
    }),
    understanding: new QueryUnderstanding(options.docs, options.categories, options.synonyms),
    autocomplete: new Autocomplete(options.docs, options.categories, options.backend),
    report,
    embedMs,
  };
}
