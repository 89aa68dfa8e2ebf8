import type { User } from "@aisle/world";
import { badUserInput, notFound, type RequestContext } from "@aisle/kit";
import { AccountStatus } from "./user.type.ts";

/** Longest accepted reason for an account-status change. */
export const MAX_REASON_LENGTH = 500;

/** One account-status change, kept for audit. */
export interface StatusChange {
  readonly userId: string;
  readonly status: AccountStatus;
  readonly reason: string;
  /** Who made the change: the caller's user id, or its scopes for a service without one. */
  readonly by: string;
  readonly at: string;
}

/**
 * The user-profile operations. Profiles come from a fixed snapshot (the demo world); account statuses are
 * kept in memory for the life of the process (a restart reinstates everyone), which is enough to demonstrate
 * service-only mutations. Batch methods return one entry per id, in order, null for unknown ids.
 */
export class UserProfileService {
  readonly #users: ReadonlyMap<string, User>;
  readonly #status = new Map<string, AccountStatus>();
  readonly #history: StatusChange[] = [];

  constructor(
    users: readonly User[],
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#users = new Map(users.map((u) => [u.id, u]));
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
  setAccountStatus(ctx: RequestContext, userId: string, status: AccountStatus, reason: string): User {
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
    this.#status.set(userId, status);
    this.#history.push(change);
    ctx.log.info({ change }, "account status changed");
    return user;
  }

  /** Audit trail of status changes for one user, oldest first. */
  statusHistory(userId: string): readonly StatusChange[] {
    return this.#history.filter((c) => c.userId === userId);
  }
}
