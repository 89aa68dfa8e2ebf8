import type { ProductSnapshot } from "@aisle/kit";
import type { World } from "@aisle/world";

/** One product as the search index sees it (denormalised from the catalog at index time). */
export interface SearchDocument {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Leaf category id; empty for corpora without categories (evaluation datasets). */
  readonly categoryId: string;
  readonly categoryName: string;
  /** Ids from the root category down to the leaf. */
  readonly categoryPath: readonly string[];
  readonly brandId: string;
  readonly brandName: string;
  readonly attributes: readonly { readonly name: string; readonly value: string }[];
  /** List price in minor units (cents); 0 when unknown. */
  readonly priceMinor: number;
  /** 0..1, higher is more popular (the demo world's category demand); 0 when unknown. */
  readonly popularity: number;
  /** ISO-8601 listing time; "" when unknown. */
  readonly createdAt: string;
}

/** The text the two-tower's item side embeds: title plus the category name. */
export function itemText(doc: SearchDocument): string {
  return doc.categoryName === "" ? doc.title : `${doc.title} ${doc.categoryName}`;
}

/**
 * Denormalises the demo world's products. Popularity is the product's category share of the catalogue.
 * Descriptions are left out of the index: the demo world writes them from the title, brand and attribute
 * values, which are indexed already, and they would triple the start-up indexing time for no new words.
 */
export function documentsFromWorld(world: World): SearchDocument[] {
  const categories = new Map(world.categories.map((c) => [c.id, c]));
  const brands = new Map(world.brands.map((b) => [b.id, b]));
  const perCategory = new Map<string, number>();
  for (const p of world.products) perCategory.set(p.categoryId, (perCategory.get(p.categoryId) ?? 0) + 1);
  const most = Math.max(1, ...perCategory.values());
  return world.products.map((p) => {
    const category = categories.get(p.categoryId);
    return {
      id: p.id,
      title: p.title,
      description: "",
      categoryId: p.categoryId,
      categoryName: category?.name ?? "",
      categoryPath: category?.path ?? [],
      brandId: p.brandId,
      brandName: brands.get(p.brandId)?.name ?? "",
      attributes: p.attributes,
      priceMinor: p.listPrice.amountMinor,
      popularity: (perCategory.get(p.categoryId) ?? 0) / most,
      createdAt: p.createdAt,
    };
  });
}

/**
 * The document of a product from a product-change event. Its popularity is its category's share as indexed
 * at start (0 for a category that had no products then).
 */
export function documentFromSnapshot(
  p: ProductSnapshot,
  categoryName: string,
  popularity: number,
): SearchDocument {
  return {
    id: p.id,
    title: p.title,
    description: "",
    categoryId: p.categoryId,
    categoryName,
    categoryPath: p.categoryPath,
    brandId: p.brand.id,
    brandName: p.brand.name,
    attributes: p.attributes,
    priceMinor: p.listPriceMinor,
    popularity,
    createdAt: p.createdAt,
  };
}
