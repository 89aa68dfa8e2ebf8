import type { World } from "@aisle/world";

/** What recommendation knows about an item: enough for features, reasons and filters. */
export interface ItemFacts {
  readonly id: string;
  readonly title: string;
  readonly categoryId: string;
  readonly departmentId: string;
  readonly brandId: string;
  readonly tier: "budget" | "mid" | "premium";
  readonly priceMinor: number;
}

/**
 * The recommendable catalogue: the demo world's products at start, plus products added later through
 * `upsert` (a new listing: it gets an item vector from its attributes alone, the cold-start path).
 */
export class CatalogFacts {
  readonly #items = new Map<string, ItemFacts>();
  /**
   * Ids the catalog subgraph resolves: the demo world at start, then as product-change events say (`admit`,
   * `remove`). The only ids `upsert` accepts.
   */
  readonly #catalogIds: Set<string>;
  readonly #categoryNames = new Map<string, string>();
  readonly #departmentOf = new Map<string, string>();
  readonly #leafMedian = new Map<string, number>();
  readonly #byLeaf = new Map<string, string[]>();

  constructor(world: World) {
    this.#catalogIds = new Set(world.products.map((p) => p.id));
    const brands = new Map(world.brands.map((b) => [b.id, b]));
    for (const c of world.categories) {
      this.#categoryNames.set(c.id, c.name);
      this.#departmentOf.set(c.id, c.parentId ?? c.id);
    }
    for (const p of world.products) {
      this.#put({
        id: p.id,
        title: p.title,
        categoryId: p.categoryId,
        departmentId: this.#departmentOf.get(p.categoryId) ?? p.categoryId,
        brandId: p.brandId,
        tier: brands.get(p.brandId)?.tier ?? "mid",
        priceMinor: p.listPrice.amountMinor,
      });
    }
    for (const [leaf, ids] of this.#byLeaf) {
      const prices = ids.map((id) => this.#items.get(id)?.priceMinor ?? 0).sort((a, b) => a - b);
      this.#leafMedian.set(leaf, prices[Math.floor(prices.length / 2)] as number);
    }
  }

  #put(item: ItemFacts): void {
    const existing = this.#items.get(item.id);
    if (existing === undefined || existing.categoryId !== item.categoryId) {
      if (existing !== undefined) {
        this.#byLeaf.set(
          existing.categoryId,
          (this.#byLeaf.get(existing.categoryId) ?? []).filter((id) => id !== item.id),
        );
      }
      const list = this.#byLeaf.get(item.categoryId) ?? [];
      list.push(item.id);
      this.#byLeaf.set(item.categoryId, list);
    }
    this.#items.set(item.id, item);
  }

  get size(): number {
    return this.#items.size;
  }

  item(id: string): ItemFacts | null {
    return this.#items.get(id) ?? null;
  }

  all(): IterableIterator<ItemFacts> {
    return this.#items.values();
  }

  /**
   * True for a product the catalog resolves. Recommending any other id would hand the gateway a `Product`
   * the catalog answers null for, which nulls the whole list it sits in.
   */
  inCatalog(id: string): boolean {
    return this.#catalogIds.has(id);
  }

  /** Marks a product as resolved by the catalog (a product-change event said it was created). */
  admit(id: string): void {
    this.#catalogIds.add(id);
  }

  /** Forgets an archived product: no longer accepted, no longer an item. */
  remove(id: string): void {
    this.#catalogIds.delete(id);
    const existing = this.#items.get(id);
    if (existing === undefined) return;
    this.#items.delete(id);
    this.#byLeaf.set(
      existing.categoryId,
      (this.#byLeaf.get(existing.categoryId) ?? []).filter((other) => other !== id),
    );
  }

  /** Adds or replaces an item; the department comes from the category tree. */
  upsert(item: Omit<ItemFacts, "departmentId">): ItemFacts {
    const full = { ...item, departmentId: this.#departmentOf.get(item.categoryId) ?? item.categoryId };
    this.#put(full);
    return full;
  }

  categoryName(id: string): string {
    return this.#categoryNames.get(id) ?? id;
  }

  knowsCategory(id: string): boolean {
    return this.#categoryNames.has(id);
  }

  leafMedianPrice(leafId: string, fallback: number): number {
    return this.#leafMedian.get(leafId) ?? fallback;
  }

  itemsIn(leafId: string): readonly string[] {
    return this.#byLeaf.get(leafId) ?? [];
  }
}
