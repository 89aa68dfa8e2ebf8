import MiniSearch, { type Query, type SearchResult } from "minisearch";
import {
  countFacets,
  emptyFacets,
  passesFilters,
  requiredTerms,
  type IndexReport,
  type LexicalHit,
  type LexicalRequest,
  type LexicalResult,
  type ResolvedFilters,
  type SearchBackend,
  type VectorHit,
} from "./backend.ts";
import type { SearchDocument } from "../retrieval/documents.ts";
import { highlightTitle } from "../understanding/highlight.ts";
import {
  analyze,
  autoFuzziness,
  normalizeText,
  prefixEditDistance,
  prefixFuzziness,
  stem,
  STOP_WORDS,
  words,
} from "../understanding/text.ts";

/** Field boosts, the same numbers the OpenSearch multi_match uses (title^3, category^2, brand^2, attributes, description^0.5). */
export const FIELD_BOOSTS = {
  title: 3,
  categoryName: 2,
  brandName: 2,
  attributesText: 1,
  description: 0.5,
} as const;

interface IndexedFields {
  readonly id: string;
  readonly title: string;
  readonly categoryName: string;
  readonly brandName: string;
  readonly attributesText: string;
  readonly description: string;
}

/**
 * The embedded engine: MiniSearch (BM25+, fuzzy matching, field boosts) for the lexical side, a flat
 * Float32Array of unit vectors scanned exactly for the semantic side (10,000 × 32 floats is ~0.3 ms per
 * query; no ANN index needed at this size), and filters and facets over the documents kept in memory.
 */
export class EmbeddedBackend implements SearchBackend {
  readonly name = "embedded" as const;
  #docs: SearchDocument[] = [];
  #byId = new Map<string, number>();
  #vectors = new Float32Array(0);
  #dim = 0;
  #engine = EmbeddedBackend.#newEngine();
  #titles: { key: string; row: number }[] = [];
  /** Each title word → rows whose title had it (may hold rows since re-titled or removed: checked when read). */
  #titleWords = new Map<string, number[]>();
  /** Rows of removed documents (archived products): skipped by browse and vector scans. */
  #removed = new Set<number>();

  static #newEngine(): MiniSearch<IndexedFields> {
    return new MiniSearch<IndexedFields>({
      fields: ["title", "categoryName", "brandName", "attributesText", "description"],
      tokenize: (text) => words(text),
      processTerm: (term) => (STOP_WORDS.has(term) ? null : stem(term)),
    });
  }

  async index(
    docs: readonly SearchDocument[],
    vectors: readonly Float32Array[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<IndexReport> {
    const started = performance.now();
    const engine = EmbeddedBackend.#newEngine();
    const kept: SearchDocument[] = [];
    const keptVectors: Float32Array[] = [];
    const errors: { id: string; reason: string }[] = [];
    const seen = new Set<string>();
    const dim = vectors[0]?.length ?? 0;
    docs.forEach((doc, i) => {
      const vector = vectors[i];
      const problem =
        doc.id === ""
          ? "empty id"
          : seen.has(doc.id)
            ? "duplicate id"
            : vector === undefined || vector.length !== dim
              ? "missing or wrong-sized vector"
              : undefined;
      if (problem !== undefined) {
        errors.push({ id: doc.id, reason: problem });
        return;
      }
      seen.add(doc.id);
      engine.add(fieldsOf(doc, kept.length));
      kept.push(doc);
      keptVectors.push(vector as Float32Array);
      if (onProgress !== undefined && (kept.length % 1000 === 0 || i === docs.length - 1))
        onProgress(i + 1, docs.length);
    });
    const matrix = new Float32Array(kept.length * dim);
    keptVectors.forEach((v, row) => matrix.set(v, row * dim));
    // Swap everything at once: searches in flight keep the old index.
    this.#engine = engine;
    this.#docs = kept;
    this.#byId = new Map(kept.map((d, row) => [d.id, row]));
    this.#vectors = matrix;
    this.#dim = dim;
    this.#removed = new Set();
    this.#titles = kept
      .map((d, row) => ({ key: normalizeText(d.title), row }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    this.#titleWords = new Map();
    kept.forEach((d, row) => this.#addTitleWords(d, row));
    return { indexed: kept.length, errors, tookMs: performance.now() - started };
  }

  async upsert(doc: SearchDocument, vector: Float32Array): Promise<void> {
    if (vector.length !== this.#dim)
      throw new Error(`vector has ${vector.length} dims, the index ${this.#dim}`);
    let row = this.#byId.get(doc.id);
    if (row === undefined) {
      row = this.#docs.length;
      const grown = new Float32Array((row + 1) * this.#dim);
      grown.set(this.#vectors);
      this.#vectors = grown;
      this.#docs.push(doc);
      this.#byId.set(doc.id, row);
      this.#engine.add(fieldsOf(doc, row));
    } else {
      this.#docs[row] = doc;
      this.#engine.replace(fieldsOf(doc, row));
      this.#titles = this.#titles.filter((t) => t.row !== row);
    }
    this.#vectors.set(vector, row * this.#dim);
    this.#addTitleWords(doc, row);
    const key = normalizeText(doc.title);
    const at = this.#titles.findIndex((t) => t.key > key);
    this.#titles.splice(at === -1 ? this.#titles.length : at, 0, { key, row });
  }

  #addTitleWords(doc: SearchDocument, row: number): void {
    for (const word of new Set(words(doc.title))) {
      const rows = this.#titleWords.get(word);
      if (rows === undefined) this.#titleWords.set(word, [row]);
      else if (rows.at(-1) !== row) rows.push(row);
    }
  }

  async remove(id: string): Promise<void> {
    const row = this.#byId.get(id);
    if (row === undefined) return;
    this.#engine.discard(String(row));
    this.#byId.delete(id);
    this.#removed.add(row);
    this.#titles = this.#titles.filter((t) => t.row !== row);
  }

  /** The indexed document with this id. */
  document(id: string): SearchDocument | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : this.#docs[row];
  }

  get size(): number {
    return this.#docs.length - this.#removed.size;
  }

  async lexical(request: LexicalRequest): Promise<LexicalResult> {
    const facets = emptyFacets();
    const mainTerms = [...new Set(analyze(request.text))];
    if (mainTerms.length === 0) return this.#browse(request, facets);
    const expansionTerms = request.expansions
      .map((e) => [...new Set(analyze(e))])
      .filter((t) => t.length > 0);
    const options = { fuzzy: request.fuzzy ? autoFuzziness : false, boost: { ...FIELD_BOOSTS } };
    const query: Query = {
      combineWith: "OR",
      queries: [request.text, ...request.expansions].map((q) => ({ queries: [q], ...options })),
    };
    const needed = request.minimumShouldMatch ? requiredTerms(mainTerms.length) : 1;
    const passes = (result: SearchResult): boolean => {
      const matched = new Set(result.queryTerms);
      if (mainTerms.filter((t) => matched.has(t)).length >= needed) return true;
      return expansionTerms.some((terms) => terms.every((t) => matched.has(t)));
    };
    const results = this.#engine.search(query, {
      filter: (result) =>
        passes(result) && passesFilters(this.#docs[Number(result.id)] as SearchDocument, request.filters),
    });
    if (request.facets)
      for (const r of results) countFacets(facets, this.#docs[Number(r.id)] as SearchDocument);
    const hits: LexicalHit[] = results.slice(0, request.size).map((r) => {
      const doc = this.#docs[Number(r.id)] as SearchDocument;
      return { id: doc.id, score: r.score, highlight: highlightTitle(doc.title, new Set(r.terms)) };
    });
    return { hits, total: results.length, facets };
  }

  /** An empty query with filters: every passing document, most popular first. */
  #browse(request: LexicalRequest, facets: ReturnType<typeof emptyFacets>): LexicalResult {
    const passing = this.#docs.filter(
      (d, row) => !this.#removed.has(row) && passesFilters(d, request.filters),
    );
    if (request.facets) for (const d of passing) countFacets(facets, d);
    const hits = passing
      .map((d) => ({ id: d.id, score: d.popularity, highlight: null }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, request.size);
    return { hits, total: passing.length, facets };
  }

  async vector(vector: Float32Array, filters: ResolvedFilters, size: number): Promise<VectorHit[]> {
    const dim = this.#dim;
    if (vector.length !== dim) throw new Error(`query vector has ${vector.length} dims, the index ${dim}`);
    const filtered =
      filters.categoryIds.length > 0 ||
      filters.brandIds.length > 0 ||
      filters.priceMinMinor !== null ||
      filters.priceMaxMinor !== null ||
      filters.attributes.size > 0;
    const scores: { row: number; similarity: number }[] = [];
    const m = this.#vectors;
    let floor = -Infinity;
    for (let row = 0; row < this.#docs.length; row += 1) {
      if (this.#removed.has(row)) continue;
      let s = 0;
      const base = row * dim;
      for (let j = 0; j < dim; j += 1) s += (m[base + j] as number) * (vector[j] as number);
      if (s <= floor) continue;
      if (filtered && !passesFilters(this.#docs[row] as SearchDocument, filters)) continue;
      scores.push({ row, similarity: s });
      if (scores.length >= size * 4) {
        scores.sort((a, b) => b.similarity - a.similarity);
        scores.length = size;
        floor = (scores[size - 1] as { similarity: number }).similarity;
      }
    }
    scores.sort((a, b) => b.similarity - a.similarity || a.row - b.row);
    return scores
      .slice(0, size)
      .map((s) => ({ id: (this.#docs[s.row] as SearchDocument).id, similarity: s.similarity }));
  }

  async prefix(prefix: string, size: number): Promise<{ id: string; title: string }[]> {
    const key = normalizeText(prefix);
    if (key === "") return [];
    const out: { id: string; title: string }[] = [];
    // Titles starting with the prefix (binary search in the sorted keys), then titles with a word starting with it.
    let lo = 0;
    let hi = this.#titles.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#titles[mid] as { key: string }).key < key) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.#titles.length && out.length < size; i += 1) {
      const entry = this.#titles[i] as { key: string; row: number };
      if (!entry.key.startsWith(key)) break;
      const doc = this.#docs[entry.row] as SearchDocument;
      out.push({ id: doc.id, title: doc.title });
    }
    if (out.length < size) {
      const seen = new Set(out.map((o) => o.id));
      const results = this.#engine.search(key, {
        prefix: true,
        combineWith: "AND",
        boost: { title: 3 },
        fields: ["title"],
      });
      for (const r of results) {
        const doc = this.#docs[Number(r.id)] as SearchDocument;
        if (seen.has(doc.id)) continue;
        seen.add(doc.id);
        out.push({ id: doc.id, title: doc.title });
        if (out.length >= size) break;
      }
    }
    if (out.length < size) {
      const seen = new Set(out.map((o) => o.id));
      for (const row of this.#fuzzyPrefixRows(key.split(" "))) {
        const doc = this.#docs[row] as SearchDocument;
        if (seen.has(doc.id)) continue;
        out.push({ id: doc.id, title: doc.title });
        if (out.length >= size) break;
      }
    }
    return out;
  }

  /**
   * Rows whose title has, for every typed word, a word starting within `prefixFuzziness` edits of it (the first
   * letter exact), fewest total edits first, then most popular: OpenSearch's fuzzy match on edge n-grams of
   * the title (`title.prefix`, opensearch-backend.ts) does the same.
   */
  #fuzzyPrefixRows(typed: readonly string[]): number[] {
    const best = new Map<number, number>(); // row → total edits so far
    for (const [k, t] of typed.entries()) {
      const limit = prefixFuzziness(t.length);
      const distance = new Map<number, number>();
      for (const [word, rows] of this.#titleWords) {
        const d = prefixEditDistance(t, word, limit);
        if (d > limit) continue;
        for (const row of rows) {
          if (k > 0 && !best.has(row)) continue;
          if (d < (distance.get(row) ?? Infinity)) distance.set(row, d);
        }
      }
      if (k === 0) for (const [row, d] of distance) best.set(row, d);
      else {
        for (const row of [...best.keys()]) {
          const d = distance.get(row);
          if (d === undefined) best.delete(row);
          else best.set(row, (best.get(row) as number) + d);
        }
      }
      if (best.size === 0) return [];
    }
    const current = (row: number) => {
      if (this.#removed.has(row)) return false;
      const doc = this.#docs[row] as SearchDocument;
      return this.#byId.get(doc.id) === row;
    };
    return [...best]
      .filter(([row]) => current(row) && this.#stillMatches(row, typed))
      .sort(
        (a, b) =>
          a[1] - b[1] ||
          (this.#docs[b[0]] as SearchDocument).popularity - (this.#docs[a[0]] as SearchDocument).popularity ||
          a[0] - b[0],
      )
      .map(([row]) => row);
  }

  /** The row's current title still has a fuzzy-prefix word for each typed word (an upsert may have re-titled it). */
  #stillMatches(row: number, typed: readonly string[]): boolean {
    const title = words((this.#docs[row] as SearchDocument).title);
    return typed.every((t) => {
      const limit = prefixFuzziness(t.length);
      return title.some((w) => prefixEditDistance(t, w, limit) <= limit);
    });
  }

  async close(): Promise<void> {
    // Nothing held outside the heap.
  }
}

/** What MiniSearch indexes for one document, under its row number. */
function fieldsOf(doc: SearchDocument, row: number): IndexedFields {
  return {
    id: String(row),
    title: doc.title,
    categoryName: doc.categoryName,
    brandName: doc.brandName,
    attributesText: doc.attributes.map((a) => a.value).join(" "),
    description: doc.description,
  };
}
