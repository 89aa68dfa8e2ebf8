export type {
  CatalogBase,
  ImportFormat,
  ImportOptions,
  ImportResult,
  ParsedRecord,
  RejectedRow,
} from "./types.ts";
export type { CsvRow } from "./csv.ts";
export type { ImportRow } from "./export-rows.ts";
export type { RowValidation, ValidationContext } from "./validate-row.ts";
export { parseCsv, parseCsvRows } from "./csv.ts";
export { parseNdjson } from "./ndjson.ts";
export { createValidationContext, IMPORT_FIELDS, validateRow } from "./validate-row.ts";
export { importCatalog } from "./import-catalog.ts";
export { acceptedAsRows, toImportRow, toNdjson } from "./export-rows.ts";
export { formatFromPath, loadImportedCatalog } from "./load.ts";
export { writeFileAtomic } from "./atomic-write.ts";
