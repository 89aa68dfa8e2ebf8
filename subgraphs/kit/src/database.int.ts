import { afterAll, describe, expect, it } from "vitest";
import { dropTestSchema, postgresUp, POSTGRES_TEST_URL, testSchemaName } from "../../../tests/postgres.ts";
import { migrate, openDatabase, type Database, type Migration } from "./database.ts";

const up = await postgresUp();
if (!up) console.warn(`database.int: PostgreSQL does not answer at ${POSTGRES_TEST_URL}; skipped`);

const migrations: Migration[] = [
  { version: 1, name: "things", sql: "CREATE TABLE things (id integer PRIMARY KEY)", checksum: "a" },
  { version: 2, name: "more", sql: "ALTER TABLE things ADD COLUMN name text", checksum: "b" },
];

describe("replicas starting at once on a fresh PostgreSQL schema", () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropTestSchema(schema);
  });

  it.skipIf(!up)("all open it, and each migration is applied exactly once", async () => {
    for (let round = 0; round < 5; round++) {
      const schema = testSchemaName();
      schemas.push(schema);
      const starts = Array.from({ length: 4 }, async () => {
        const db = await openDatabase({ url: POSTGRES_TEST_URL, schema });
        try {
          return await migrate(db, "replicas", migrations);
        } finally {
          await db.close();
        }
      });
      const applied = await Promise.all(starts);
      expect(applied.flat().sort()).toEqual([1, 2]);
      const db: Database = await openDatabase({ url: POSTGRES_TEST_URL, schema });
      try {
        const rows = await db.query<{ version: number }>(
          "SELECT version FROM schema_migrations WHERE component = 'replicas' ORDER BY version",
        );
        expect(rows.map((row) => row.version)).toEqual([1, 2]);
      } finally {
        await db.close();
      }
    }
  });
});
