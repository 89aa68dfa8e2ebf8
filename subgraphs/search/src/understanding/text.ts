import { stemmer } from "stemmer";

/**
 * Text handling shared by the lexical index, query understanding and the two-tower encoder. The hashing
 * half (`normalizeText`, `words`, `hashedTokenIds`) is mirrored byte for byte by models/search/features.py:
 * change both together and retrain.
 */

/** Lower case, accents folded to ASCII (é → e), every run of non-alphanumerics a single space. */
export function normalizeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  const folded = /^[\x00-\x7f]*$/.test(text) ? text : text.normalize("NFKD");
  return folded
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/** The words of a text after `normalizeText`. */
export function words(text: string): string[] {
  const normalized = normalizeText(text);
  return normalized === "" ? [] : normalized.split(" ");
}

/** A small English stop list: words that carry no product meaning in a query. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  "a an and are as at be by for from in is it of on or the to with without".split(" "),
);

/** The index-side analysis for BM25: words, stop words removed, Porter-stemmed (like OpenSearch's english analyser). */
export function analyze(text: string): string[] {
  return words(text)
    .filter((w) => !STOP_WORDS.has(w))
    .map(stem);
}

const stems = new Map<string, string>();

/** Stems one normalized word (the same stemmer `analyze` uses), memoised: catalogue vocabularies are small. */
export function stem(word: string): string {
  let stemmed = stems.get(word);
  if (stemmed === undefined) {
    stemmed = stemmer(word);
    if (stems.size < 500_000) stems.set(word, stemmed);
  }
  return stemmed;
}

/** FNV-1a 32-bit over the UTF-16 code units of an ASCII string (normalized text is ASCII). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The encoder's token ids of a text: per word, the word itself (`w:word`) and its character trigrams with
 * `#` boundaries (`#re`, `red`, `ed#`), each hashed into [1, buckets); 0 is padding. At most `maxLength` ids.
 */
export function hashedTokenIds(text: string, buckets: number, maxLength: number): number[] {
  const ids: number[] = [];
  for (const word of words(text)) {
    const tokens = [`w:${word}`];
    const padded = `#${word}#`;
    for (let i = 0; i + 3 <= padded.length; i += 1) tokens.push(padded.slice(i, i + 3));
    for (const token of tokens) {
      if (ids.length >= maxLength) return ids;
      ids.push(1 + (fnv1a(token) % (buckets - 1)));
    }
  }
  return ids;
}

/** OpenSearch's `fuzziness: AUTO` on a (stemmed) term: exact up to 2 characters, 1 edit up to 5, then 2. */
export function autoFuzziness(term: string): number {
  return term.length <= 2 ? 0 : term.length <= 5 ? 1 : 2;
}

/** Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`. */
export function boundedLevenshtein(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      // Transposition (Damerau): "recieve" → "receive" costs 1.
      const swapped =
        i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]
          ? (before[j - 2] as number) + 1
          : value;
      current.push(Math.min(value, swapped));
      rowMin = Math.min(rowMin, current[j] as number);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * Typos allowed in a typed prefix of this length: none up to 3 characters, 1 up to 7, then 2 (a short prefix
 * with an edit matches too much: "hed" is one edit from "bed", "red", "hex"…). Autocomplete on both backends.
 */
export function prefixFuzziness(length: number): number {
  return length <= 3 ? 0 : length <= 7 ? 1 : 2;
}

/**
 * Edit distance from `typed` to the closest prefix of `word` (Damerau: a swap costs 1), so "hedph" is 1 from
 * "headphones" (one letter missing) while "headph" is 0. The first letter must match (OpenSearch's
 * `prefix_length: 1`); returns `limit + 1` when the distance exceeds `limit`.
 */
export function prefixEditDistance(typed: string, word: string, limit: number): number {
  if (typed.length === 0) return 0;
  if (word.length === 0 || typed[0] !== word[0]) return limit + 1;
  // Rows over the typed letters, columns over the word's; the answer is the best cell of the last row.
  let before: number[] = [];
  let previous = Array.from({ length: word.length + 1 }, (_, j) => j);
  for (let i = 1; i <= typed.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= word.length; j += 1) {
      const cost = typed[i - 1] === word[j - 1] ? 0 : 1;
      let value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && typed[i - 1] === word[j - 2] && typed[i - 2] === word[j - 1])
        value = Math.min(value, (before[j - 2] as number) + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return Math.min(...previous);
}
