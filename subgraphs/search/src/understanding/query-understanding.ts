import type { SearchDocument } from "../retrieval/documents.ts";
import type { Synonyms } from "./synonyms.ts";
import { boundedLevenshtein, normalizeText, stem, STOP_WORDS, words } from "./text.ts";

/** A category the engine may detect as the query's intent. */
export interface IntentCategory {
  readonly id: string;
  readonly name: string;
}

export interface ExtractedFilters {
  readonly brandIds: string[];
  readonly priceMinMinor: number | null;
  readonly priceMaxMinor: number | null;
  /** Attribute name → values. */
  readonly attributes: Map<string, string[]>;
}

/** What the engine understood of a query. */
export interface Understanding {
  /** The query after removing price phrases and correcting spelling; what the engines search. */
  readonly text: string;
  /** The corrected query when spelling correction changed a word ("did you mean"), else null. */
  readonly correctedQuery: string | null;
  /** Synonym phrasings searched as well. */
  readonly expansions: readonly string[];
  /** Synonym terms brought in. */
  readonly expandedSynonyms: readonly string[];
  readonly extracted: ExtractedFilters;
  /** Category named in the query (lexical intent); semantic intent is decided later from the query vector. */
  readonly lexicalIntent: IntentCategory | null;
}

const PRICE_PATTERNS: readonly { re: RegExp; kind: "max" | "min" | "range" }[] = [
  {
    re: /\b(?:between|from)\s+\$?(\d+(?:\.\d+)?)\s+(?:and|to)\s+\$?(\d+(?:\.\d+)?)\s*(?:dollars?|usd|\$)?/,
    kind: "range",
  },
  { re: /\$\s?(\d+(?:\.\d+)?)\s*(?:-|to)\s*\$?(\d+(?:\.\d+)?)/, kind: "range" },
  {
    re: /\b(?:under|below|less than|cheaper than|max|up to)\s+\$?(\d+(?:\.\d+)?)\s*(?:dollars?|usd|\$)?/,
    kind: "max",
  },
  { re: /\b(?:over|above|more than|at least|min)\s+\$?(\d+(?:\.\d+)?)\s*(?:dollars?|usd|\$)?/, kind: "min" },
];

/** Attribute names whose values are obvious filters when named in a query ("red", "leather"). */
const EXTRACTABLE_ATTRIBUTES = new Set(["Color", "Material", "Frame Color", "Finish"]);

/**
 * Query understanding over a catalogue's own vocabulary: spelling correction (edit distance to the words of
 * titles, categories, brands and attribute values, the most frequent candidate winning), synonyms from the
 * configured file, price/brand/attribute extraction and lexical category intent.
 */
export class QueryUnderstanding {
  readonly #frequency = new Map<string, number>();
  readonly #stems = new Set<string>();
  readonly #byLength = new Map<number, string[]>();
  readonly #brands: { words: string; id: string }[] = [];
  readonly #attributes: {
    words: string;
    name: string;
    value: string;
    count: number;
    categories: Set<string>;
  }[] = [];
  readonly #categories: { stems: string[]; category: IntentCategory }[] = [];

  constructor(
    docs: readonly SearchDocument[],
    categories: readonly IntentCategory[],
    private readonly synonyms: Synonyms,
  ) {
    const brands = new Map<string, string>();
    const attributes = new Map<
      string,
      { name: string; value: string; count: number; categories: Set<string> }
    >();
    const add = (text: string) => {
      for (const w of words(text)) this.#frequency.set(w, (this.#frequency.get(w) ?? 0) + 1);
    };
    for (const doc of docs) {
      add(doc.title);
      add(doc.brandName);
      add(doc.categoryName);
      for (const a of doc.attributes) add(a.value);
      if (doc.brandName !== "") brands.set(normalizeText(doc.brandName), doc.brandId);
      for (const a of doc.attributes) {
        if (!EXTRACTABLE_ATTRIBUTES.has(a.name)) continue;
        const key = `${a.name}\u0000${normalizeText(a.value)}`;
        const entry = attributes.get(key) ?? {
          name: a.name,
          value: a.value,
          count: 0,
          categories: new Set<string>(),
        };
        entry.count += 1;
        entry.categories.add(doc.categoryId);
        attributes.set(key, entry);
      }
    }
    for (const c of categories) add(c.name);
    for (const rule of synonyms.rules) for (const t of [...rule.from, ...rule.to]) add(t);
    for (const w of this.#frequency.keys()) {
      this.#stems.add(stem(w));
      const list = this.#byLength.get(w.length);
      if (list === undefined) this.#byLength.set(w.length, [w]);
      else list.push(w);
    }
    for (const [words_, id] of brands) this.#brands.push({ words: words_, id });
    for (const a of attributes.values()) this.#attributes.push({ ...a, words: normalizeText(a.value) });
    // Longest names first, so "Running Shoes" wins over "Shoes"; then the most common attribute for a value.
    this.#brands.sort((a, b) => b.words.length - a.words.length);
    this.#attributes.sort((a, b) => b.words.length - a.words.length || b.count - a.count);
    for (const c of categories) {
      const stems = words(c.name)
        .filter((w) => !STOP_WORDS.has(w))
        .map(stem);
      if (stems.length > 0) this.#categories.push({ stems, category: c });
    }
    this.#categories.sort((a, b) => b.stems.length - a.stems.length);
  }

  /** Number of distinct words in the vocabulary. */
  get vocabularySize(): number {
    return this.#frequency.size;
  }

  understand(query: string): Understanding {
    let text = normalizeText(query.replace(/(\d),(\d{3})/g, "$1$2"));
    // Prices first (the pattern needs the raw words), then spelling.
    let priceMinMinor: number | null = null;
    let priceMaxMinor: number | null = null;
    const spaced = ` ${query.toLowerCase()} `;
    for (const { re, kind } of PRICE_PATTERNS) {
      const match = re.exec(spaced);
      if (match === null) continue;
      const a = Math.round(Number(match[1]) * 100);
      const b = Math.round(Number(match[2]) * 100);
      if (kind === "range") {
        priceMinMinor = Math.min(a, b);
        priceMaxMinor = Math.max(a, b);
      } else if (kind === "max") priceMaxMinor = a;
      else priceMinMinor = a;
      text = normalizeText(spaced.replace(re, " "));
      break;
    }
    const corrected = words(text).map((w) => this.correct(w));
    const correctedText = corrected.join(" ");
    const changed = correctedText !== text;
    text = correctedText;
    const padded = ` ${text} `;
    const brandIds: string[] = [];
    for (const b of this.#brands) {
      if (padded.includes(` ${b.words} `) && !brandIds.includes(b.id)) brandIds.push(b.id);
    }
    const queryStems = new Set(words(text).map(stem));
    const intent = this.#categories.find((c) => c.stems.every((s) => queryStems.has(s)))?.category ?? null;
    // One attribute per value phrase ("black" is a Color, not also a Finish): the one the intent category has,
    // else the most common; values of no attribute in the intent category are not extracted at all.
    const attributes = new Map<string, string[]>();
    const taken = new Set<string>();
    for (const a of this.#attributes) {
      if (taken.has(a.words) || !padded.includes(` ${a.words} `)) continue;
      if (intent !== null && !a.categories.has(intent.id)) continue;
      taken.add(a.words);
      const values = attributes.get(a.name) ?? [];
      if (!values.includes(a.value)) values.push(a.value);
      attributes.set(a.name, values);
    }
    const { expansions, added } = this.synonyms.expand(text);
    return {
      text,
      correctedQuery: changed && text !== "" ? text : null,
      expansions,
      expandedSynonyms: added,
      extracted: { brandIds, priceMinMinor, priceMaxMinor, attributes },
      lexicalIntent: intent,
    };
  }

  /** The word itself when known (or a number, or short), else the most frequent vocabulary word within AUTO edit distance. */
  correct(word: string): string {
    if (word.length < 4 || /\d/.test(word) || this.#frequency.has(word) || this.#stems.has(stem(word)))
      return word;
    const limit = word.length <= 5 ? 1 : 2;
    let best = word;
    let bestDistance = limit + 1;
    let bestFrequency = 0;
    for (let length = word.length - limit; length <= word.length + limit; length += 1) {
      for (const candidate of this.#byLength.get(length) ?? []) {
        const d = boundedLevenshtein(word, candidate, Math.min(limit, bestDistance));
        const f = this.#frequency.get(candidate) ?? 0;
        if (d < bestDistance || (d === bestDistance && d <= limit && f > bestFrequency)) {
          best = candidate;
          bestDistance = d;
          bestFrequency = f;
        }
      }
    }
    return bestDistance <= limit ? best : word;
  }
}
