import type { SearchBackend } from "./backend.ts";
import type { SearchDocument } from "./documents.ts";
import type { IntentCategory } from "./query-understanding.ts";
import { normalizeText } from "./text.ts";

export interface Suggestion {
  readonly kind: "QUERY" | "CATEGORY" | "PRODUCT";
  readonly text: string;
  readonly id: string | null;
}

interface Phrase {
  readonly key: string;
  readonly text: string;
  readonly weight: number;
  readonly id: string | null;
}

/** Smallest number of products behind a generated query suggestion ("red sneakers"). */
const MIN_PRODUCTS = 5;

/**
 * Autocomplete from the catalogue: query phrases (category names, colour + category, brand + category, weighted
 * by how many products they find), categories, and product titles from the engine. Everything but the product
 * titles is precomputed at start, so a suggestion costs a scan of a few thousand short strings.
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
      .map((e) => ({ key: e.text, text: e.text, weight: e.n, id: null }))
      .sort((a, b) => b.weight - a.weight);
    this.#categories = categories
      .filter((c) => (perCategory.get(c.id) ?? 0) > 0)
      .map((c) => ({
        key: normalizeText(c.name),
        text: c.name,
        weight: perCategory.get(c.id) ?? 0,
        id: c.id,
      }))
      .sort((a, b) => b.weight - a.weight);
  }

  async suggest(prefix: string, first: number): Promise<Suggestion[]> {
    const key = normalizeText(prefix);
    if (key === "") return [];
    const matches = (p: Phrase) => p.key.startsWith(key) || p.key.includes(` ${key}`);
    const queries = this.#queries.filter(matches).slice(0, Math.ceil(first / 2));
    const categories = this.#categories.filter(matches).slice(0, 3);
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
