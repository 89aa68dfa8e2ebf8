import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** The machine's PostgreSQL; override with AISLE_TEST_DATABASE_URL. */
export const POSTGRES_TEST_URL =
  process.env["AISLE_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** True when PostgreSQL answers at POSTGRES_TEST_URL; a test file skips its PostgreSQL half otherwise. */
export async function postgresUp(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema name of this run's own (`aisle_test_<hex>`), so tests never touch other objects. */
export function testSchemaName(): string {
  return `aisle_test_${randomBytes(6).toString("hex")}`;
}

/** Drops a schema made by a test (and everything in it). */
export async function dropTestSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * The environment that puts a subgraph's storage on PGlite (a fresh data folder in `dataDirVariable`) or on
 * the machine's PostgreSQL (a schema of this run's own); what it makes is removed by `cleanups`.
 */
export async function storageEnv(
  kind: "pglite" | "postgres",
  dataDirVariable: string,
  cleanups: (() => Promise<void>)[],
): Promise<Record<string, string>> {
  if (kind === "pglite") {
    const dir = await mkdtemp(join(tmpdir(), "aisle-storage-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return { [dataDirVariable]: dir };
  }
  const schema = testSchemaName();
  cleanups.push(() => dropTestSchema(schema));
  return { DATABASE_URL: POSTGRES_TEST_URL, DATABASE_SCHEMA: schema };
}
