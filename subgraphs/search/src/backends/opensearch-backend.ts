import { Client } from "@opensearch-project/opensearch";
import { withSpan } from "@aisle/kit";
import {
  emptyFacets,
  MINIMUM_SHOULD_MATCH,
  PRICE_RANGES,
  SCORED_FIELDS,
  type FacetCounts,
  type FieldScores,
  type IndexReport,
  type LexicalRequest,
  type LexicalResult,
  type ResolvedFilters,
  type ScoredField,
  type SearchBackend,
  type VectorHit,
} from "./backend.ts";
import type { SearchDocument } from "../retrieval/documents.ts";
import { FIELD_BOOSTS } from "./embedded-backend.ts";
import { highlightTitle, matchedTitleStems, stemMatcher } from "../understanding/highlight.ts";
import { analyze, normalizeText, prefixFuzziness, stem, STOP_WORDS, words } from "../understanding/text.ts";

export interface OpenSearchBackendOptions {
  /** Base URL, e.g. http://127.0.0.1:9200. */
  readonly node: string;
  /** Alias searched; indices are named `<alias>-<epoch ms>`. */
  readonly alias: string;
  /** Synonym rules (Solr format lines) for the search analyser. */
  readonly synonyms: readonly string[];
  /** Documents per bulk request. Default 1000. */
  readonly bulkSize?: number;
}

/** Separates attribute name and value in the `attr_pairs` keyword field. */
const PAIR = "\u001f";

const FIELDS = [
  `title^${FIELD_BOOSTS.title}`,
  `category_name^${FIELD_BOOSTS.categoryName}`,
  `brand_name^${FIELD_BOOSTS.brandName}`,
  `attributes_text^${FIELD_BOOSTS.attributesText}`,
  `description^${FIELD_BOOSTS.description}`,
];

/** The index template: analysers (ASCII folding, English stop words and stemming, synonyms at search time) and mappings. */
export function indexTemplate(
  alias: string,
  synonyms: readonly string[],
  dimensions: number,
): Record<string, unknown> {
  const chain = ["lowercase", "asciifolding", "aisle_stop", "aisle_stemmer"];
  return {
    index_patterns: [`${alias}-*`],
    template: {
      settings: {
        number_of_shards: 1,
        number_of_replicas: 0,
        "index.knn": true,
        analysis: {
          tokenizer: { aisle_words: { type: "pattern", pattern: "[^\\p{L}\\p{N}]+" } },
          filter: {
            aisle_stop: { type: "stop", stopwords: [...STOP_WORDS] },
            aisle_stemmer: { type: "stemmer", language: "english" },
            // After the stemmer (a synonym_graph before it would see unstemmed rules and miss plurals).
            // Autocomplete: every prefix of every title word, so a fuzzy match on it is a fuzzy prefix match.
            aisle_edge: { type: "edge_ngram", min_gram: 1, max_gram: 20 },
            aisle_synonyms: {
              type: "synonym_graph",
              synonyms: synonyms.length > 0 ? [...synonyms] : ["aisle, aisle"],
            },
          },
          analyzer: {
            aisle_text: { type: "custom", tokenizer: "aisle_words", filter: chain },
            aisle_search: { type: "custom", tokenizer: "aisle_words", filter: [...chain, "aisle_synonyms"] },
            aisle_prefix: {
              type: "custom",
              tokenizer: "aisle_words",
              filter: ["lowercase", "asciifolding", "aisle_edge"],
            },
            aisle_prefix_search: {
              type: "custom",
              tokenizer: "aisle_words",
              filter: ["lowercase", "asciifolding"],
            },
          },
        },
      },
      mappings: {
        dynamic: "strict",
        properties: {
          id: { type: "keyword" },
          title: {
            type: "text",
            analyzer: "aisle_text",
            search_analyzer: "aisle_search",
            fields: {
              prefix: { type: "text", analyzer: "aisle_prefix", search_analyzer: "aisle_prefix_search" },
            },
          },
          category_name: { type: "text", analyzer: "aisle_text", search_analyzer: "aisle_search" },
          brand_name: { type: "text", analyzer: "aisle_text", search_analyzer: "aisle_search" },
          attributes_text: { type: "text", analyzer: "aisle_text", search_analyzer: "aisle_search" },
          description: { type: "text", analyzer: "aisle_text", search_analyzer: "aisle_search" },
          category_id: { type: "keyword" },
          category_path: { type: "keyword" },
          brand_id: { type: "keyword" },
          attr_pairs: { type: "keyword" },
          price_minor: { type: "long" },
          popularity: { type: "float" },
          created_at: { type: "date" },
          vector: {
            type: "knn_vector",
            dimension: dimensions,
            method: {
              name: "hnsw",
              engine: "lucene",
              space_type: "cosinesimil",
              parameters: { m: 16, ef_construction: 128 },
            },
          },
        },
      },
    },
  };
}

function filterClauses(filters: ResolvedFilters): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (filters.categoryIds.length > 0) out.push({ terms: { category_path: filters.categoryIds } });
  if (filters.brandIds.length > 0) out.push({ terms: { brand_id: filters.brandIds } });
  if (filters.priceMinMinor !== null || filters.priceMaxMinor !== null) {
    out.push({
      range: {
        price_minor: {
          ...(filters.priceMinMinor === null ? {} : { gte: filters.priceMinMinor }),
          ...(filters.priceMaxMinor === null ? {} : { lte: filters.priceMaxMinor }),
        },
      },
    });
  }
  for (const [name, values] of filters.attributes)
    out.push({ terms: { attr_pairs: values.map((v) => `${name}${PAIR}${v}`) } });
  return out;
}

/**
 * Term-centric BM25 like the embedded engine: each query word is matched across the fields (scores summed,
 * `fuzziness: AUTO`), and `minimum_should_match: 2<75%` counts words, not fields. Each synonym phrasing is an
 * alternative requiring all of its words.
 */
export function lexicalQuery(request: LexicalRequest): Record<string, unknown> {
  const termClause = (term: string) => ({
    multi_match: {
      query: term,
      fields: FIELDS,
      type: "most_fields",
      ...(request.fuzzy ? { fuzziness: "AUTO" } : {}),
    },
  });
  const termsOf = (text: string) => [...new Set(words(text).filter((w) => !STOP_WORDS.has(w)))];
  const main = termsOf(request.text);
  const alternatives: Record<string, unknown>[] = [
    {
      bool: {
        should: main.map(termClause),
        minimum_should_match: request.minimumShouldMatch ? MINIMUM_SHOULD_MATCH : 1,
      },
    },
  ];
  for (const expansion of request.expansions) {
    const terms = termsOf(expansion);
    if (terms.length > 0) alternatives.push({ bool: { must: terms.map(termClause) } });
  }
  return { bool: { should: alternatives, minimum_should_match: 1, filter: filterClauses(request.filters) } };
}

/** The index field behind each of the learned ranker's scored fields. */
const SCORED_FIELD_NAMES: Readonly<Record<ScoredField, string>> = {
  title: "title",
  description: "description",
  brand: "brand_name",
  category: "category_name",
  attributes: "attributes_text",
};

/**
 * One search for the per-field BM25 of these documents: each field's match on the query's distinct stems is a
 * named query whose score comes back with each hit (`include_named_queries_score`). The index analyser without
 * synonyms and no fuzziness, as the ranker's features count exact stems.
 */
export function fieldScoresRequest(text: string, ids: readonly string[]): Record<string, unknown> | null {
  const byStem = new Map<string, string>();
  for (const w of words(text)) if (!STOP_WORDS.has(w) && !byStem.has(stem(w))) byStem.set(stem(w), w);
  if (byStem.size === 0 || ids.length === 0) return null;
  const query = [...byStem.values()].join(" ");
  return {
    size: ids.length,
    ...ID_FROM_DOC_VALUES,
    track_total_hits: false,
    query: {
      bool: {
        filter: [{ ids: { values: ids } }],
        should: SCORED_FIELDS.map((field) => ({
          match: { [SCORED_FIELD_NAMES[field]]: { query, analyzer: "aisle_text", _name: field } },
        })),
      },
    },
  };
}

/**
 * Hits name their product by the `id` keyword's doc values instead of the stored `_id`: reading stored fields
 * decompresses a block of stored documents (sources, vectors included) per hit, the larger part of the fetch.
 */
const ID_FROM_DOC_VALUES = { _source: false, stored_fields: "_none_", docvalue_fields: ["id"] } as const;

interface Hit {
  readonly _score?: number | null;
  readonly fields?: { readonly id?: readonly string[] };
  readonly matched_queries?: Partial<Record<ScoredField, number>>;
}

const hitId = (h: Hit): string => h.fields?.id?.[0] ?? "";

/** The parts of a lexical search response that are read (smaller JSON to write and parse). */
const LEXICAL_RESPONSE = [
  "hits.total.value",
  "hits.hits.fields.id",
  "hits.hits._score",
  "aggregations.*.buckets.key",
  "aggregations.*.buckets.doc_count",
];

interface Bucket {
  key: string | number;
  doc_count: number;
}

/** OpenSearch behind the SearchBackend contract, through @opensearch-project/opensearch. */
export class OpenSearchBackend implements SearchBackend {
  readonly name = "opensearch" as const;
  readonly client: Client;
  readonly #bulkSize: number;
  /**
   * Titles of the documents this process indexed, for highlighting in the application: hits come back as ids
   * and scores only, without loading and parsing each hit's stored source (with its vector) in OpenSearch.
   */
  readonly #titles = new Map<string, string>();

  constructor(private readonly options: OpenSearchBackendOptions) {
    this.client = new Client({ node: options.node });
    this.#bulkSize = options.bulkSize ?? 1000;
  }

  get alias(): string {
    return this.options.alias;
  }

  async index(
    docs: readonly SearchDocument[],
    vectors: readonly Float32Array[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<IndexReport> {
    const started = performance.now();
    const dimensions = vectors[0]?.length ?? 0;
    const { alias } = this.options;
    await this.client.indices.putIndexTemplate({
      name: `${alias}-template`,
      body: indexTemplate(alias, this.options.synonyms, dimensions) as never,
    });
    const index = `${alias}-${Date.now()}`;
    await this.client.indices.create({ index });
    const errors: { id: string; reason: string }[] = [];
    const titleOf = new Map(docs.map((d) => [d.id, d.title]));
    const titles = new Map<string, string>();
    let indexed = 0;
    for (let start = 0; start < docs.length; start += this.#bulkSize) {
      const body: unknown[] = [];
      docs.slice(start, start + this.#bulkSize).forEach((doc, k) => {
        const vector = vectors[start + k];
        body.push({ index: { _index: index, _id: doc.id } });
        body.push(sourceOf(doc, vector));
      });
      const response = await this.client.bulk({ body: body as never });
      for (const item of response.body.items) {
        const result = Object.values(item)[0] as {
          _id?: string;
          status: number;
          error?: { type?: string; reason?: string };
        };
        if (result.error !== undefined) {
          errors.push({
            id: result._id ?? "?",
            reason: `${result.error.type ?? "error"}: ${result.error.reason ?? ""}`,
          });
        } else {
          indexed += 1;
          titles.set(result._id ?? "", titleOf.get(result._id ?? "") ?? "");
        }
      }
      onProgress?.(Math.min(start + this.#bulkSize, docs.length), docs.length);
    }
    await this.client.indices.refresh({ index });
    // Atomic swap: searches see the old index until this call, the new one after.
    let previous: string[];
    try {
      const current = await this.client.indices.getAlias({ name: alias });
      previous = Object.keys(current.body);
    } catch {
      previous = []; // no alias yet: the first index
    }
    await this.client.indices.updateAliases({
      body: {
        actions: [...previous.map((i) => ({ remove: { index: i, alias } })), { add: { index, alias } }],
      } as never,
    });
    this.#titles.clear();
    for (const [id, title] of titles) this.#titles.set(id, title);
    for (const old of previous) await this.client.indices.delete({ index: old });
    return { indexed, errors, tookMs: performance.now() - started };
  }

  async upsert(doc: SearchDocument, vector: Float32Array): Promise<void> {
    await this.client.index({
      index: this.options.alias,
      id: doc.id,
      body: sourceOf(doc, vector) as never,
      refresh: true,
    });
    this.#titles.set(doc.id, doc.title);
  }

  async remove(id: string): Promise<void> {
    try {
      await this.client.delete({ index: this.options.alias, id, refresh: true });
      this.#titles.delete(id);
    } catch (error) {
      if ((error as { meta?: { statusCode?: number } }).meta?.statusCode !== 404) throw error;
    }
  }

  // Each search call is a span (`opensearch <kind>`): with no tracer provider these are no-ops.
  lexical(request: LexicalRequest): Promise<LexicalResult> {
    const attributes = { "db.system.name": "opensearch", "aisle.search.size": request.size };
    return withSpan("opensearch lexical", attributes, () => this.#lexical(request));
  }

  vector(vector: Float32Array, filters: ResolvedFilters, size: number): Promise<VectorHit[]> {
    const attributes = { "db.system.name": "opensearch", "aisle.search.size": size };
    return withSpan("opensearch vector", attributes, () => this.#vector(vector, filters, size));
  }

  prefix(prefix: string, size: number): Promise<{ id: string; title: string }[]> {
    const attributes = { "db.system.name": "opensearch", "aisle.search.size": size };
    return withSpan("opensearch prefix", attributes, () => this.#prefix(prefix, size));
  }

  fieldScores(text: string, ids: readonly string[]): Promise<Map<string, FieldScores>> {
    const attributes = { "db.system.name": "opensearch", "aisle.search.size": ids.length };
    return withSpan("opensearch field scores", attributes, () => this.#fieldScores(text, ids));
  }

  async #fieldScores(text: string, ids: readonly string[]): Promise<Map<string, FieldScores>> {
    const body = fieldScoresRequest(text, ids);
    const out = new Map<string, FieldScores>();
    if (body === null) return out;
    const response = await this.client.search({
      index: this.options.alias,
      include_named_queries_score: true,
      filter_path: ["hits.hits.fields.id", "hits.hits.matched_queries"],
      body: body as never,
    });
    const hits =
      (
        response.body as unknown as {
          hits?: { hits?: Hit[] };
        }
      ).hits?.hits ?? [];
    for (const h of hits) {
      const matched = h.matched_queries ?? {};
      out.set(
        hitId(h),
        Object.fromEntries(SCORED_FIELDS.map((f) => [f, matched[f] ?? 0])) as Record<ScoredField, number>,
      );
    }
    return out;
  }

  async #lexical(request: LexicalRequest): Promise<LexicalResult> {
    const browse = words(request.text).filter((w) => !STOP_WORDS.has(w)).length === 0;
    const query = browse ? { bool: { filter: filterClauses(request.filters) } } : lexicalQuery(request);
    const response = await this.client.search({
      index: this.options.alias,
      filter_path: LEXICAL_RESPONSE,
      body: {
        query,
        size: request.size,
        track_total_hits: request.countTotal ?? true,
        ...ID_FROM_DOC_VALUES,
        ...(browse ? { sort: [{ popularity: "desc" }, { id: "asc" }] } : {}),
        ...(request.facets
          ? {
              aggs: {
                categories: { terms: { field: "category_path", size: 500 } },
                brands: { terms: { field: "brand_id", size: 500 } },
                prices: {
                  range: {
                    field: "price_minor",
                    ranges: PRICE_RANGES.map((r) => ({
                      from: Math.max(1, r.from),
                      ...(r.to === null ? {} : { to: r.to }),
                    })),
                  },
                },
                attributes: { terms: { field: "attr_pairs", size: 5000 } },
              },
            }
          : {}),
      } as never,
    });
    // filter_path leaves out what is empty: no hits, no total when not counted.
    const body = response.body as unknown as {
      hits?: { total?: { value: number }; hits?: Hit[] };
      aggregations?: Record<string, { buckets: Bucket[] }>;
    };
    const found = body.hits?.hits ?? [];
    const queryStems = [...new Set([request.text, ...request.expansions].flatMap(analyze))];
    const matches = stemMatcher(queryStems, request.fuzzy);
    const hits = found.map((h, i) => {
      const id = hitId(h);
      const title = this.#titles.get(id) ?? "";
      return {
        id,
        score: browse ? found.length - i : (h._score ?? 0),
        highlight: browse
          ? null
          : highlightTitle(title, matchedTitleStems(title, queryStems, request.fuzzy, matches)),
      };
    });
    return { hits, total: body.hits?.total?.value ?? found.length, facets: this.#facets(body.aggregations) };
  }

  #facets(aggs: Record<string, { buckets: Bucket[] }> | undefined): FacetCounts {
    const facets = emptyFacets();
    if (aggs === undefined) return facets;
    for (const b of aggs["categories"]?.buckets ?? []) facets.categories.set(String(b.key), b.doc_count);
    for (const b of aggs["brands"]?.buckets ?? [])
      if (b.key !== "") facets.brands.set(String(b.key), b.doc_count);
    (aggs["prices"]?.buckets ?? []).forEach((b, i) => (facets.priceRanges[i] = b.doc_count));
    for (const b of aggs["attributes"]?.buckets ?? []) {
      const [name, value] = String(b.key).split(PAIR) as [string, string];
      let values = facets.attributes.get(name);
      if (values === undefined) facets.attributes.set(name, (values = new Map()));
      values.set(value, b.doc_count);
    }
    return facets;
  }

  async #vector(vector: Float32Array, filters: ResolvedFilters, size: number): Promise<VectorHit[]> {
    const filter = filterClauses(filters);
    const response = await this.client.search({
      index: this.options.alias,
      filter_path: ["hits.hits.fields.id", "hits.hits._score"],
      body: {
        size,
        ...ID_FROM_DOC_VALUES,
        query: {
          knn: {
            vector: {
              vector: Array.from(vector),
              k: size,
              ...(filter.length > 0 ? { filter: { bool: { filter } } } : {}),
            },
          },
        },
      } as never,
    });
    const hits = (response.body as unknown as { hits?: { hits?: Hit[] } }).hits?.hits ?? [];
    // Lucene's cosinesimil score is (1 + cos) / 2.
    return hits.map((h) => ({ id: hitId(h), similarity: 2 * (h._score ?? 0) - 1 }));
  }

  async #prefix(prefix: string, size: number): Promise<{ id: string; title: string }[]> {
    const search = async (query: Record<string, unknown>, n: number) => {
      const response = await this.client.search({
        index: this.options.alias,
        body: {
          size: n,
          _source: ["title"],
          query,
          sort: ["_score", { popularity: "desc" }, { id: "asc" }],
        } as never,
      });
      return (
        response.body as unknown as { hits: { hits: { _id: string; _source: { title: string } }[] } }
      ).hits.hits.map((h) => ({ id: h._id, title: h._source.title }));
    };
    const out = await search({ match_bool_prefix: { title: { query: prefix, operator: "and" } } }, size);
    const typed = normalizeText(prefix)
      .split(" ")
      .filter((w) => w !== "");
    if (out.length >= size || typed.length === 0) return out;
    // Typo-tolerant fill, like the embedded engine: each typed word within prefixFuzziness edits of the start
    // of a title word (a fuzzy term match on the title's edge n-grams; the first letter exact).
    const fuzzy = await search(
      {
        bool: {
          must: typed.map((t) => ({
            match: {
              "title.prefix": { query: t, fuzziness: prefixFuzziness(t.length), prefix_length: 1 },
            },
          })),
          must_not: out.length > 0 ? [{ ids: { values: out.map((o) => o.id) } }] : [],
        },
      },
      size - out.length,
    );
    return [...out, ...fuzzy];
  }

  /** Deletes the alias's indices and template (tests use a unique alias per run). */
  async drop(): Promise<void> {
    await this.client.indices.delete({ index: `${this.options.alias}-*` }).catch(() => undefined);
    await this.client.indices
      .deleteIndexTemplate({ name: `${this.options.alias}-template` })
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The indexed source of one document: what `index` bulk-writes and `upsert` writes one at a time. */
function sourceOf(doc: SearchDocument, vector: Float32Array | undefined): Record<string, unknown> {
  return {
    id: doc.id,
    title: doc.title,
    category_name: doc.categoryName,
    brand_name: doc.brandName,
    attributes_text: doc.attributes.map((a) => a.value).join(" "),
    description: doc.description,
    category_id: doc.categoryId,
    category_path: doc.categoryPath,
    brand_id: doc.brandId,
    attr_pairs: doc.attributes.map((a) => `${a.name}${PAIR}${a.value}`),
    price_minor: doc.priceMinor,
    popularity: doc.popularity,
    ...(doc.createdAt === "" ? {} : { created_at: doc.createdAt }),
    vector: vector === undefined ? null : Array.from(vector),
  };
}
