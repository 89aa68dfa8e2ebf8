import { Redis, ReplyError } from "ioredis";
import { withDeadline } from "./deadline.ts";
import { withSpan } from "./tracing.ts";
import type { Logger } from "./logger.ts";

export { Redis, ReplyError };

/**
 * The one Redis policy of every Aisle process (feature store, event stream, payment-risk, rate limiter,
 * replay cache): how a client behaves while Redis is down comes from here, not from each caller.
 *
 * - Fail fast: no offline queue and no per-request retries, so a command while disconnected rejects at once
 *   and a command in flight when the connection drops rejects on the close; nothing is resent by itself
 *   (a write that may or may not have landed is the caller's to retry, idempotently).
 * - Every command is bounded (`commandTimeoutMs`), and callers bound their whole call with `redisCall`
 *   (the kit's `withDeadline`), so a hung server never holds an answer.
 * - Reconnection runs in the background with an exponential back-off (`reconnectDelayMs`).
 * - Warnings are throttled: one line when the connection goes, at most one per `warnEveryMs` while it stays
 *   down, one line when it is back (with how long it was down).
 */
export interface RedisPolicy {
  /** redis:// or rediss:// URL. */
  readonly url: string;
  /** Who uses the connection, on every log line (e.g. "feature-store", "event-stream:reader"). */
  readonly name: string;
  readonly log: Logger;
  /**
   * Bound on one command, ms (ioredis `commandTimeout`). A blocking read (XREADGROUP BLOCK) needs more than
   * its BLOCK time. Default 1000.
   */
  readonly commandTimeoutMs?: number;
  /** Bound on one connection attempt, ms. Default 1000. */
  readonly connectTimeoutMs?: number;
  /** First reconnection delay, ms; doubles per failed attempt up to `maxBackoffMs`. Default 100. */
  readonly minBackoffMs?: number;
  /** Longest reconnection delay, ms: a Redis that is back is used again within about this long. Default 1000. */
  readonly maxBackoffMs?: number;
  /** At most one "still down" warning per this many ms. Default 10000. */
  readonly warnEveryMs?: number;
  /** ioredis `keyPrefix` for every key of this client. */
  readonly keyPrefix?: string;
  /** Connect at the first command instead of at once. Default false. */
  readonly lazyConnect?: boolean;
}

/** The reconnection delay after `attempt` failed attempts (1-based): min · 2^(attempt-1), capped at max. */
export function reconnectDelayMs(
  attempt: number,
  policy: Pick<RedisPolicy, "minBackoffMs" | "maxBackoffMs">,
) {
  const min = policy.minBackoffMs ?? 100;
  const max = policy.maxBackoffMs ?? 1_000;
  return Math.min(max, min * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

/**
 * Throttled connection warnings: `down(error)` on every connection error, `up()` when ready. Logs one
 * warning when the connection is lost, then at most one per `warnEveryMs` while down, and one line on
 * recovery. `now` is injectable for tests.
 */
export class ConnectionWarnings {
  #downSince: number | null = null;
  #lastWarning = 0;
  #suppressed = 0;

  constructor(
    private readonly name: string,
    private readonly log: Logger,
    private readonly warnEveryMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the connection is currently considered down. */
  get isDown(): boolean {
    return this.#downSince !== null;
  }

  down(error: unknown): void {
    const now = this.now();
    const message = error instanceof Error ? error.message : String(error);
    if (this.#downSince === null) {
      this.#downSince = now;
      this.#lastWarning = now;
      this.#suppressed = 0;
      this.log.warn(
        { redis: this.name, err: message },
        "Redis connection lost; failing fast and reconnecting",
      );
      return;
    }
    if (now - this.#lastWarning < this.warnEveryMs) {
      this.#suppressed += 1;
      return;
    }
    this.log.warn(
      { redis: this.name, err: message, downForMs: now - this.#downSince, suppressed: this.#suppressed },
      "Redis still unavailable",
    );
    this.#lastWarning = now;
    this.#suppressed = 0;
  }

  up(): void {
    if (this.#downSince === null) return;
    this.log.info({ redis: this.name, downForMs: this.now() - this.#downSince }, "Redis connection is back");
    this.#downSince = null;
  }
}

/** A client with the policy above. Connection errors never crash the process (they are logged, throttled). */
export function redisClient(policy: RedisPolicy): Redis {
  const client = new Redis(policy.url, {
    lazyConnect: policy.lazyConnect ?? false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: policy.commandTimeoutMs ?? 1_000,
    connectTimeout: policy.connectTimeoutMs ?? 1_000,
    retryStrategy: (attempt) => reconnectDelayMs(attempt, policy),
    ...(policy.keyPrefix === undefined ? {} : { keyPrefix: policy.keyPrefix }),
  });
  const warnings = new ConnectionWarnings(policy.name, policy.log, policy.warnEveryMs ?? 10_000);
  client.on("error", (error: unknown) => warnings.down(error));
  // A connection lost without an error event (server killed, reset) counts as down too; a deliberate
  // disconnect() does not reconnect, so it logs nothing.
  client.on("reconnecting", () => warnings.down(new Error("connection lost")));
  client.on("ready", () => warnings.up());
  return client;
}

/** An outage (connection refused or lost, no answer in time), as opposed to Redis answering an error. */
export class RedisUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RedisUnavailableError";
  }
}

/**
 * Bounds one Redis call: resolves like `promise`, or rejects with RedisUnavailableError after `ms` or when
 * the client fails for want of a connection. A ReplyError (Redis answered, with an error) passes through
 * unchanged: that is a bug or a missing key/group, not an outage.
 */
export async function redisCall<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  // A span from here on (the command is already sent): `what` names the call, e.g. "feature MGET".
  return withSpan(`redis ${what}`, { "db.system.name": "redis" }, () => boundRedisCall(promise, ms, what));
}

async function boundRedisCall<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  try {
    return await withDeadline(
      promise,
      ms,
      () => new RedisUnavailableError(`${what}: no answer within ${ms} ms`),
    );
  } catch (error) {
    if (error instanceof ReplyError || error instanceof RedisUnavailableError) throw error;
    throw new RedisUnavailableError(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** True for RedisUnavailableError and for any failure that is not Redis answering with an error. */
export function isRedisOutage(error: unknown): boolean {
  return error instanceof RedisUnavailableError || (error instanceof Error && !(error instanceof ReplyError));
}

/** Waits until `client` is ready, at most `ms`; resolves whether it is (a Redis down at start is not fatal). */
export function redisReady(client: Redis, ms: number): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  if (client.status === "wait") client.connect().catch(() => {});
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      client.off("ready", onReady);
      resolve(ok);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(false), ms);
    client.on("ready", onReady);
  });
}

/**
 * Runs `command` on `client` within `ms` in all: when the client is not connected yet (start-up, or
 * reconnecting) it waits for the connection inside that same bound instead of queueing, then bounds the
 * command with `redisCall`. Rejects with RedisUnavailableError when Redis is not back in time.
 */
export async function redisCommand<T>(
  client: Redis,
  ms: number,
  what: string,
  command: (client: Redis) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  if (client.status !== "ready" && !(await redisReady(client, ms)))
    throw new RedisUnavailableError(`${what}: Redis not connected within ${ms} ms`);
  return redisCall(command(client), Math.max(1, ms - (performance.now() - started)), what);
}
