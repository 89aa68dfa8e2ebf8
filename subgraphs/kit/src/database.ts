import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { z } from "zod";

/**
 * One relational store for the subgraphs that keep state (catalog, user-profile): an embedded PGlite by
 * default (no server; in memory, or in a data directory), PostgreSQL when a URL is given. Both speak the same
 * SQL: keep statements to what PostgreSQL 15 (the server here) and 18 (PGlite) both have. See ADR 0012.
 */
export interface Queryable {
  /** Runs one statement with `$1…` parameters and returns its rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  /** "pglite" (embedded) or "postgres" (a server). */
  readonly kind: "pglite" | "postgres";
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Settings shared by every subgraph with a database. */
export const databaseEnvShape = {
  /** PostgreSQL URL (postgres://user@host:5432/db). Unset: an embedded PGlite (see the `*_DATA_DIR` setting). */
  DATABASE_URL: z.string().url().optional(),
  /** Schema the tables live in on PostgreSQL (created when missing). Default `public`. Tests use their own. */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "a lowercase SQL identifier")
    .default("public"),
};

export interface DatabaseOptions {
  /** PostgreSQL URL; when set, `dataDir` is ignored. */
  readonly url?: string | undefined;
  /** PostgreSQL schema (search_path). Default `public`. */
  readonly schema?: string | undefined;
  /** PGlite data directory; unset: in memory (gone at exit), started from a cached copy (see `template`). */
  readonly dataDir?: string | undefined;
  /**
   * For an in-memory PGlite: a database prepared once (migrated, seeded) and cached as a file under
   * `.data/pglite/`, so later starts load the copy instead of running initdb, migrations and the seed again.
   * `key` must change whenever what `prepare` writes changes (migration checksums, seed version).
   */
  readonly template?: { readonly key: string; readonly prepare: (db: Database) => Promise<void> };
}

/** Opens the database the options name: PostgreSQL for a URL, otherwise PGlite. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url !== undefined) return openPostgres(options.url, options.schema ?? "public");
  return openPglite(options.dataDir, options.template);
}

class PgliteDatabase implements Database {
  readonly kind = "pglite";
  constructor(
    private readonly db: PGlite,
    /** Runs after the database is closed (removes a private copy of a template). */
    private readonly afterClose: () => Promise<void> = async () => undefined,
  ) {}

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.db.query<R>(sql, [...params])).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      work({
        query: async <R>(sql: string, params: readonly unknown[] = []) =>
          (await tx.query<R>(sql, [...params])).rows,
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (this.db.closed) return;
    await this.db.close();
    await this.afterClose();
  }
}

class PostgresDatabase implements Database {
  readonly kind = "postgres";
  constructor(private readonly pool: pg.Pool) {}

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.pool.query(sql, [...params])).rows as R[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work({
        query: async <R>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, [...params])).rows as R[],
        exec: async (sql: string) => {
          await client.query(sql);
        },
      });
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function openPostgres(url: string, schema: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 5, options: `-c search_path=${schema}` });
  // A pool error (server gone) is reported on the next query; without a listener it would crash the process.
  pool.on("error", () => undefined);
  const db = new PostgresDatabase(pool);
  try {
    // IF NOT EXISTS does not make two concurrent creations safe (both pass the check, one fails on the catalog's
    // unique index): replicas starting at once on a fresh database take turns.
    await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`aisle-schema:${schema}`]);
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    });
  } catch (error) {
    await pool.end();
    throw error;
  }
  return db;
}

/** Where prepared PGlite databases are cached (initdb, migrations and a seed take seconds; loading a copy less). */
const TEMPLATE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../.data/pglite");

async function openPglite(
  dataDir: string | undefined,
  prepared: DatabaseOptions["template"],
): Promise<Database> {
  if (dataDir !== undefined) {
    mkdirSync(dataDir, { recursive: true });
    return new PgliteDatabase(await PGlite.create(dataDir));
  }
  const key = createHash("sha256")
    .update(`${pgliteVersion()}\n${prepared?.key ?? "empty"}`)
    .digest("hex")
    .slice(0, 16);
  const template = join(TEMPLATE_DIR, key);
  if (!existsSync(join(template, READY))) {
    try {
      await prepareTemplate(template, prepared);
    } catch {
      // No cache (a read-only checkout): prepare in memory; every start pays initdb and the preparation.
      const db = new PgliteDatabase(await PGlite.create());
      try {
        await prepared?.prepare(db);
        return db;
      } catch (error) {
        await db.close();
        throw error;
      }
    }
  }
  // A private copy of the prepared folder: copying ~40 MB and opening it takes ~0.5 s, loading a dump ~3 s.
  const copy = await mkdtemp(join(tmpdir(), "aisle-pglite-"));
  const removeCopy = () => rm(copy, { recursive: true, force: true });
  try {
    await cp(template, copy, { recursive: true });
    await rm(join(copy, READY), { force: true });
    return new PgliteDatabase(await PGlite.create(copy), removeCopy);
  } catch (error) {
    await removeCopy();
    throw error;
  }
}

/** Marks a prepared template folder as complete. */
const READY = "aisle-template-ready";

/** Prepares a template folder aside and renames it into place: a concurrent start sees all of it or none. */
async function prepareTemplate(template: string, prepared: DatabaseOptions["template"]): Promise<void> {
  mkdirSync(TEMPLATE_DIR, { recursive: true });
  const staging = `${template}.${process.pid}.${Date.now()}.tmp`;
  try {
    const db = new PgliteDatabase(await PGlite.create(staging));
    try {
      await prepared?.prepare(db);
    } finally {
      await db.close();
    }
    await writeFile(join(staging, READY), new Date().toISOString());
    await rename(staging, template).catch(async (error: unknown) => {
      // Another process got there first with the same content; use theirs.
      if (!existsSync(join(template, READY))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function pgliteVersion(): string {
  try {
    const manifest = join(
      dirname(fileURLToPath(import.meta.resolve("@electric-sql/pglite"))),
      "../package.json",
    );
    return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** One migration: a numbered SQL file, `NNNN_name.sql`, applied once and never edited afterwards. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

/** Reads `NNNN_name.sql` files from a folder, in version order. Other files are ignored. */
export function readMigrations(folder: string): Migration[] {
  const migrations = readdirSync(folder)
    .map((file) => /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      const sql = readFileSync(join(folder, m[0]), "utf8");
      return {
        version: Number(m[1]),
        name: m[2] as string,
        sql,
        checksum: createHash("sha256").update(sql).digest("hex"),
      };
    })
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]?.version === migrations[i - 1]?.version) {
      throw new Error(`${folder}: two migrations numbered ${migrations[i]?.version}`);
    }
  }
  return migrations;
}

/**
 * Applies the migrations of one component (e.g. "catalog") that the database has not seen yet, each in its
 * own transaction together with its row in `schema_migrations`. Replicas starting at once are serialised by a
 * transaction-scoped advisory lock. A migration already applied whose file changed fails the start: migrations
 * are append-only. Returns the versions applied now.
 */
export async function migrate(
  db: Database,
  component: string,
  migrations: readonly Migration[],
): Promise<number[]> {
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["aisle-migrate:schema_migrations"]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
       component text NOT NULL,
       version integer NOT NULL,
       name text NOT NULL,
       checksum text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (component, version)
     )`,
    );
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`aisle-migrate:${component}`]);
      const [row] = await tx.query<{ checksum: string }>(
        "SELECT checksum FROM schema_migrations WHERE component = $1 AND version = $2",
        [component, migration.version],
      );
      if (row !== undefined) {
        if (row.checksum !== migration.checksum) {
          throw new Error(
            `${component} migration ${migration.version}_${migration.name} changed after it was applied; add a new migration instead`,
          );
        }
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query(
        "INSERT INTO schema_migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4)",
        [component, migration.version, migration.name, migration.checksum],
      );
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
