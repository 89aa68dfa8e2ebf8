import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTestSchema, POSTGRES_TEST_URL, postgresUp, testSchemaName } from "../../../tests/postgres.ts";
import { GraphQLError } from "graphql";
import { createCapturingLogger } from "@aisle/kit";
import { demoWorld, type Product } from "@aisle/world";
import { openCatalog, type OpenedCatalog } from "./catalog.database.ts";

const hasPostgres = await postgresUp();
if (!hasPostgres)
  console.warn(`catalog.repository.int: no PostgreSQL at ${POSTGRES_TEST_URL}; its half is skipped`);

function codeOf(error: unknown): unknown {
  return error instanceof GraphQLError ? error.extensions["code"] : error;
}

const newProduct = (id: string): Product => ({
  id,
  sku: `SKU-${id}`,
  title: "Test Kettle",
  description: "Boils water.",
  categoryId: demoWorld().products[0]!.categoryId,
  brandId: demoWorld().products[0]!.brandId,
  attributes: [{ name: "Color", value: "Red" }],
  imageUrls: [],
  listPrice: { amountMinor: 1999, currency: "USD" },
  createdAt: "2026-01-02T03:04:05.000Z",
});

interface Backend {
  readonly name: string;
  readonly skip: boolean;
  /** Opens the catalog; `reopen` gives the same storage as the previous open of this run. */
  open(): Promise<OpenedCatalog>;
  cleanup(): Promise<void>;
}

function pgliteBackend(): Backend {
  let dir: string | undefined;
  return {
    name: "PGlite (data directory)",
    skip: false,
    async open() {
      dir ??= await mkdtemp(join(tmpdir(), "aisle-catalog-"));
      return openCatalog({ dataDir: dir }, createCapturingLogger("catalog").log);
    },
    async cleanup() {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  const schema = testSchemaName();
  return {
    name: "PostgreSQL",
    skip: !hasPostgres,
    open: () =>
      openCatalog(
        { databaseUrl: POSTGRES_TEST_URL, databaseSchema: schema },
        createCapturingLogger("catalog").log,
      ),
    async cleanup() {
      if (!hasPostgres) return;
      await dropTestSchema(schema);
    },
  };
}

describe.each([pgliteBackend(), postgresBackend()])("catalog storage on $name", (backend) => {
  let catalog: OpenedCatalog;
  beforeAll(async () => {
    if (backend.skip) return;
    catalog = await backend.open();
  });
  afterAll(async () => {
    await catalog?.db.close();
    await backend.cleanup();
  });

  it.skipIf(backend.skip)("seeds the demo world on first start, product for product", () => {
    const world = demoWorld();
    expect(catalog.store.productCount).toBe(world.products.length);
    for (const product of world.products.slice(0, 500)) {
      expect(catalog.store.product(product.id)).toEqual({ ...product, version: 1 });
    }
    expect(catalog.store.children(null).map((c) => c.id)).toEqual(
      world.categories.filter((c) => c.parentId === null).map((c) => c.id),
    );
    const leaf = world.products[0]!.categoryId;
    expect(catalog.store.listing(leaf).map((p) => p.id)).toHaveLength(
      world.products.filter((p) => p.categoryId === leaf).length,
    );
  });

  it.skipIf(backend.skip)(
    "creates, updates with the version read, refuses stale and duplicate writes",
    async () => {
      const { repository } = catalog;
      const created = await repository.create({ product: newProduct("t-1") });
      expect(created.version).toBe(1);
      await expect(repository.create({ product: newProduct("t-1") }).catch(codeOf)).resolves.toBe("CONFLICT");
      const updated = await repository.update(
        { product: { ...newProduct("t-1"), title: "Test Kettle 2" } },
        1,
      );
      expect(updated).toMatchObject({ title: "Test Kettle 2", version: 2 });
      const stale = await repository.update({ product: newProduct("t-1") }, 1).catch((e: unknown) => e);
      expect(codeOf(stale)).toBe("CONFLICT");
      expect((stale as GraphQLError).extensions["currentVersion"]).toBe(2);
      await expect(repository.update({ product: newProduct("t-nope") }, 1).catch(codeOf)).resolves.toBe(
        "NOT_FOUND",
      );
    },
  );

  it.skipIf(backend.skip)(
    "archives: the product leaves what is loaded, later writes find nothing",
    async () => {
      const { repository } = catalog;
      await repository.create({ product: newProduct("t-2") });
      expect((await repository.archive("t-2", 1)).version).toBe(2);
      expect((await repository.load()).products.some((p) => p.id === "t-2")).toBe(false);
      expect(await repository.find("t-2")).toMatchObject({ archived: true, version: 2 });
      await expect(repository.archive("t-2", 2).catch(codeOf)).resolves.toBe("NOT_FOUND");
    },
  );

  it.skipIf(backend.skip)("writes a batch all or nothing", async () => {
    const { repository } = catalog;
    const bad = { ...newProduct("t-4"), categoryId: "c-no-such-category" };
    await expect(repository.writeBatch([{ product: newProduct("t-3") }, { product: bad }])).rejects.toThrow();
    expect(await repository.find("t-3")).toBeNull();
    const written = await repository.writeBatch([
      { product: newProduct("t-3") },
      { product: newProduct("t-4") },
    ]);
    expect(written.map((p) => p.id)).toEqual(["t-3", "t-4"]);
  });

  it.skipIf(backend.skip)("keeps its writes across a restart and does not seed twice", async () => {
    await catalog.db.close();
    catalog = await backend.open();
    expect(catalog.store.product("t-1")).toMatchObject({ title: "Test Kettle 2", version: 2 });
    expect(catalog.store.product("t-2")).toBeNull();
    expect(catalog.store.productCount).toBe(demoWorld().products.length + 3);
  });
});
