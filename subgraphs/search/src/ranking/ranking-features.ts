import { SCORED_FIELDS, type ScoredField } from "../backends/backend.ts";
import { FIELD_BOOSTS } from "../backends/embedded-backend.ts";
import type { SearchDocument } from "../retrieval/documents.ts";
import type { ExtractedFilters } from "../understanding/query-understanding.ts";
import type { Candidate } from "./reranker.ts";
import {
  analyze,
  autoFuzziness,
  boundedLevenshtein,
  normalizeText,
  STOP_WORDS,
  stem,
  words,
} from "../understanding/text.ts";

/**
 * Features of the learned ranker (models/search-ranker), one row per (query, candidate), in model order. The
 * serving code and the training export (models/search/ltr.ts) both call {@link ltrFeatureRows}, so what the
 * model was trained on is what it is served, by construction. Append new features at the end and retrain: the
 * manifest lists the names and {@link LtrRanker} refuses a model whose list differs.
 */
export const LTR_FEATURES = [
  "fieldBm25",
  "fieldBm25Log",
  "lexicalReciprocalRank",
  "semanticReciprocalRank",
  "similarity",
  "titleBm25",
  "descriptionBm25",
  "brandBm25",
  "categoryBm25",
  "attributesBm25",
  "titleCoverage",
  "descriptionCoverage",
  "metaCoverage",
  "anyCoverage",
  "titlePhrase",
  "descriptionPhrase",
  "titleBigrams",
  "titleSpan",
  "titleFirstMatch",
  "headTermInTitle",
  "fuzzyTitleCoverage",
  "typoDistance",
  "numberMatch",
  "numberMismatch",
  "queryLength",
  "titleLength",
  "descriptionLength",
  "categoryIntent",
  "filterMatch",
  "logPrice",
  "popularity",
  "titleTrigramDice",
  "compactPhrase",
] as const;
export type LtrFeature = (typeof LTR_FEATURES)[number];

type Field = ScoredField;
const FIELDS = SCORED_FIELDS;

/** A document's fields as the ranker reads them: stems per field, and the title's raw words. */
interface AnalyzedDoc {
  readonly stems: Record<Field, readonly string[]>;
  readonly stemSets: Record<Field, ReadonlySet<string>>;
  readonly titleWords: readonly string[];
  readonly titleText: string;
  readonly descriptionText: string;
  /** Character trigrams of the title's words (with # boundaries). */
  readonly titleTrigrams: ReadonlySet<string>;
  /** The normalised title without spaces ("16 gb" and "16gb" alike). */
  readonly titleCompact: string;
}

/** Character trigrams of a text's words with `#` boundaries (`#re`, `red`, `ed#`). */
function trigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of words(text)) {
    const padded = `#${w}#`;
    for (let i = 0; i + 3 <= padded.length; i += 1) out.add(padded.slice(i, i + 3));
  }
  return out;
}

function analyzeDoc(doc: SearchDocument, stems: Record<Field, readonly string[]>): AnalyzedDoc {
  return {
    stems,
    stemSets: Object.fromEntries(FIELDS.map((f) => [f, new Set(stems[f])])) as Record<Field, Set<string>>,
    titleWords: words(doc.title),
    titleText: ` ${normalizeText(doc.title)} `,
    descriptionText: ` ${normalizeText(doc.description)} `,
    titleTrigrams: trigrams(doc.title),
    titleCompact: normalizeText(doc.title).replaceAll(" ", ""),
  };
}

/**
 * Weight of each scored field's BM25 in the `fieldBm25` features: the served lexical query's field boosts
 * (title^3, category^2, brand^2, attributes, description^0.5). The sum stands in for the engine's own score,
 * which is not comparable between engines (MiniSearch's BM25+ runs 1.4-4.5x Lucene's on the same documents),
 * while the per-field BM25 are the same on both.
 */
export const FIELD_BM25_WEIGHTS: Readonly<Record<Field, number>> = {
  title: FIELD_BOOSTS.title,
  description: FIELD_BOOSTS.description,
  brand: FIELD_BOOSTS.brandName,
  category: FIELD_BOOSTS.categoryName,
  attributes: FIELD_BOOSTS.attributesText,
};

const BM25_K1 = 1.2;
const BM25_B = 0.75;

function fieldText(doc: SearchDocument, field: Field): string {
  switch (field) {
    case "title":
      return doc.title;
    case "description":
      return doc.description;
    case "brand":
      return doc.brandName;
    case "category":
      return doc.categoryName;
    case "attributes":
      return doc.attributes.map((a) => a.value).join(" ");
  }
}

/**
 * Corpus statistics for per-field BM25 (document frequency of each stem per field, mean field length), built
 * once from the indexed documents: the embedded engine's per-field scores. OpenSearch supplies its own from
 * its index (`SearchBackend.fieldScores`), which follow product changes; these serve when a candidate has none.
 */
export class FieldStats {
  readonly #docs = new Map<string, AnalyzedDoc>();
  readonly #df: Record<Field, Map<string, number>>;
  readonly #avgLength: Record<Field, number>;
  readonly size: number;

  constructor(docs: readonly SearchDocument[]) {
    this.#df = {
      title: new Map(),
      description: new Map(),
      brand: new Map(),
      category: new Map(),
      attributes: new Map(),
    };
    const totals: Record<Field, number> = { title: 0, description: 0, brand: 0, category: 0, attributes: 0 };
    for (const doc of docs) {
      const stems = Object.fromEntries(FIELDS.map((f) => [f, analyze(fieldText(doc, f))])) as Record<
        Field,
        string[]
      >;
      const analyzed = analyzeDoc(doc, stems);
      for (const field of FIELDS) {
        totals[field] += stems[field].length;
        const df = this.#df[field];
        for (const s of analyzed.stemSets[field]) df.set(s, (df.get(s) ?? 0) + 1);
      }
      this.#docs.set(doc.id, analyzed);
    }
    this.size = docs.length;
    this.#avgLength = Object.fromEntries(
      FIELDS.map((f) => [f, totals[f] / Math.max(1, docs.length)]),
    ) as Record<Field, number>;
  }

  analyzed(doc: SearchDocument): AnalyzedDoc {
    // A document indexed after the statistics were built is analysed on the fly (not cached).
    return (
      this.#docs.get(doc.id) ??
      analyzeDoc(
        doc,
        Object.fromEntries(FIELDS.map((f) => [f, analyze(fieldText(doc, f))])) as Record<Field, string[]>,
      )
    );
  }

  /** Okapi BM25 (k1 1.2, b 0.75) of the query stems in one field of a document. */
  bm25(queryStems: readonly string[], doc: AnalyzedDoc, field: Field): number {
    const fieldStems = doc.stems[field];
    if (fieldStems.length === 0) return 0;
    const avg = this.#avgLength[field] || 1;
    let score = 0;
    for (const q of queryStems) {
      let tf = 0;
      for (const s of fieldStems) if (s === q) tf += 1;
      if (tf === 0) continue;
      const df = this.#df[field].get(q) ?? 0;
      const idf = Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
      score +=
        (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * fieldStems.length) / avg));
    }
    return score;
  }
}

/** What the ranker knows of the query (the same for every candidate of a search). */
export interface LtrQuery {
  /** The searched (corrected) query text. */
  readonly text: string;
  /** Category intent from the query alone (name or embedding), null when none. */
  readonly intentCategoryId: string | null;
  /** Filters extracted from the query text (brand, attribute values); none for the evaluation datasets. */
  readonly extracted: ExtractedFilters | null;
}

const isNumber = (w: string) => /^\d+(?:\.\d+)?$/.test(w) || /^\d+[a-z]+$/.test(w);
const numberPart = (w: string) => /^\d+(?:\.\d+)?/.exec(w)?.[0] ?? w;

/**
 * Feature rows of one search's candidates, row-major in a Float32Array (candidates × LTR_FEATURES), the
 * layout the ONNX model takes. Scores are normalised within the query where they only compare inside it.
 */
export function ltrFeatureRows(
  candidates: readonly Candidate[],
  query: LtrQuery,
  stats: FieldStats,
): Float32Array {
  const width = LTR_FEATURES.length;
  const out = new Float32Array(candidates.length * width);
  const queryWords = words(query.text).filter((w) => !STOP_WORDS.has(w));
  const queryStems = [...new Set(queryWords.map(stem))];
  const phrase = normalizeText(query.text);
  const bigrams: [string, string][] = [];
  for (let i = 0; i + 1 < queryWords.length; i += 1)
    bigrams.push([stem(queryWords[i] as string), stem(queryWords[i + 1] as string)]);
  const head = queryWords.length === 0 ? null : stem(queryWords[queryWords.length - 1] as string);
  const queryNumbers = [...new Set(words(query.text).filter(isNumber).map(numberPart))];
  const filterChecks = extractedChecks(query.extracted);
  const queryTrigrams = trigrams(query.text);
  const queryCompact = phrase.replaceAll(" ", "");

  // Per-field BM25 of every candidate first: the weighted sum's share is taken of the query's best.
  const analyzedDocs = candidates.map((c) => stats.analyzed(c.doc));
  const perField = candidates.map(
    (c, i) =>
      Object.fromEntries(
        FIELDS.map((f) => [
          f,
          c.fieldScores?.[f] ?? stats.bm25(queryStems, analyzedDocs[i] as AnalyzedDoc, f),
        ]),
      ) as Record<Field, number>,
  );
  const weighted = perField.map((scores) =>
    FIELDS.reduce((s, f) => s + FIELD_BM25_WEIGHTS[f] * scores[f], 0),
  );
  const maxWeighted = Math.max(1e-9, ...weighted);

  candidates.forEach((c, row) => {
    const a = analyzedDocs[row] as AnalyzedDoc;
    const scores = perField[row] as Record<Field, number>;
    const fieldBm25 = (field: Field) => scores[field];
    const sum = weighted[row] as number;
    const title = a.stems.title;
    const coverage = (set: ReadonlySet<string>) =>
      queryStems.length === 0 ? 0 : queryStems.filter((s) => set.has(s)).length / queryStems.length;
    const metaSet = new Set([...a.stems.brand, ...a.stems.category, ...a.stems.attributes]);
    const anySet = new Set([...a.stemSets.title, ...a.stemSets.description, ...metaSet]);
    // Proximity: the smallest window of the title holding every query stem it holds.
    const positions = queryStems
      .map((s) => title.reduce<number[]>((p, t, i) => (t === s ? [...p, i] : p), []))
      .filter((p) => p.length > 0);
    let span = 0;
    if (positions.length === 1) span = 1;
    else if (positions.length > 1) {
      let best = Infinity;
      for (const start of positions[0] as number[]) {
        let lo = start;
        let hi = start;
        for (const p of positions.slice(1)) {
          const nearest = p.reduce((b, x) => (Math.abs(x - start) < Math.abs(b - start) ? x : b));
          lo = Math.min(lo, nearest);
          hi = Math.max(hi, nearest);
        }
        best = Math.min(best, hi - lo + 1);
      }
      span = positions.length / best;
    }
    const firstMatch = title.findIndex((t) => queryStems.includes(t));
    let fuzzyCovered = 0;
    let distance = 0;
    for (const w of queryWords) {
      let d = 3;
      for (const t of a.titleWords) {
        d = Math.min(d, boundedLevenshtein(w, t, 2));
        if (d === 0) break;
      }
      distance += d;
      if (d <= autoFuzziness(w)) fuzzyCovered += 1;
    }
    const titleNumbers = a.titleWords.filter(isNumber).map(numberPart);
    const numbersFound = queryNumbers.filter((n) => titleNumbers.includes(n)).length;
    const values: Record<LtrFeature, number> = {
      fieldBm25: sum / maxWeighted,
      fieldBm25Log: Math.log1p(sum),
      lexicalReciprocalRank: c.lexicalRank === null ? 0 : 1 / (1 + c.lexicalRank),
      semanticReciprocalRank: c.semanticRank === null ? 0 : 1 / (1 + c.semanticRank),
      similarity: c.similarity,
      titleBm25: fieldBm25("title"),
      descriptionBm25: fieldBm25("description"),
      brandBm25: fieldBm25("brand"),
      categoryBm25: fieldBm25("category"),
      attributesBm25: fieldBm25("attributes"),
      titleCoverage: coverage(a.stemSets.title),
      descriptionCoverage: coverage(a.stemSets.description),
      metaCoverage: coverage(metaSet),
      anyCoverage: coverage(anySet),
      titlePhrase: phrase !== "" && a.titleText.includes(` ${phrase} `) ? 1 : 0,
      descriptionPhrase: phrase !== "" && a.descriptionText.includes(` ${phrase} `) ? 1 : 0,
      titleBigrams:
        bigrams.length === 0
          ? 0
          : bigrams.filter(([x, y]) => title.some((t, i) => t === x && title[i + 1] === y)).length /
            bigrams.length,
      titleSpan: span,
      titleFirstMatch: firstMatch < 0 ? 0 : 1 / (1 + firstMatch),
      headTermInTitle: head !== null && a.stemSets.title.has(head) ? 1 : 0,
      fuzzyTitleCoverage: queryWords.length === 0 ? 0 : fuzzyCovered / queryWords.length,
      typoDistance: queryWords.length === 0 ? 0 : distance / queryWords.length,
      numberMatch: queryNumbers.length === 0 ? 0 : numbersFound / queryNumbers.length,
      numberMismatch: queryNumbers.length > 0 && titleNumbers.length > 0 && numbersFound === 0 ? 1 : 0,
      queryLength: queryStems.length,
      titleLength: Math.log1p(a.titleWords.length),
      descriptionLength: Math.log1p(a.stems.description.length),
      categoryIntent:
        query.intentCategoryId !== null && c.doc.categoryPath.includes(query.intentCategoryId) ? 1 : 0,
      filterMatch:
        filterChecks.length === 0
          ? 0
          : filterChecks.filter((check) => check(c.doc)).length / filterChecks.length,
      logPrice: c.doc.priceMinor > 0 ? Math.log1p(c.doc.priceMinor / 100) : 0,
      popularity: c.doc.popularity,
      titleTrigramDice:
        queryTrigrams.size === 0
          ? 0
          : (2 * [...queryTrigrams].filter((t) => a.titleTrigrams.has(t)).length) /
            (queryTrigrams.size + a.titleTrigrams.size),
      compactPhrase: queryCompact !== "" && a.titleCompact.includes(queryCompact) ? 1 : 0,
    };
    const base = row * width;
    LTR_FEATURES.forEach((f, j) => (out[base + j] = values[f]));
  });
  return out;
}

/** One check per extracted filter (brand, each attribute): does the document satisfy it. */
function extractedChecks(extracted: ExtractedFilters | null): ((doc: SearchDocument) => boolean)[] {
  if (extracted === null) return [];
  const checks: ((doc: SearchDocument) => boolean)[] = [];
  if (extracted.brandIds.length > 0) checks.push((doc) => extracted.brandIds.includes(doc.brandId));
  for (const [name, values] of extracted.attributes)
    checks.push((doc) => doc.attributes.some((a) => a.name === name && values.includes(a.value)));
  return checks;
}
