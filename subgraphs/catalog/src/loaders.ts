import { defineLoader, type LoaderSpec } from "@aisle/kit";
import type { Brand, Category, Product } from "@aisle/world";
import type { CatalogService } from "./catalog.service.ts";

export interface CatalogLoaders {
  readonly productById: LoaderSpec<string, Product>;
  readonly categoryById: LoaderSpec<string, Category>;
  readonly brandById: LoaderSpec<string, Brand>;
}

/** Loader specs over one service; each request instantiates its own loaders from them. */
export function createCatalogLoaders(service: CatalogService): CatalogLoaders {
  return {
    productById: defineLoader("catalog.productById", async (ids) => service.productsByIds(ids)),
    categoryById: defineLoader("catalog.categoryById", async (ids) => service.categoriesByIds(ids)),
    brandById: defineLoader("catalog.brandById", async (ids) => service.brandsByIds(ids)),
  };
}
