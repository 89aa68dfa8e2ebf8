import type { Brand, Product } from "@aisle/world";
import { parseCsv } from "./csv.ts";
import { parseNdjson } from "./ndjson.ts";
import type { CatalogBase, ImportFormat, ImportOptions, ImportResult, RejectedRow } from "./types.ts";
import { createValidationContext, validateRow } from "./validate-row.ts";

/**
 * Validates an NDJSON or CSV catalog file against a base catalog. Never throws on bad data: every
 * record ends up accepted or rejected with its line and all its reasons. Pure: the base is not changed
 * and the result is only returned once complete.
 */
export function importCatalog(
  text: string,
  format: ImportFormat,
  base: CatalogBase,
  options: ImportOptions = {},
): ImportResult {
  const records = format === "csv" ? parseCsv(text) : parseNdjson(text);
  const ctx = createValidationContext(base, format, options);
  const baseProductIds = new Set(base.products.map((p) => p.id));

  const accepted: Product[] = [];
  const rejected: RejectedRow[] = [];
  const replaced: string[] = [];
  const firstLineOfId = new Map<string, number>();
  const newBrands = new Map<string, Brand>();
  const widenedBrands = new Map<string, Brand>();

  for (const record of records) {
    if (!record.ok) {
      rejected.push({ line: record.line, reasons: [record.reason] });
      continue;
    }
    const rawId = record.fields["id"];
    const id = typeof rawId === "string" && rawId !== "" ? rawId : undefined;
    const verdict = validateRow(record.fields, record.line, ctx);
    const reasons = verdict.ok ? [] : [...verdict.reasons];
    if (id !== undefined) {
      const firstLine = firstLineOfId.get(id);
      if (firstLine === undefined) firstLineOfId.set(id, record.line);
      else reasons.unshift(`duplicate id, first seen on line ${firstLine}`);
    }
    if (!verdict.ok || reasons.length > 0) {
      rejected.push(id === undefined ? { line: record.line, reasons } : { line: record.line, id, reasons });
      continue;
    }

    const { product, newBrand } = verdict;
    accepted.push(product);
    if (baseProductIds.has(product.id)) replaced.push(product.id);
    if (newBrand !== undefined) {
      const known = newBrands.get(newBrand.id);
      newBrands.set(newBrand.id, known === undefined ? newBrand : withCategory(known, product.categoryId));
    } else {
      const brand = widenedBrands.get(product.brandId) ?? ctx.brands.get(product.brandId);
      if (brand !== undefined && !brand.categoryIds.includes(product.categoryId)) {
        widenedBrands.set(brand.id, withCategory(brand, product.categoryId));
      }
    }
  }

  return {
    accepted,
    newBrands: [...newBrands.values()],
    updatedBrands: [...widenedBrands.values()],
    replaced,
    rejected,
    total: records.length,
  };
}

function withCategory(brand: Brand, categoryId: string): Brand {
  return brand.categoryIds.includes(categoryId)
    ? brand
    : { ...brand, categoryIds: [...brand.categoryIds, categoryId] };
}
