import { createLogger, redisClient, redisReady, type Logger, type Redis } from "@aisle/kit";

/** Where feature records live. Values are JSON strings; every call is one round trip whatever the key count. */
export interface FeatureBackend {
  readonly kind: "memory" | "redis";
  /** One value per key, in key order; null when absent. */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** Writes all entries in one round trip; `ttlSeconds` makes them expire. */
  mset(entries: readonly (readonly [string, string])[], ttlSeconds?: number): Promise<void>;
  /** Deletes keys; resolves the number deleted. */
  del(keys: readonly string[]): Promise<number>;
  /** Sets `key` only when it is absent, expiring after `ttlMs`; resolves whether it was set (SET NX PX). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** True when the backend answers. */
  ping(): Promise<boolean>;
  /** Waits until connected, at most `timeoutMs`; resolves whether it is. */
  connect(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The embedded default: a Map in this process (no Redis needed). Values survive until the process ends. */
export class MemoryFeatureBackend implements FeatureBackend {
  readonly kind = "memory";
  readonly #values = new Map<string, { value: string; expiresAt: number }>();

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    const now = Date.now();
    return keys.map((key) => {
      const entry = this.#values.get(key);
      if (entry === undefined) return null;
      if (entry.expiresAt <= now) {
        this.#values.delete(key);
        return null;
      }
      return entry.value;
    });
  }

  async mset(entries: readonly (readonly [string, string])[], ttlSeconds?: number): Promise<void> {
    const expiresAt = ttlSeconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlSeconds * 1000;
    for (const [key, value] of entries) this.#values.set(key, { value, expiresAt });
  }

  async del(keys: readonly string[]): Promise<number> {
    return keys.reduce((n, key) => n + (this.#values.delete(key) ? 1 : 0), 0);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if ((await this.mget([key]))[0] !== null) return false;
    this.#values.set(key, { value, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async connect(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.#values.clear();
  }
}

export interface RedisFeatureBackendOptions {
  /** e.g. redis://127.0.0.1:6379 */
  readonly url: string;
  /** ioredis `commandTimeout`: a command unanswered after this rejects. */
  readonly commandTimeoutMs: number;
  /** ioredis `connectTimeout`. Default 1000 ms. */
  readonly connectTimeoutMs?: number;
  /** Where connection warnings go (throttled by the kit's Redis policy). Default: a "feature-store" logger. */
  readonly log?: Logger;
}

/**
 * Redis through the kit's one Redis policy (`redisClient`): fail fast rather than queue, a command timeout,
 * reconnection in the background with a capped back-off, throttled warnings. Reads are one MGET; writes one
 * MSET (or a pipeline of SET EX). The FeatureStore bounds every call with `withDeadline` on top.
 */
export class RedisFeatureBackend implements FeatureBackend {
  readonly kind = "redis";
  readonly client: Redis;

  constructor(options: RedisFeatureBackendOptions) {
    this.client = redisClient({
      url: options.url,
      name: "feature-store",
      log: options.log ?? createLogger("feature-store"),
      commandTimeoutMs: options.commandTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? 1_000,
    });
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.client.mget(...keys);
  }

  async mset(entries: readonly (readonly [string, string])[], ttlSeconds?: number): Promise<void> {
    if (entries.length === 0) return;
    if (ttlSeconds === undefined) {
      await this.client.mset(...entries.flat());
      return;
    }
    const pipeline = this.client.pipeline();
    for (const [key, value] of entries) pipeline.set(key, value, "EX", ttlSeconds);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed?.[0]) throw failed[0];
  }

  async del(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.client.del(...keys);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(key, value, "PX", ttlMs, "NX")) === "OK";
  }

  async ping(): Promise<boolean> {
    return (await this.client.ping()) === "PONG";
  }

  /** Waits for the connection (ready check included); false after `timeoutMs` (reads degrade meanwhile). */
  connect(timeoutMs: number): Promise<boolean> {
    return redisReady(this.client, timeoutMs);
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
