import type { Product } from "@aisle/world";
import type { ImportResult } from "./types.ts";

/** A product written back in the import row format, so that the file can be imported or loaded again. */
export interface ImportRow {
  readonly id: string;
  readonly sku: string;
  readonly title: string;
  readonly categoryId: string;
  readonly brand: string;
  readonly listPrice: string;
  readonly currency: "USD";
  readonly description?: string;
  readonly imageUrls?: readonly string[];
  readonly attributes?: Readonly<Record<string, string>>;
  readonly createdAt: string;
}

/**
 * The accepted products of an import as rows. A product of a brand the import created names the
 * brand by name (the id would be unknown to a fresh base catalog); others name it by id.
 */
export function acceptedAsRows(result: ImportResult): ImportRow[] {
  const newBrandNames = new Map(result.newBrands.map((b) => [b.id, b.name]));
  return result.accepted.map((product) =>
    toImportRow(product, newBrandNames.get(product.brandId) ?? product.brandId),
  );
}

export function toImportRow(product: Product, brand: string): ImportRow {
  return {
    id: product.id,
    sku: product.sku,
    title: product.title,
    categoryId: product.categoryId,
    brand,
    listPrice: formatMinor(product.listPrice.amountMinor),
    currency: product.listPrice.currency,
    ...(product.description === "" ? {} : { description: product.description }),
    ...(product.imageUrls.length === 0 ? {} : { imageUrls: product.imageUrls }),
    ...(product.attributes.length === 0
      ? {}
      : { attributes: Object.fromEntries(product.attributes.map((a) => [a.name, a.value])) }),
    createdAt: product.createdAt,
  };
}

export function toNdjson(rows: readonly unknown[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join("");
}

/** 1999 → "19.99": exact, with no floating-point division. */
function formatMinor(amountMinor: number): string {
  const cents = String(amountMinor % 100).padStart(2, "0");
  return `${Math.floor(amountMinor / 100)}.${cents}`;
}
