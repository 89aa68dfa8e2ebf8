import type { Brand, Category, Product } from "@aisle/world";

export type ImportFormat = "ndjson" | "csv";

/** The catalog an import is validated against and merged into. */
export interface CatalogBase {
  readonly categories: readonly Category[];
  readonly brands: readonly Brand[];
  readonly products: readonly Product[];
}

export interface ImportOptions {
  /** The moment `createdAt` may not be after, and the `createdAt` of rows without one. Defaults to the current time. */
  readonly now?: Date;
}

/** One record as read from the file: its fields, or why it could not be read. `line` is where it starts (1-based). */
export type ParsedRecord =
  | { readonly ok: true; readonly line: number; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly line: number; readonly reason: string };

export interface RejectedRow {
  readonly line: number;
  /** The row's id when it had a usable one. */
  readonly id?: string;
  readonly reasons: readonly string[];
}

export interface ImportResult {
  /** Valid products in file order, including those that replace a base product. */
  readonly accepted: readonly Product[];
  /** Brands created from brand names not in the base, with every category the file sells them in. */
  readonly newBrands: readonly Brand[];
  /** Base brands that the file sells in more categories than before, with the widened category list. */
  readonly updatedBrands: readonly Brand[];
  /** Ids of accepted products that replace a product of the base catalog. */
  readonly replaced: readonly string[];
  readonly rejected: readonly RejectedRow[];
  /** Records read, good or bad; blank lines and the CSV header are not counted. */
  readonly total: number;
}
