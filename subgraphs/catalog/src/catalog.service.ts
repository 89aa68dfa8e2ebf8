import type { Brand, Category, Product } from "@aisle/world";
import { badUserInput, notFound, pageOf, type Connection, type PageArgs } from "@aisle/kit";
import type { CatalogStore } from "./catalog.store.ts";

/** Largest `products(ids)` request: a storefront page never needs more. */
export const MAX_IDS_PER_REQUEST = 100;

/** The catalog's read operations. Batch methods return one entry per id, in order, null for unknown ids. */
export class CatalogService {
  constructor(private readonly store: CatalogStore) {}

  productsByIds(ids: readonly string[]): (Product | null)[] {
    return ids.map((id) => this.store.product(id));
  }

  categoriesByIds(ids: readonly string[]): (Category | null)[] {
    return ids.map((id) => this.store.category(id));
  }

  brandsByIds(ids: readonly string[]): (Brand | null)[] {
    return ids.map((id) => this.store.brand(id));
  }

  checkIdList(ids: readonly string[]): void {
    if (ids.length > MAX_IDS_PER_REQUEST) {
      throw badUserInput(`At most ${MAX_IDS_PER_REQUEST} ids per request (got ${ids.length})`, "ids");
    }
  }

  productsByCategory(categoryId: string, page: PageArgs): Connection<Product> {
    if (this.store.category(categoryId) === null) throw notFound("Category", categoryId);
    return pageOf(this.store.listing(categoryId), `category:${categoryId}`, page);
  }

  rootCategories(): readonly Category[] {
    return this.store.children(null);
  }

  childCategories(category: Category): readonly Category[] {
    return this.store.children(category.id);
  }

  productCountIn(category: Category): number {
    return this.store.listing(category.id).length;
  }

  ancestry(category: Category): (Category | null)[] {
    return category.path.map((id) => this.store.category(id));
  }
}
