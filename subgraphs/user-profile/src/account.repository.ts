import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { migrate, openDatabase, readMigrations, type Database, type Logger } from "@aisle/kit";
import type { User } from "@aisle/world";
import type { AccountStatus } from "./user.type.ts";

/** One account-status change, kept for audit. */
export interface StatusChange {
  readonly userId: string;
  readonly status: AccountStatus;
  readonly reason: string;
  /** Who made the change: the caller's user id, or its scopes for a service without one. */
  readonly by: string;
  readonly at: string;
}

/** Where account statuses are kept: a status change is stored (status and audit row together) before it is served. */
export interface AccountRepository {
  recordStatusChange(change: StatusChange): Promise<void>;
}

export const ACCOUNT_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../migrations");

export interface AccountStorageOptions {
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
  /** PGlite data directory; unset: in memory. */
  readonly dataDir?: string | undefined;
}

export interface OpenedAccounts {
  readonly db: Database;
  readonly repository: AccountRepository;
  readonly users: readonly User[];
  /** The audit trail, oldest first; the last change of a user is its status. */
  readonly history: readonly StatusChange[];
}

/** Accounts in PostgreSQL or PGlite (ADR 0012): migrated, seeded with `seedUsers` on first start, read back. */
export async function openAccounts(
  options: AccountStorageOptions,
  seedUsers: readonly User[],
  log: Logger,
): Promise<OpenedAccounts> {
  const migrations = readMigrations(ACCOUNT_MIGRATIONS_DIR);
  const seedName = `users:${seedUsers.length}:${seedUsers[0]?.id ?? ""}:${seedUsers.at(-1)?.id ?? ""}`;
  const prepare = async (db: Database) => {
    const applied = await migrate(db, "user-profile", migrations);
    if (applied.length > 0) log.info({ applied, database: db.kind }, "account migrations applied");
    if (await seedOnce(db, seedName, seedUsers)) log.info({ users: seedUsers.length }, "accounts seeded");
  };
  const db = await openDatabase({
    url: options.databaseUrl,
    schema: options.databaseSchema,
    dataDir: options.dataDir,
    template: { key: `user-profile\n${migrations.map((m) => m.checksum).join("\n")}\n${seedName}`, prepare },
  });
  try {
    await prepare(db);
    const [users, history] = await Promise.all([
      db.query<{
        id: string;
        display_name: string;
        email: string;
        location: User["location"];
        signup_at: Date;
      }>("SELECT id, display_name, email, location, signup_at FROM user_account ORDER BY position"),
      db.query<{ user_id: string; status: AccountStatus; reason: string; changed_by: string; at: Date }>(
        "SELECT user_id, status, reason, changed_by, at FROM user_account_status_change ORDER BY seq",
      ),
    ]);
    return {
      db,
      repository: new SqlAccountRepository(db),
      users: users.map((u) => ({
        id: u.id,
        displayName: u.display_name,
        email: u.email,
        location: u.location,
        signupAt: new Date(u.signup_at).toISOString(),
      })),
      history: history.map((h) => ({
        userId: h.user_id,
        status: h.status,
        reason: h.reason,
        by: h.changed_by,
        at: new Date(h.at).toISOString(),
      })),
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function seedOnce(db: Database, name: string, users: readonly User[]): Promise<boolean> {
  return db.transaction(async (tx) => {
    const claimed = await tx.query(
      "INSERT INTO user_account_meta (key, value) VALUES ('seeded', $1) ON CONFLICT (key) DO NOTHING RETURNING key",
      [name],
    );
    if (claimed.length === 0) return false;
    await tx.query(
      `INSERT INTO user_account (id, display_name, email, location, signup_at, position)
       SELECT r.id, r.display_name, r.email, r.location, r.signup_at, r.position
       FROM jsonb_to_recordset($1::jsonb)
         AS r(id text, display_name text, email text, location jsonb, signup_at timestamptz, position integer)`,
      [
        JSON.stringify(
          users.map((u, position) => ({
            id: u.id,
            display_name: u.displayName,
            email: u.email,
            location: u.location,
            signup_at: u.signupAt,
            position,
          })),
        ),
      ],
    );
    return true;
  });
}

class SqlAccountRepository implements AccountRepository {
  constructor(private readonly db: Database) {}

  async recordStatusChange(change: StatusChange): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query("UPDATE user_account SET status = $2 WHERE id = $1", [change.userId, change.status]);
      await tx.query(
        "INSERT INTO user_account_status_change (user_id, status, reason, changed_by, at) VALUES ($1, $2, $3, $4, $5)",
        [change.userId, change.status, change.reason, change.by, change.at],
      );
    });
  }
}
