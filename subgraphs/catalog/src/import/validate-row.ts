import type { Brand, Category, Product } from "@aisle/world";
import {
  charLength,
  parseAttributes,
  parseCreatedAt,
  parseImageUrls,
  parseListPrice,
  shown,
} from "./field-parsers.ts";
import { resolveBrand } from "./resolve-brand.ts";
import type { CatalogBase, ImportFormat, ImportOptions } from "./types.ts";

export const IMPORT_FIELDS = [
  "id",
  "sku",
  "title",
  "categoryId",
  "brand",
  "listPrice",
  "currency",
  "description",
  "imageUrls",
  "attributes",
  "createdAt",
] as const;
const KNOWN_FIELDS: ReadonlySet<string> = new Set(IMPORT_FIELDS);

const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const SKU_PATTERN = /^\S{1,64}$/;
const MAX_TITLE = 300;
const MAX_DESCRIPTION = 5_000;

export interface ValidationContext {
  readonly format: ImportFormat;
  readonly now: Date;
  readonly categories: ReadonlyMap<string, Category>;
  /** Ids of categories that have children, i.e. are not leaves. */
  readonly parentIds: ReadonlySet<string>;
  readonly brands: ReadonlyMap<string, Brand>;
}

export function createValidationContext(
  base: CatalogBase,
  format: ImportFormat,
  options: ImportOptions = {},
): ValidationContext {
  return {
    format,
    now: options.now ?? new Date(),
    categories: new Map(base.categories.map((c) => [c.id, c])),
    parentIds: new Set(base.categories.flatMap((c) => (c.parentId === null ? [] : [c.parentId]))),
    brands: new Map(base.brands.map((b) => [b.id, b])),
  };
}

export type RowValidation =
  | { readonly ok: true; readonly product: Product; readonly newBrand?: Brand }
  | { readonly ok: false; readonly line: number; readonly reasons: readonly string[] };

/**
 * Checks one record against the row schema (see FORMAT.md) and the base catalog, collecting every
 * problem rather than stopping at the first. Pure: the base catalog is not touched.
 */
export function validateRow(
  raw: Readonly<Record<string, unknown>>,
  line: number,
  ctx: ValidationContext,
): RowValidation {
  const reasons: string[] = [];
  const fromCsv = ctx.format === "csv";
  // CSV has no way to leave a column out, so an empty cell means "no value", as does JSON null.
  const valueOf = (field: string): unknown => {
    const value = Object.hasOwn(raw, field) ? raw[field] : undefined;
    return value === null || value === "" ? undefined : value;
  };
  const text = (field: string, required: boolean): string | undefined => {
    const value = valueOf(field);
    if (value === undefined) {
      if (required) reasons.push(`${field} is required`);
      return undefined;
    }
    if (typeof value !== "string") {
      reasons.push(`${field} must be a string, got ${shown(value)}`);
      return undefined;
    }
    return value;
  };

  for (const field of Object.keys(raw)) {
    if (KNOWN_FIELDS.has(field)) continue;
    const meant = IMPORT_FIELDS.find((known) => known.toLowerCase() === field.trim().toLowerCase());
    reasons.push(`unknown field ${shown(field)}${meant === undefined ? "" : ` (did you mean "${meant}"?)`}`);
  }

  const id = text("id", true);
  if (id !== undefined && !ID_PATTERN.test(id)) {
    reasons.push(`id must be 1–64 characters of A–Z, a–z, 0–9, ".", "_" or "-", got ${shown(id)}`);
  }

  const sku = text("sku", true)?.trim();
  if (sku !== undefined && !SKU_PATTERN.test(sku))
    reasons.push(`sku must be 1–64 characters without spaces, got ${shown(sku)}`);

  const title = text("title", true)?.trim();
  if (title !== undefined && (title === "" || charLength(title) > MAX_TITLE)) {
    reasons.push(`title must be 1–${MAX_TITLE} characters, got ${charLength(title)}`);
  }

  const categoryId = text("categoryId", true)?.trim();
  let categoryOk = false;
  if (categoryId !== undefined) {
    if (!ctx.categories.has(categoryId))
      reasons.push(`categoryId ${shown(categoryId)} is not a known category`);
    else if (ctx.parentIds.has(categoryId)) {
      reasons.push(`categoryId ${shown(categoryId)} is not a leaf category; use one of its sub-categories`);
    } else categoryOk = true;
  }

  const brandValue = text("brand", true);
  const brand =
    brandValue === undefined ? undefined : resolveBrand(brandValue, categoryId ?? "", ctx.brands, reasons);

  const priceValue = valueOf("listPrice");
  const amountMinor =
    priceValue === undefined
      ? (reasons.push("listPrice is required"), undefined)
      : parseListPrice(priceValue, reasons);

  const currency = text("currency", true);
  if (currency !== undefined && currency !== "USD")
    reasons.push(`currency must be "USD", got ${shown(currency)}`);

  const description = text("description", false)?.trim().replace(/\r\n?/g, "\n");
  if (description !== undefined && charLength(description) > MAX_DESCRIPTION) {
    reasons.push(`description must be at most ${MAX_DESCRIPTION} characters, got ${charLength(description)}`);
  }

  const imageValue = valueOf("imageUrls");
  const imageUrls = imageValue === undefined ? [] : parseImageUrls(imageValue, fromCsv, reasons);

  const attributeValue = valueOf("attributes");
  const attributes = attributeValue === undefined ? [] : parseAttributes(attributeValue, fromCsv, reasons);

  const createdValue = valueOf("createdAt");
  const createdAt =
    createdValue === undefined ? ctx.now.toISOString() : parseCreatedAt(createdValue, ctx.now, reasons);

  if (
    reasons.length > 0 ||
    id === undefined ||
    sku === undefined ||
    title === undefined ||
    categoryId === undefined ||
    !categoryOk ||
    brand === undefined ||
    amountMinor === undefined ||
    imageUrls === undefined ||
    attributes === undefined ||
    createdAt === undefined
  ) {
    return { ok: false, line, reasons };
  }

  const product: Product = {
    id,
    sku,
    title,
    description: description ?? "",
    categoryId,
    brandId: brand.brand.id,
    attributes,
    imageUrls,
    listPrice: { amountMinor, currency: "USD" },
    createdAt,
  };
  return brand.isNew ? { ok: true, product, newBrand: brand.brand } : { ok: true, product };
}
