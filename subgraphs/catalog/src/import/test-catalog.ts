import type { Brand, Category, Product } from "@aisle/world";
import type { CatalogBase } from "./types.ts";

/** A tiny base catalog for unit tests: one department with two leaves, one brand, one product. */
export function tinyCatalog(): CatalogBase {
  const categories: Category[] = [
    { id: "c-home", name: "Home", slug: "home", parentId: null, path: ["c-home"] },
    { id: "c-lamps", name: "Lamps", slug: "lamps", parentId: "c-home", path: ["c-home", "c-lamps"] },
    { id: "c-rugs", name: "Rugs", slug: "rugs", parentId: "c-home", path: ["c-home", "c-rugs"] },
  ];
  const brands: Brand[] = [{ id: "b-lumen", name: "Lumen", tier: "premium", categoryIds: ["c-lamps"] }];
  const products: Product[] = [
    {
      id: "p-1",
      sku: "AIS-LAMP-000001",
      title: "Lumen Classic Table Lamp, Brass",
      description: "A lamp.",
      categoryId: "c-lamps",
      brandId: "b-lumen",
      attributes: [{ name: "Finish", value: "Brass" }],
      imageUrls: [],
      listPrice: { amountMinor: 4999, currency: "USD" },
      createdAt: "2024-05-01T00:00:00.000Z",
    },
  ];
  return { categories, brands, products };
}

export const TEST_NOW = new Date("2026-06-01T12:00:00Z");

/** A row that passes validation against tinyCatalog(); override fields to break it. */
export function goodRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "ext-1",
    sku: "EXT-1",
    title: "Lumen Arc Floor Lamp, Black",
    categoryId: "c-lamps",
    brand: "b-lumen",
    listPrice: "129.99",
    currency: "USD",
    ...overrides,
  };
}
