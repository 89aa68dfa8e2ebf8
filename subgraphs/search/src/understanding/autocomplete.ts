import type { SearchBackend } from "../backends/backend.ts";
import type { SearchDocument } from "../retrieval/documents.ts";
import type { IntentCategory } from "./query-understanding.ts";
import {
  autoFuzziness,
  boundedLevenshtein,
  normalizeText,
  prefixEditDistance,
  prefixFuzziness,
} from "./text.ts";

export interface Suggestion {
  readonly kind: "QUERY" | "CATEGORY" | "PRODUCT";
  readonly text: string;
  readonly id: string | null;
}

interface Phrase {
  readonly key: string;
  /** The words of `key`. */
  readonly words: readonly string[];
  readonly text: string;
  readonly weight: number;
  readonly id: string | null;
}

/** Smallest number of products behind a generated query suggestion ("red sneakers"). */
const MIN_PRODUCTS = 5;

/**
 * How far typed words are from a run of a phrase's words: each typed word but the last against a whole word
 * (`autoFuzziness` edits), the last against the start of a word (`prefixFuzziness` of its length); the smallest
 * total over the runs, or null when none is within those limits. "hedph" is 1 from "headphones".
 */
export function fuzzyPhraseDistance(typed: readonly string[], phrase: readonly string[]): number | null {
  if (typed.length === 0 || typed.length > phrase.length) return null;
  let best: number | null = null;
  for (let start = 0; start + typed.length <= phrase.length; start += 1) {
    let total = 0;
    for (let k = 0; k < typed.length && total !== -1; k += 1) {
      const t = typed[k] as string;
      const w = phrase[start + k] as string;
      const last = k === typed.length - 1;
      const limit = last ? prefixFuzziness(t.length) : autoFuzziness(t);
      const d = last
        ? prefixEditDistance(t, w, limit)
        : t[0] === w[0]
          ? boundedLevenshtein(t, w, limit)
          : limit + 1;
      total = d > limit ? -1 : total + d;
    }
    if (total !== -1 && (best === null || total < best)) best = total;
  }
  return best;
}

/**
 * Autocomplete from the catalogue: query phrases (category names, colour + category, brand + category, weighted
 * by how many products they find), categories, and product titles from the engine. Everything but the product
 * titles is precomputed at start, so a suggestion costs a scan of a few thousand short strings.
 *
 * Typo-tolerant: phrases and categories whose words start with what was typed come first; when they are fewer
 * than wanted, those within a few edits follow (`fuzzyPhraseDistance`, fewest edits then most products), and
 * the engine's `prefix` does the same for product titles. So "hedph" suggests "headphones".
 */
export class Autocomplete {
  readonly #queries: Phrase[];
  readonly #categories: Phrase[];

  constructor(
    docs: readonly SearchDocument[],
    categories: readonly IntentCategory[],
    private readonly backend: SearchBackend,
  ) {
    const counts = new Map<string, { text: string; n: number }>();
    const bump = (text: string) => {
      const key = normalizeText(text);
      const entry = counts.get(key);
      if (entry === undefined) counts.set(key, { text: key, n: 1 });
      else entry.n += 1;
    };
    const perCategory = new Map<string, number>();
    for (const d of docs) {
      if (d.categoryName === "") continue;
      for (const id of d.categoryPath) perCategory.set(id, (perCategory.get(id) ?? 0) + 1);
      bump(d.categoryName);
      bump(`${d.brandName} ${d.categoryName}`);
      for (const a of d.attributes) if (a.name === "Color") bump(`${a.value} ${d.categoryName}`);
    }
    this.#queries = [...counts.values()]
      .filter((e) => e.n >= MIN_PRODUCTS)
      .map((e) => ({ key: e.text, words: e.text.split(" "), text: e.text, weight: e.n, id: null }))
      .sort((a, b) => b.weight - a.weight);
    this.#categories = categories
      .filter((c) => (perCategory.get(c.id) ?? 0) > 0)
      .map((c) => ({
        key: normalizeText(c.name),
        words: normalizeText(c.name).split(" "),
        text: c.name,
        weight: perCategory.get(c.id) ?? 0,
        id: c.id,
      }))
      .sort((a, b) => b.weight - a.weight);
  }

  async suggest(prefix: string, first: number): Promise<Suggestion[]> {
    const key = normalizeText(prefix);
    if (key === "") return [];
    const queries = pick(this.#queries, key, Math.ceil(first / 2));
    const categories = pick(this.#categories, key, 3);
    const out: Suggestion[] = [
      ...queries.map((q) => ({ kind: "QUERY" as const, text: q.text, id: null })),
      ...categories.map((c) => ({ kind: "CATEGORY" as const, text: c.text, id: c.id })),
    ].slice(0, first);
    if (out.length < first) {
      const products = await this.backend.prefix(key, first - out.length);
      out.push(...products.map((p) => ({ kind: "PRODUCT" as const, text: p.title, id: p.id })));
    }
    return out;
  }
}

/** The phrases (sorted by weight) starting with `key` or with a word starting with it; then, to fill `size`, the fuzzy ones. */
function pick(phrases: readonly Phrase[], key: string, size: number): Phrase[] {
  const exact = phrases.filter((p) => p.key.startsWith(key) || p.key.includes(` ${key}`)).slice(0, size);
  if (exact.length >= size) return exact;
  const typed = key.split(" ");
  const taken = new Set(exact);
  const fuzzy: { phrase: Phrase; distance: number }[] = [];
  for (const phrase of phrases) {
    if (taken.has(phrase)) continue;
    const distance = fuzzyPhraseDistance(typed, phrase.words);
    if (distance !== null) fuzzy.push({ phrase, distance });
  }
  // Stable sort: equal distances keep the phrases' weight order.
  fuzzy.sort((a, b) => a.distance - b.distance);
  return [...exact, ...fuzzy.slice(0, size - exact.length).map((f) => f.phrase)];
}
