import { mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createCapturingLogger, DEV_INTERNAL_SECRET, signedHeaders, startSubgraph } from "@aisle/kit";
import { demoWorld } from "@aisle/world";
import { userProfileSubgraph } from "./index.ts";

/*
 * A suspension survives a restart: the user-profile subgraph is started, ops suspends a user, the subgraph is
 * stopped and started again on the same storage, and the user is still suspended (with the audit trail).
 * Run on PGlite (a data directory) and on the machine's PostgreSQL (a schema of this run, dropped after).
 */

const POSTGRES_URL = process.env["AISLE_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

async function postgresUp(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
const hasPostgres = await postgresUp();
if (!hasPostgres)
  console.warn(`account.repository.int: no PostgreSQL at ${POSTGRES_URL}; its half is skipped`);

const user = demoWorld().users[2]!;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function call(url: string, query: string, variables: Record<string, unknown>) {
  const body = JSON.stringify({ query, variables });
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...signedHeaders(
        { userId: "svc-ops", scopes: ["service:ops"] },
        { subgraph: "user-profile", body },
        DEV_INTERNAL_SECRET,
      ),
    },
    body,
  });
  return (await response.json()) as { data?: Record<string, { id: string; accountStatus: string } | null> };
}

const SUSPEND = `mutation($userId: ID!) {
  setAccountStatus(userId: $userId, status: SUSPENDED, reason: "chargeback") { id accountStatus }
}`;
const STATUS = `query($id: ID!) { user(id: $id) { id accountStatus } }`;

async function storage(kind: "pglite" | "postgres"): Promise<Record<string, string>> {
  if (kind === "pglite") {
    const dir = await mkdtemp(join(tmpdir(), "aisle-accounts-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return { USER_PROFILE_DATA_DIR: dir };
  }
  const schema = `aisle_test_${randomBytes(6).toString("hex")}`;
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });
  return { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema };
}

describe.each([
  { kind: "pglite" as const, skip: false },
  { kind: "postgres" as const, skip: !hasPostgres },
])("account status on $kind", ({ kind, skip }) => {
  it.skipIf(skip)("keeps a suspension across a restart of the subgraph", async () => {
    const env = { ...(await storage(kind)), NODE_ENV: "test", LOG_LEVEL: "silent" };
    const log = createCapturingLogger("user-profile", "silent").log;
    const first = await startSubgraph(userProfileSubgraph, { port: 0, env, log });
    try {
      expect((await call(first.url, STATUS, { id: user.id })).data).toEqual({
        user: { id: user.id, accountStatus: "ACTIVE" },
      });
      expect((await call(first.url, SUSPEND, { userId: user.id })).data).toEqual({
        setAccountStatus: { id: user.id, accountStatus: "SUSPENDED" },
      });
    } finally {
      await first.close();
    }
    const second = await startSubgraph(userProfileSubgraph, { port: 0, env, log });
    try {
      expect((await call(second.url, STATUS, { id: user.id })).data).toEqual({
        user: { id: user.id, accountStatus: "SUSPENDED" },
      });
    } finally {
      await second.close();
    }
  });
});
