import type { SearchDocument } from "../retrieval/documents.ts";

/** Price buckets of the price facet, in minor units: [from, to) with `to` null for the open top bucket. */
export const PRICE_RANGES: readonly { readonly from: number; readonly to: number | null }[] = [
  { from: 0, to: 2_500 },
  { from: 2_500, to: 5_000 },
  { from: 5_000, to: 10_000 },
  { from: 10_000, to: 25_000 },
  { from: 25_000, to: 50_000 },
  { from: 50_000, to: null },
];

/** Filters after validation: every list is OR inside, AND across. Category ids match any level of the tree. */
export interface ResolvedFilters {
  readonly categoryIds: readonly string[];
  readonly brandIds: readonly string[];
  readonly priceMinMinor: number | null;
  readonly priceMaxMinor: number | null;
  /** Attribute name → accepted values. */
  readonly attributes: ReadonlyMap<string, readonly string[]>;
}

export const NO_FILTERS: ResolvedFilters = {
  categoryIds: [],
  brandIds: [],
  priceMinMinor: null,
  priceMaxMinor: null,
  attributes: new Map(),
};

/** Counts per facet value over the filtered match set. */
export interface FacetCounts {
  readonly categories: Map<string, number>;
  readonly brands: Map<string, number>;
  /** One count per PRICE_RANGES entry. */
  readonly priceRanges: number[];
  /** Attribute name → value → count. */
  readonly attributes: Map<string, Map<string, number>>;
}

export function emptyFacets(): FacetCounts {
  return {
    categories: new Map(),
    brands: new Map(),
    priceRanges: PRICE_RANGES.map(() => 0),
    attributes: new Map(),
  };
}

/** Adds one document to facet counts (used by the embedded backend and for semantic-only hits). */
export function countFacets(facets: FacetCounts, doc: SearchDocument): void {
  if (doc.categoryId !== "") {
    for (const id of doc.categoryPath) facets.categories.set(id, (facets.categories.get(id) ?? 0) + 1);
  }
  if (doc.brandId !== "") facets.brands.set(doc.brandId, (facets.brands.get(doc.brandId) ?? 0) + 1);
  const bucket = PRICE_RANGES.findIndex(
    (r) => doc.priceMinor >= r.from && (r.to === null || doc.priceMinor < r.to),
  );
  if (bucket >= 0 && doc.priceMinor > 0) facets.priceRanges[bucket] = (facets.priceRanges[bucket] ?? 0) + 1;
  for (const { name, value } of doc.attributes) {
    let values = facets.attributes.get(name);
    if (values === undefined) facets.attributes.set(name, (values = new Map()));
    values.set(value, (values.get(value) ?? 0) + 1);
  }
}

/** True when a document passes the filters (the embedded backend's filter, and the rule OpenSearch's query mirrors). */
export function passesFilters(doc: SearchDocument, filters: ResolvedFilters): boolean {
  if (filters.categoryIds.length > 0 && !filters.categoryIds.some((id) => doc.categoryPath.includes(id)))
    return false;
  if (filters.brandIds.length > 0 && !filters.brandIds.includes(doc.brandId)) return false;
  if (filters.priceMinMinor !== null && doc.priceMinor < filters.priceMinMinor) return false;
  if (filters.priceMaxMinor !== null && doc.priceMinor > filters.priceMaxMinor) return false;
  for (const [name, values] of filters.attributes) {
    if (!doc.attributes.some((a) => a.name === name && values.includes(a.value))) return false;
  }
  return true;
}

/** How many of n query terms a document must match: all up to 2 terms, then 75% rounded down (OpenSearch "2<75%"). */
export function requiredTerms(n: number): number {
  return n <= 2 ? n : Math.floor(0.75 * n);
}

export const MINIMUM_SHOULD_MATCH = "2<75%";

export interface LexicalRequest {
  /** The (spell-corrected) query text; "" lists every document passing the filters. */
  readonly text: string;
  /** Alternative phrasings from the synonyms file (the embedded engine ORs them in; OpenSearch's search analyser applies the same file). */
  readonly expansions: readonly string[];
  readonly filters: ResolvedFilters;
  /** Hits to return, best first. */
  readonly size: number;
  /** Edit-distance matching (OpenSearch `fuzziness: AUTO`). */
  readonly fuzzy: boolean;
  /** Require `requiredTerms(n)` of the n query terms; false matches any term (BM25 OR). */
  readonly minimumShouldMatch: boolean;
  /** Compute facet counts over the whole match set. */
  readonly facets: boolean;
  /** Count every match (the default); false when only the top hits are read, and `total` is then a lower bound. */
  readonly countTotal?: boolean;
}

export interface LexicalHit {
  readonly id: string;
  readonly score: number;
  /** The title with matched words wrapped in <em>…</em>; null when nothing in the title matched. */
  readonly highlight: string | null;
}

export interface LexicalResult {
  readonly hits: LexicalHit[];
  /** Documents matching the query and filters. */
  readonly total: number;
  readonly facets: FacetCounts;
}

/** The fields the learned ranker scores one by one. */
export const SCORED_FIELDS = ["title", "description", "brand", "category", "attributes"] as const;
export type ScoredField = (typeof SCORED_FIELDS)[number];

/**
 * Okapi BM25 (k1 1.2, b 0.75, with the classic (k1 + 1) numerator) of the query's distinct stems in each field
 * of one document, from the index's statistics of that field: the learned ranker's per-field features.
 */
export type FieldScores = Readonly<Record<ScoredField, number>>;

export interface VectorHit {
  readonly id: string;
  /** Cosine similarity, -1..1. */
  readonly similarity: number;
}

export interface IndexReport {
  readonly indexed: number;
  /** Documents the engine refused, with its reason. */
  readonly errors: readonly { readonly id: string; readonly reason: string }[];
  readonly tookMs: number;
}

/** One search engine behind the service: the embedded in-process engine or OpenSearch. Same contract tests for both. */
export interface SearchBackend {
  readonly name: "embedded" | "opensearch";
  /**
   * Replaces the index with these documents and their unit item vectors (same order), reporting progress.
   * OpenSearch builds a new index and swaps the alias, so searches never see a half-built index.
   */
  index(
    docs: readonly SearchDocument[],
    vectors: readonly Float32Array[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<IndexReport>;
  /** Adds or replaces one document (a product-change event); searchable when this resolves. */
  upsert(doc: SearchDocument, vector: Float32Array): Promise<void>;
  /** Removes one document (an archived product); absent ids are fine. Gone from results when this resolves. */
  remove(id: string): Promise<void>;
  lexical(request: LexicalRequest): Promise<LexicalResult>;
  /** The `size` nearest documents passing the filters, by cosine similarity. */
  vector(vector: Float32Array, filters: ResolvedFilters, size: number): Promise<VectorHit[]>;
  /**
   * Product titles starting with (or containing words starting with) the prefix, best first; when they are
   * fewer than `size`, titles whose words start within a few typos of each typed word follow (`prefixFuzziness`
   * edits of its length, the first letter exact, fewest edits first).
   */
  prefix(prefix: string, size: number): Promise<{ id: string; title: string }[]>;
  /**
   * Per-field BM25 of the query's words for these documents from the engine's own index statistics, in one
   * request per search (not one per document); a document the engine does not hold is left out. Absent on
   * the embedded engine: the application's `FieldStats` are that engine's statistics.
   */
  fieldScores?(text: string, ids: readonly string[]): Promise<Map<string, FieldScores>>;
  close(): Promise<void>;
}
