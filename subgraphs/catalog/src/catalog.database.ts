import { openDatabase, readMigrations, type Database, type Logger } from "@aisle/kit";
import { demoWorld } from "@aisle/world";
import {
  CATALOG_MIGRATIONS_DIR,
  migrateCatalog,
  SqlCatalogRepository,
  type CatalogRepository,
  type ProductWrite,
} from "./catalog.repository.ts";
import { CatalogStore } from "./catalog.store.ts";
import { loadImportedCatalog } from "./import/index.ts";

export interface CatalogStorageOptions {
  /** PostgreSQL URL; unset: PGlite. */
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
  /** PGlite data directory; unset: in memory. */
  readonly dataDir?: string | undefined;
  /** NDJSON or CSV file written to the database at start (each start; upserts). */
  readonly importFile?: string | undefined;
}

export interface OpenedCatalog {
  readonly db: Database;
  readonly repository: CatalogRepository;
  readonly store: CatalogStore;
}

/**
 * Opens the catalog database, applies its migrations, seeds the demo world on first start, writes the import
 * file when one is named (one transaction; rejected rows are logged with their line and reasons, never
 * stored), and loads the read cache from what the database holds.
 */
export async function openCatalog(options: CatalogStorageOptions, log: Logger): Promise<OpenedCatalog> {
  const world = demoWorld();
  const seedName = `demo-world:${world.seed}:${world.products.length}`;
  const prepare = async (db: Database) => {
    const applied = await migrateCatalog(db);
    if (applied.length > 0) log.info({ applied, database: db.kind }, "catalog migrations applied");
    if (await new SqlCatalogRepository(db).seedOnce(seedName, world)) {
      log.info({ products: world.products.length, database: db.kind }, "catalog seeded with the demo world");
    }
  };
  const db = await openDatabase({
    url: options.databaseUrl,
    schema: options.databaseSchema,
    dataDir: options.dataDir,
    template: {
      key: `catalog\n${readMigrations(CATALOG_MIGRATIONS_DIR)
        .map((m) => m.checksum)
        .join("\n")}\n${seedName}`,
      prepare,
    },
  });
  try {
    // Idempotent: nothing to do on a prepared in-memory copy, the first start's work on a data dir or server.
    await prepare(db);
    const repository = new SqlCatalogRepository(db);
    if (options.importFile !== undefined) await importAtStart(repository, options.importFile, log);
    const loaded = await repository.load();
    const store = new CatalogStore(loaded, new Map(loaded.products.map((p) => [p.id, p.version])));
    return { db, repository, store };
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function importAtStart(repository: CatalogRepository, file: string, log: Logger): Promise<void> {
  const base = await repository.load();
  const result = await loadImportedCatalog(file, base);
  for (const row of result.rejected) {
    log.warn({ file, line: row.line, reasons: row.reasons }, "imported row rejected");
  }
  const brands = [...result.newBrands, ...result.updatedBrands];
  const writes: ProductWrite[] = result.accepted.map((product, i) =>
    i === 0 ? { product, brands } : { product },
  );
  await repository.writeBatch(writes);
  log.info(
    {
      file,
      accepted: result.accepted.length,
      replaced: result.replaced.length,
      rejected: result.rejected.length,
    },
    "imported catalog written",
  );
}
