import type { User } from "@aisle/world";
import { badUserInput, notFound, type RequestContext } from "@aisle/kit";
import type { AccountRepository, StatusChange } from "./account.repository.ts";
import { AccountStatus } from "./user.type.ts";

export type { StatusChange } from "./account.repository.ts";

/** Longest accepted reason for an account-status change. */
export const MAX_REASON_LENGTH = 500;

/** Where the service keeps status changes when no database is given (unit tests): nowhere but memory. */
const IN_MEMORY: AccountRepository = { recordStatusChange: async () => undefined };

/**
 * The user-profile operations. Accounts and the status audit trail are read from the database at start
 * (see account.repository.ts) and served from memory; a status change is written to the database before it
 * is applied, so a restart keeps it. Batch methods return one entry per id, in order, null for unknown ids.
 */
export class UserProfileService {
  readonly #users: ReadonlyMap<string, User>;
  readonly #status = new Map<string, AccountStatus>();
  readonly #history: StatusChange[] = [];

  constructor(
    users: readonly User[],
    private readonly now: () => Date = () => new Date(),
    private readonly accounts: AccountRepository = IN_MEMORY,
    history: readonly StatusChange[] = [],
  ) {
    this.#users = new Map(users.map((u) => [u.id, u]));
    for (const change of history) this.#apply(change);
  }

  #apply(change: StatusChange): void {
    this.#status.set(change.userId, change.status);
    this.#history.push(change);
  }

  get userCount(): number {
    return this.#users.size;
  }

  usersByIds(ids: readonly string[]): (User | null)[] {
    return ids.map((id) => this.#users.get(id) ?? null);
  }

  /** The caller's own id, or null for an anonymous caller or a service without a user. */
  callerId(ctx: RequestContext): string | null {
    return ctx.userId;
  }

  accountStatus(userId: string): AccountStatus {
    return this.#status.get(userId) ?? AccountStatus.ACTIVE;
  }

  /** Sets a user's account status. Authorisation (service:ops) is declared on the mutation, not checked here. */
  async setAccountStatus(
    ctx: RequestContext,
    userId: string,
    status: AccountStatus,
    reason: string,
  ): Promise<User> {
    const user = this.#users.get(userId);
    if (user === undefined) throw notFound("User", userId);
    const trimmed = reason.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_REASON_LENGTH) {
      throw badUserInput(`reason must be 1 to ${MAX_REASON_LENGTH} characters`, "reason");
    }
    const change: StatusChange = {
      userId,
      status,
      reason: trimmed,
      by: ctx.userId ?? ctx.identity.scopes.join(" "),
      at: this.now().toISOString(),
    };
    await this.accounts.recordStatusChange(change);
    this.#apply(change);
    ctx.log.info({ change }, "account status changed");
    return user;
  }

  /** Audit trail of status changes for one user, oldest first. */
  statusHistory(userId: string): readonly StatusChange[] {
    return this.#history.filter((c) => c.userId === userId);
  }
}
