import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { env } from "@aisle/kit";
import { DEFAULT_MODELS_DIR } from "@aisle/ml";

const here = dirname(fileURLToPath(import.meta.url));
/** The synonyms file shipped with the subgraph. */
export const DEFAULT_SYNONYMS_FILE = resolve(here, "../config/synonyms.txt");
/** The re-ranker shipped in models/search (written by models/search/train-reranker.ts). */
export const DEFAULT_RERANKER_FILE = join(DEFAULT_MODELS_DIR, "search", "reranker.json");

export const searchEnvShape = {
  /** `embedded` (in-process engine, the default: nothing to run) or `opensearch`. */
  SEARCH_BACKEND: z.enum(["embedded", "opensearch"]).default("embedded"),
  /** OpenSearch base URL when SEARCH_BACKEND=opensearch. Default http://127.0.0.1:9200. */
  OPENSEARCH_URL: env.url("http://127.0.0.1:9200"),
  /** Alias searched in OpenSearch; each start builds `<alias>-<time>` and swaps the alias. Default aisle-products. */
  OPENSEARCH_INDEX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default("aisle-products"),
  /** Synonyms file (Solr/OpenSearch format) used by both engines. Default subgraphs/search/config/synonyms.txt. */
  SEARCH_SYNONYMS_FILE: z.string().min(1).default(DEFAULT_SYNONYMS_FILE),
  /** Re-ranker weights (JSON). Default models/search/reranker.json. */
  SEARCH_RERANKER_FILE: z.string().min(1).default(DEFAULT_RERANKER_FILE),
  /** Model registry folder holding manifest.json and models/search-ranker (the learned ranker). Default models/. */
  SEARCH_MODELS_DIR: z.string().min(1).optional(),
  /** Candidates per side fused and re-ranked. Default 100. */
  SEARCH_RERANK_DEPTH: env.positiveInt(100),
  /** Weight of the semantic list in reciprocal rank fusion (lexical has 1); 0 keeps BM25's order before re-ranking. Default 1. */
  SEARCH_SEMANTIC_WEIGHT: z.coerce.number().min(0).max(10).default(1),
};
