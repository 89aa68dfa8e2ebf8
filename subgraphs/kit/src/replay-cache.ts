import type { Logger } from "./logger.ts";
import { redisCall, redisClient, redisReady, type Redis } from "./redis.ts";

/**
 * Remembers the nonces of the gateway signatures a subgraph has accepted, for as long as each signature is
 * valid, so that every signature is accepted once (docs/adr/0003). One per subgraph process.
 */
export interface ReplayCache {
  /**
   * Records `nonce` as used until `expiresAt` (epoch ms). True the first time; false when it was used before
   * (a replay). Never throws: a store that cannot answer falls back to what this process has seen.
   */
  claim(nonce: string, expiresAt: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Longest a nonce is kept, whatever expiry it claims (a signature's own validity is 60 s). */
const MAX_KEEP_MS = 5 * 60_000;

/**
 * The nonces this process has seen, each until its expiry. Enough for one replica of a subgraph; several
 * replicas need a shared store (RedisReplayCache), or a header could be replayed once on each of them.
 */
export class MemoryReplayCache implements ReplayCache {
  /** nonce → expiry (epoch ms), in insertion order, which is about expiry order: sweeping stops early. */
  readonly #seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** How many nonces are held (expired ones are dropped as new ones arrive). */
  get size(): number {
    return this.#seen.size;
  }

  claim(nonce: string, expiresAt: number): Promise<boolean> {
    return Promise.resolve(this.claimNow(nonce, expiresAt));
  }

  /** `claim` without the promise. */
  claimNow(nonce: string, expiresAt: number): boolean {
    const now = this.now();
    this.#sweep(now);
    const held = this.#seen.get(nonce);
    if (held !== undefined && held >= now) return false;
    this.#seen.delete(nonce);
    this.#seen.set(nonce, Math.min(expiresAt, now + MAX_KEEP_MS));
    return true;
  }

  #sweep(now: number): void {
    for (const [nonce, expiresAt] of this.#seen) {
      if (expiresAt >= now) return;
      this.#seen.delete(nonce);
    }
  }

  close(): Promise<void> {
    this.#seen.clear();
    return Promise.resolve();
  }
}

export interface RedisReplayCacheOptions {
  readonly client: Redis;
  /** Prefix of the keys (`<prefix><nonce>`). */
  readonly prefix: string;
  /** Bound on one Redis call, ms; past it the process's own memory decides. */
  readonly timeoutMs: number;
  readonly log: Logger;
  /** Disconnect the client on close (true when the cache made it). Default false. */
  readonly ownsClient?: boolean;
  readonly now?: () => number;
  /** At most one "checked locally only" warning per this many ms. Default 10000. */
  readonly warnEveryMs?: number;
}

/**
 * Nonces shared by every replica of every subgraph in Redis (`SET key 1 PX <ttl> NX`: one round trip, the
 * first claimant wins). Each claim is also recorded in the process's memory, which answers alone while Redis
 * cannot: a Redis outage then leaves replays across replicas possible (once per replica, same body, same
 * subgraph, within the signature's validity) rather than taking every subgraph down with it.
 */
export class RedisReplayCache implements ReplayCache {
  readonly #options: RedisReplayCacheOptions;
  readonly #local: MemoryReplayCache;
  readonly #now: () => number;
  #lastWarning = -Infinity;
  #unchecked = 0;

  constructor(options: RedisReplayCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#local = new MemoryReplayCache(this.#now);
  }

  async claim(nonce: string, expiresAt: number): Promise<boolean> {
    if (!this.#local.claimNow(nonce, expiresAt)) return false;
    const ttlMs = Math.max(1, Math.min(expiresAt - this.#now(), MAX_KEEP_MS));
    const { client, prefix, timeoutMs } = this.#options;
    try {
      const reply = await redisCall(
        client.set(`${prefix}${nonce}`, "1", "PX", ttlMs, "NX"),
        timeoutMs,
        "replay cache claim",
      );
      return reply === "OK";
    } catch (error) {
      this.#warn(error);
      return true;
    }
  }

  #warn(error: unknown): void {
    this.#unchecked += 1;
    const now = this.#now();
    if (now - this.#lastWarning < (this.#options.warnEveryMs ?? 10_000)) return;
    this.#options.log.warn(
      { err: error instanceof Error ? error.message : String(error), unchecked: this.#unchecked },
      "replay cache: Redis did not answer; signatures checked against this process's memory only",
    );
    this.#lastWarning = now;
    this.#unchecked = 0;
  }

  async close(): Promise<void> {
    await this.#local.close();
    if (this.#options.ownsClient === true) this.#options.client.disconnect();
  }
}

/** Where a subgraph keeps the nonces of accepted signatures (see the subgraph's AISLE_REPLAY_* settings). */
export interface ReplayCacheConfig {
  readonly store: "memory" | "redis";
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly timeoutMs: number;
}

/**
 * The replay cache a subgraph's config asks for. With Redis, waits (up to `readyWithinMs`) for the connection,
 * since commands sent before it is up fail at once and would be checked against memory only; a Redis that is
 * down at start is not fatal (warned, then used as soon as it is back).
 */
export async function createReplayCache(
  config: ReplayCacheConfig,
  log: Logger,
  readyWithinMs = 2_000,
): Promise<ReplayCache> {
  if (config.store === "memory") return new MemoryReplayCache();
  const client = redisClient({
    url: config.redisUrl,
    name: "replay-cache",
    log,
    commandTimeoutMs: config.timeoutMs,
  });
  if (!(await redisReady(client, readyWithinMs))) {
    log.warn(
      { redisUrl: config.redisUrl.replace(/\/\/[^@/]*@/, "//***@") },
      "replay cache: Redis not reachable at start; checking signatures against this process's memory until it is",
    );
  }
  return new RedisReplayCache({
    client,
    prefix: config.keyPrefix,
    timeoutMs: config.timeoutMs,
    log,
    ownsClient: true,
  });
}
