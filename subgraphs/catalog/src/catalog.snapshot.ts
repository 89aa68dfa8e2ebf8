import type { Logger } from "@aisle/kit";
import { demoWorld } from "@aisle/world";
import type { CatalogSnapshot } from "./catalog.store.ts";
import { loadImportedCatalog } from "./import/index.ts";

/**
 * The catalog a subgraph serves: the demo world, plus the products of an imported file when one is named.
 * Imported rows go through the importer's validation again; rejected rows are logged with their line and
 * reason, and never served.
 */
export async function loadCatalogSnapshot(
  importFile: string | undefined,
  log: Logger,
): Promise<CatalogSnapshot> {
  const world = demoWorld();
  const base: CatalogSnapshot = {
    categories: world.categories,
    brands: world.brands,
    products: world.products,
  };
  if (importFile === undefined) return base;
  const result = await loadImportedCatalog(importFile, base);
  for (const row of result.rejected) {
    log.warn({ file: importFile, line: row.line, reasons: row.reasons }, "imported row rejected");
  }
  log.info(
    {
      file: importFile,
      accepted: result.accepted.length,
      replaced: result.replaced.length,
      rejected: result.rejected.length,
    },
    "imported catalog loaded",
  );
  const importedIds = new Set(result.accepted.map((p) => p.id));
  return {
    categories: base.categories,
    brands: [...base.brands, ...result.newBrands],
    products: [...base.products.filter((p) => !importedIds.has(p.id)), ...result.accepted],
  };
}
