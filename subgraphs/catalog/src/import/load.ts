import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { importCatalog } from "./import-catalog.ts";
import type { CatalogBase, ImportFormat, ImportOptions, ImportResult } from "./types.ts";

/** ".ndjson" and ".jsonl" are NDJSON, ".csv" is CSV; anything else is unknown. */
export function formatFromPath(path: string): ImportFormat | undefined {
  const extension = extname(path).toLowerCase();
  if (extension === ".ndjson" || extension === ".jsonl") return "ndjson";
  if (extension === ".csv") return "csv";
  return undefined;
}

/**
 * Reads an import file (for example one written by the import CLI) and validates it against `base`
 * exactly as the CLI does. Bad rows come back in `rejected`; only I/O problems and an unknown file
 * extension throw.
 */
export async function loadImportedCatalog(
  path: string,
  base: CatalogBase,
  options: ImportOptions & { readonly format?: ImportFormat } = {},
): Promise<ImportResult> {
  const format = options.format ?? formatFromPath(path);
  if (format === undefined)
    throw new Error(`cannot tell the format of ${path}: use a .ndjson, .jsonl or .csv file`);
  const text = await readFile(path, "utf8");
  return importCatalog(text, format, base, options);
}
