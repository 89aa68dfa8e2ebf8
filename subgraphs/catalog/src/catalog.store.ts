import type { Brand, Category, Product } from "@aisle/world";

export interface CatalogSnapshot {
  readonly categories: readonly Category[];
  readonly brands: readonly Brand[];
  readonly products: readonly Product[];
}

/** Newest first, then by id, so pages are stable. */
function listingOrder(a: Product, b: Product): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Indexed, in-process view of the catalog: the read cache in front of the database. Built from the database at
 * start; every write (this process's, or another replica's through a product-change event) is applied with
 * `put`/`remove`, newest version wins. Lookups are O(1); category listings are recomputed after a change.
 */
export class CatalogStore {
  readonly #products: Map<string, Product>;
  readonly #versions = new Map<string, number>();
  readonly #categories: ReadonlyMap<string, Category>;
  readonly #brands: Map<string, Brand>;
  readonly #children = new Map<string | null, Category[]>();
  readonly #listingByCategory = new Map<string, readonly Product[]>();
  readonly #directByCategory = new Map<string, Product[]>();

  constructor(snapshot: CatalogSnapshot, versions?: ReadonlyMap<string, number>) {
    this.#products = new Map(snapshot.products.map((p) => [p.id, p]));
    for (const [id, version] of versions ?? []) this.#versions.set(id, version);
    this.#categories = new Map(snapshot.categories.map((c) => [c.id, c]));
    this.#brands = new Map(snapshot.brands.map((b) => [b.id, b]));
    for (const category of snapshot.categories) {
      const siblings = this.#children.get(category.parentId) ?? [];
      siblings.push(category);
      this.#children.set(category.parentId, siblings);
    }
    for (const product of this.#products.values()) this.#file(product);
  }

  #file(product: Product): void {
    const list = this.#directByCategory.get(product.categoryId) ?? [];
    list.push(product);
    this.#directByCategory.set(product.categoryId, list);
  }

  #unfile(product: Product): void {
    const list = this.#directByCategory.get(product.categoryId);
    if (list !== undefined)
      this.#directByCategory.set(
        product.categoryId,
        list.filter((p) => p.id !== product.id),
      );
  }

  /** The stored version of a product (1 for one never changed), or null when not served. */
  version(id: string): number | null {
    return this.#products.has(id) ? (this.#versions.get(id) ?? 1) : null;
  }

  /**
   * Serves `product` at `version` (and its brand, when given), unless a newer version is already applied or
   * was removed. Returns whether anything changed.
   */
  put(product: Product, version: number, brand?: Brand): boolean {
    if (version <= (this.#versions.get(product.id) ?? 0)) return false;
    if (brand !== undefined) this.#brands.set(brand.id, brand);
    const old = this.#products.get(product.id);
    if (old !== undefined) this.#unfile(old);
    this.#products.set(product.id, product);
    this.#versions.set(product.id, version);
    this.#file(product);
    this.#listingByCategory.clear();
    return true;
  }

  /** Stops serving a product archived at `version`. Returns whether anything changed. */
  remove(id: string, version: number): boolean {
    if (version <= (this.#versions.get(id) ?? 0)) return false;
    this.#versions.set(id, version);
    const old = this.#products.get(id);
    if (old === undefined) return false;
    this.#unfile(old);
    this.#products.delete(id);
    this.#listingByCategory.clear();
    return true;
  }

  get productCount(): number {
    return this.#products.size;
  }

  product(id: string): Product | null {
    return this.#products.get(id) ?? null;
  }

  category(id: string): Category | null {
    return this.#categories.get(id) ?? null;
  }

  /** Every brand, for validating writes. */
  get brands(): readonly Brand[] {
    return [...this.#brands.values()];
  }

  /** Every category, for validating writes. */
  get categories(): readonly Category[] {
    return [...this.#categories.values()];
  }

  brand(id: string): Brand | null {
    return this.#brands.get(id) ?? null;
  }

  children(parentId: string | null): readonly Category[] {
    return this.#children.get(parentId) ?? [];
  }

  /** Products of a category and all its descendants, in listing order. Computed once per category. */
  listing(categoryId: string): readonly Product[] {
    let listing = this.#listingByCategory.get(categoryId);
    if (listing === undefined) {
      const collected: Product[] = [...(this.#directByCategory.get(categoryId) ?? [])];
      // A loop, not push(...list): spreading a child's listing passes every product as an argument, which
      // overflows the stack past about 10^5 products (a department of a 1M catalogue).
      for (const child of this.children(categoryId))
        for (const p of this.listing(child.id)) collected.push(p);
      listing = collected.sort(listingOrder);
      this.#listingByCategory.set(categoryId, listing);
    }
    return listing;
  }
}
