import { afterAll, describe, expect, it } from "vitest";
import { POSTGRES_TEST_URL, postgresUp, storageEnv } from "../../../tests/postgres.ts";
import { createCapturingLogger, DEV_INTERNAL_SECRET, signedHeaders, startSubgraph } from "@aisle/kit";
import { demoWorld } from "@aisle/world";
import { userProfileSubgraph } from "./index.ts";

/*
 * A suspension survives a restart: the user-profile subgraph is started, ops suspends a user, the subgraph is
 * stopped and started again on the same storage, and the user is still suspended (with the audit trail).
 * Run on PGlite (a data directory) and on the machine's PostgreSQL (a schema of this run, dropped after).
 */

const hasPostgres = await postgresUp();
if (!hasPostgres)
  console.warn(`account.repository.int: no PostgreSQL at ${POSTGRES_TEST_URL}; its half is skipped`);

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

const storage = (kind: "pglite" | "postgres") => storageEnv(kind, "USER_PROFILE_DATA_DIR", cleanups);

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
