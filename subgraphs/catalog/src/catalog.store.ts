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

/** Read-only, indexed view of a catalog snapshot. Built once at start; lookups are O(1). */
export class CatalogStore {
  readonly #products: ReadonlyMap<string, Product>;
  readonly #categories: ReadonlyMap<string, Category>;
  readonly #brands: ReadonlyMap<string, Brand>;
  readonly #children = new Map<string | null, Category[]>();
  readonly #listingByCategory = new Map<string, readonly Product[]>();
  readonly #directByCategory = new Map<string, Product[]>();

  constructor(snapshot: CatalogSnapshot) {
    this.#products = new Map(snapshot.products.map((p) => [p.id, p]));
    this.#categories = new Map(snapshot.categories.map((c) => [c.id, c]));
    this.#brands = new Map(snapshot.brands.map((b) => [b.id, b]));
    for (const category of snapshot.categories) {
      const siblings = this.#children.get(category.parentId) ?? [];
      siblings.push(category);
      this.#children.set(category.parentId, siblings);
    }
    for (const product of this.#products.values()) {
      const list = this.#directByCategory.get(product.categoryId) ?? [];
      list.push(product);
      this.#directByCategory.set(product.categoryId, list);
    }
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
      for (const child of this.children(categoryId)) collected.push(...this.listing(child.id));
      listing = collected.sort(listingOrder);
      this.#listingByCategory.set(categoryId, listing);
    }
    return listing;
  }
}
