import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { codedError, ErrorCode, migrate, readMigrations, type Database, type Queryable } from "@aisle/kit";
import type { Brand, Category, Product } from "@aisle/world";
import type { CatalogSnapshot } from "./catalog.store.ts";

/** A product as stored: the world's shape plus the count of writes it has had. */
export type StoredProduct = Product & { readonly version: number };

/** A product write: the product, and the brand to create or widen with it when the brand is new or sells in a new category. */
export interface ProductWrite {
  readonly product: Product;
  readonly brands?: readonly Brand[];
}

/** The catalog's storage. Writes are transactions; a stale `expectedVersion` is a CONFLICT error. */
export interface CatalogRepository {
  /** Active (not archived) products with categories and brands, in a stable order. */
  load(): Promise<CatalogSnapshot & { readonly products: readonly StoredProduct[] }>;
  /** Writes `snapshot` when the database has never been seeded; returns whether it did. */
  seedOnce(name: string, snapshot: CatalogSnapshot): Promise<boolean>;
  /** Upserts a batch of products and brands in one transaction: all of them, or none. */
  writeBatch(writes: readonly ProductWrite[]): Promise<StoredProduct[]>;
  /** Inserts a product; CONFLICT when the id is taken (archived ones included). */
  create(write: ProductWrite): Promise<StoredProduct>;
  /** Replaces a product at `expectedVersion`; CONFLICT when another write came first, NOT_FOUND when unknown or archived. */
  update(write: ProductWrite, expectedVersion: number): Promise<StoredProduct>;
  /** Archives a product at `expectedVersion` (same errors as update). */
  archive(id: string, expectedVersion: number): Promise<StoredProduct>;
  /** Products written since the seed (created, updated or archived), oldest write first: replayed as events at start. */
  changedSinceSeed(): Promise<(StoredProduct & { readonly archived: boolean })[]>;
  /** One product with its archive state, or null. */
  find(id: string): Promise<(StoredProduct & { readonly archived: boolean }) | null>;
}

export const CATALOG_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../migrations");

/** Applies the catalog's migrations (see migrations/); returns the versions applied now. */
export function migrateCatalog(db: Database): Promise<number[]> {
  return migrate(db, "catalog", readMigrations(CATALOG_MIGRATIONS_DIR));
}

interface ProductRow {
  id: string;
  sku: string;
  title: string;
  description: string;
  category_id: string;
  brand_id: string;
  attributes: Product["attributes"];
  image_urls: string[];
  list_price_minor: number;
  created_at: Date;
  version: number;
  archived_at: Date | null;
}

const PRODUCT_COLUMNS =
  "id, sku, title, description, category_id, brand_id, attributes, image_urls, list_price_minor, created_at, version, archived_at";

function fromRow(row: ProductRow): StoredProduct {
  return {
    id: row.id,
    sku: row.sku,
    title: row.title,
    description: row.description,
    categoryId: row.category_id,
    brandId: row.brand_id,
    attributes: row.attributes,
    imageUrls: row.image_urls,
    listPrice: { amountMinor: row.list_price_minor, currency: "USD" },
    createdAt: new Date(row.created_at).toISOString(),
    version: row.version,
  };
}

/** Products as one JSON parameter, expanded by `jsonb_to_recordset`: one statement however many rows. */
function productJson(products: readonly Product[]): string {
  return JSON.stringify(
    products.map((p) => ({
      id: p.id,
      sku: p.sku,
      title: p.title,
      description: p.description,
      category_id: p.categoryId,
      brand_id: p.brandId,
      attributes: p.attributes,
      image_urls: p.imageUrls,
      list_price_minor: p.listPrice.amountMinor,
      currency: p.listPrice.currency,
      created_at: p.createdAt,
    })),
  );
}

const PRODUCT_RECORDSET = `jsonb_to_recordset($1::jsonb) AS r(
  id text, sku text, title text, description text, category_id text, brand_id text, attributes jsonb,
  image_urls jsonb, list_price_minor integer, currency text, created_at timestamptz)`;

const conflict = (message: string, id: string, currentVersion: number | null) =>
  codedError(ErrorCode.CONFLICT, message, { id, currentVersion });

/** The catalog on PostgreSQL or PGlite (same SQL). */
export class SqlCatalogRepository implements CatalogRepository {
  constructor(private readonly db: Database) {}

  async load() {
    const [categories, brands, products] = await Promise.all([
      this.db.query<{ id: string; name: string; slug: string; parent_id: string | null; path: string[] }>(
        "SELECT id, name, slug, parent_id, path FROM catalog_category ORDER BY position",
      ),
      this.db.query<{ id: string; name: string; tier: Brand["tier"]; category_ids: string[] }>(
        "SELECT id, name, tier, category_ids FROM catalog_brand ORDER BY position, id",
      ),
      this.db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM catalog_product WHERE archived_at IS NULL`),
    ]);
    return {
      categories: categories.map((c): Category => ({
        id: c.id,
        name: c.name,
        slug: c.slug,
        parentId: c.parent_id,
        path: c.path,
      })),
      brands: brands.map((b): Brand => ({
        id: b.id,
        name: b.name,
        tier: b.tier,
        categoryIds: b.category_ids,
      })),
      products: products.map(fromRow),
    };
  }

  async seedOnce(name: string, snapshot: CatalogSnapshot): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const claimed = await tx.query(
        "INSERT INTO catalog_meta (key, value) VALUES ('seeded', $1) ON CONFLICT (key) DO NOTHING RETURNING key",
        [name],
      );
      if (claimed.length === 0) return false;
      await tx.query(
        `INSERT INTO catalog_category (id, name, slug, parent_id, path, position)
         SELECT r.id, r.name, r.slug, r.parent_id, r.path, r.position
         FROM jsonb_to_recordset($1::jsonb) AS r(id text, name text, slug text, parent_id text, path jsonb, position integer)`,
        [
          JSON.stringify(
            snapshot.categories.map((c, position) => ({
              id: c.id,
              name: c.name,
              slug: c.slug,
              parent_id: c.parentId,
              path: c.path,
              position,
            })),
          ),
        ],
      );
      await upsertBrands(tx, snapshot.brands, 0);
      await tx.query(
        `INSERT INTO catalog_product (id, sku, title, description, category_id, brand_id, attributes, image_urls,
           list_price_minor, currency, created_at)
         SELECT r.id, r.sku, r.title, r.description, r.category_id, r.brand_id, r.attributes, r.image_urls,
           r.list_price_minor, r.currency, r.created_at
         FROM ${PRODUCT_RECORDSET}`,
        [productJson(snapshot.products)],
      );
      return true;
    });
  }

  async writeBatch(writes: readonly ProductWrite[]): Promise<StoredProduct[]> {
    if (writes.length === 0) return [];
    return this.db.transaction(async (tx) => {
      await upsertBrands(
        tx,
        writes.flatMap((w) => w.brands ?? []),
      );
      const rows = await tx.query<ProductRow>(
        `INSERT INTO catalog_product AS p (id, sku, title, description, category_id, brand_id, attributes, image_urls,
           list_price_minor, currency, created_at)
         SELECT r.id, r.sku, r.title, r.description, r.category_id, r.brand_id, r.attributes, r.image_urls,
           r.list_price_minor, r.currency, r.created_at
         FROM ${PRODUCT_RECORDSET}
         ON CONFLICT (id) DO UPDATE SET sku = excluded.sku, title = excluded.title,
           description = excluded.description, category_id = excluded.category_id, brand_id = excluded.brand_id,
           attributes = excluded.attributes, image_urls = excluded.image_urls,
           list_price_minor = excluded.list_price_minor, created_at = excluded.created_at,
           version = p.version + 1, archived_at = NULL, updated_at = now()
         RETURNING ${PRODUCT_COLUMNS}`,
        [productJson(writes.map((w) => w.product))],
      );
      return rows.map(fromRow);
    });
  }

  async create(write: ProductWrite): Promise<StoredProduct> {
    return this.db.transaction(async (tx) => {
      await upsertBrands(tx, write.brands ?? []);
      const rows = await tx.query<ProductRow>(
        `INSERT INTO catalog_product (id, sku, title, description, category_id, brand_id, attributes, image_urls,
           list_price_minor, currency, created_at)
         SELECT r.id, r.sku, r.title, r.description, r.category_id, r.brand_id, r.attributes, r.image_urls,
           r.list_price_minor, r.currency, r.created_at
         FROM ${PRODUCT_RECORDSET}
         ON CONFLICT (id) DO NOTHING
         RETURNING ${PRODUCT_COLUMNS}`,
        [productJson([write.product])],
      );
      const row = rows[0];
      if (row === undefined)
        throw conflict(`Product ${JSON.stringify(write.product.id)} already exists`, write.product.id, null);
      return fromRow(row);
    });
  }

  async update(write: ProductWrite, expectedVersion: number): Promise<StoredProduct> {
    const { product } = write;
    return this.db.transaction(async (tx) => {
      await upsertBrands(tx, write.brands ?? []);
      const rows = await tx.query<ProductRow>(
        `UPDATE catalog_product AS p SET sku = r.sku, title = r.title, description = r.description,
           category_id = r.category_id, brand_id = r.brand_id, attributes = r.attributes, image_urls = r.image_urls,
           list_price_minor = r.list_price_minor, version = p.version + 1, updated_at = now()
         FROM ${PRODUCT_RECORDSET}
         WHERE p.id = r.id AND p.version = $2 AND p.archived_at IS NULL
         RETURNING ${PRODUCT_COLUMNS.split(", ")
           .map((c) => `p.${c}`)
           .join(", ")}`,
        [productJson([product]), expectedVersion],
      );
      const row = rows[0];
      if (row === undefined) await this.#explainMiss(tx, product.id, expectedVersion);
      return fromRow(row as ProductRow);
    });
  }

  async archive(id: string, expectedVersion: number): Promise<StoredProduct> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<ProductRow>(
        `UPDATE catalog_product SET archived_at = now(), version = version + 1, updated_at = now()
         WHERE id = $1 AND version = $2 AND archived_at IS NULL
         RETURNING ${PRODUCT_COLUMNS}`,
        [id, expectedVersion],
      );
      const row = rows[0];
      if (row === undefined) await this.#explainMiss(tx, id, expectedVersion);
      return fromRow(row as ProductRow);
    });
  }

  async changedSinceSeed() {
    const rows = await this.db.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM catalog_product
       WHERE updated_at > (SELECT at FROM catalog_meta WHERE key = 'seeded')
       ORDER BY updated_at, id`,
    );
    return rows.map((row) => ({ ...fromRow(row), archived: row.archived_at !== null }));
  }

  async find(id: string) {
    const [row] = await this.db.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM catalog_product WHERE id = $1`,
      [id],
    );
    return row === undefined ? null : { ...fromRow(row), archived: row.archived_at !== null };
  }

  /** Why a versioned write matched no row: always throws NOT_FOUND or CONFLICT. */
  async #explainMiss(tx: Queryable, id: string, expectedVersion: number): Promise<never> {
    const [current] = await tx.query<{ version: number; archived_at: Date | null }>(
      "SELECT version, archived_at FROM catalog_product WHERE id = $1",
      [id],
    );
    if (current === undefined || current.archived_at !== null) {
      throw codedError(ErrorCode.NOT_FOUND, `Product ${JSON.stringify(id)} was not found`, {
        typeName: "Product",
        id,
      });
    }
    throw conflict(
      `Product ${JSON.stringify(id)} is at version ${current.version}, not ${expectedVersion}: read it again and retry`,
      id,
      current.version,
    );
  }
}

/** Seeded brands keep the world's order; brands added later sort after them. */
async function upsertBrands(
  tx: Queryable,
  brands: readonly Brand[],
  firstPosition = 1_000_000,
): Promise<void> {
  if (brands.length === 0) return;
  await tx.query(
    `INSERT INTO catalog_brand (id, name, tier, category_ids, position)
     SELECT r.id, r.name, r.tier, r.category_ids, r.position
     FROM jsonb_to_recordset($1::jsonb) AS r(id text, name text, tier text, category_ids jsonb, position integer)
     ON CONFLICT (id) DO UPDATE SET category_ids = excluded.category_ids`,
    [
      JSON.stringify(
        brands.map((b, i) => ({
          id: b.id,
          name: b.name,
          tier: b.tier,
          category_ids: b.categoryIds,
          position: firstPosition + i,
        })),
      ),
    ],
  );
}
