import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { ItemFacts } from "./catalog-facts.store.ts";

const vocabSchema = z.object({
  version: z.string(),
  items: z.array(z.string()),
  attributes: z.array(z.string()),
  maxLen: z.number().int().positive(),
  dim: z.number().int().positive(),
  typeIds: z.record(z.string(), z.number().int()),
  profileFeatures: z.array(z.string()),
  rankerFeatures: z.array(z.string()),
});
export type VocabFile = z.infer<typeof vocabSchema>;

/** Price band of the item tower: floor(log2(dollars)) clamped to 0..12 (features.py `price_band`). */
export function priceBand(priceMinor: number): number {
  return Math.min(12, Math.max(0, Math.floor(Math.log2(Math.max(priceMinor, 100) / 100))));
}

/** The id vocabularies the recommendation models were trained with (models/recommendation/vocab.json). */
export class Vocabulary {
  readonly #items: ReadonlyMap<string, number>;
  readonly #attributes: ReadonlyMap<string, number>;
  readonly #attributeIdsOf = new WeakMap<ItemFacts, readonly number[]>();

  constructor(readonly file: VocabFile) {
    this.#items = new Map(file.items.map((id, i) => [id, i + 1]));
    this.#attributes = new Map(file.attributes.map((a, i) => [a, i + 1]));
  }

  static async load(modelsDir: string): Promise<Vocabulary> {
    const path = join(modelsDir, "recommendation", "vocab.json");
    const parsed = vocabSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
    if (!parsed.success) throw new Error(`${path} is invalid: ${parsed.error.message}`);
    return new Vocabulary(parsed.data);
  }

  get maxLen(): number {
    return this.file.maxLen;
  }

  get dim(): number {
    return this.file.dim;
  }

  /** Row of an item in the id embedding; 0 for an item the model never saw (new items). */
  itemIndex(id: string): number {
    return this.#items.get(id) ?? 0;
  }

  /**
   * The 5 attribute ids of an item (category, department, brand, tier, price band); 0 when unknown. Kept per
   * facts object (facts are immutable; a changed product gets new ones): every feed asks for a few hundred
   * candidates', and building the five names each time was a visible share of the feed's CPU profile.
   */
  attributeIds(item: ItemFacts): readonly number[] {
    let ids = this.#attributeIdsOf.get(item);
    if (ids === undefined) {
      ids = [
        `cat:${item.categoryId}`,
        `dept:${item.departmentId}`,
        `brand:${item.brandId}`,
        `tier:${item.tier}`,
        `price:${priceBand(item.priceMinor)}`,
      ].map((name) => this.#attributes.get(name) ?? 0);
      this.#attributeIdsOf.set(item, ids);
    }
    return ids;
  }

  typeId(type: string): number {
    return this.file.typeIds[type] ?? 0;
  }
}
