import { Redis } from "ioredis";

/** Where feature records live. Values are JSON strings; every call is one round trip whatever the key count. */
export interface FeatureBackend {
  readonly kind: "memory" | "redis";
  /** One value per key, in key order; null when absent. */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** Writes all entries in one round trip; `ttlSeconds` makes them expire. */
  mset(entries: readonly (readonly [string, string])[], ttlSeconds?: number): Promise<void>;
  /** Deletes keys; resolves the number deleted. */
  del(keys: readonly string[]): Promise<number>;
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
}

/**
 * Redis through ioredis, set up to fail fast rather than queue: no offline queue (a command while
 * disconnected rejects at once), no per-request retries, a command timeout, and reconnection in the
 * background with a capped back-off. Reads are one MGET; writes one MSET (or a pipeline of SET EX).
 */
export class RedisFeatureBackend implements FeatureBackend {
  readonly kind = "redis";
  readonly client: Redis;

  constructor(options: RedisFeatureBackendOptions) {
    this.client = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: options.connectTimeoutMs ?? 1_000,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
    // Connection errors are expected while Redis is down (reads degrade); without a listener they would crash.
    this.client.on("error", () => {});
    this.client.connect().catch(() => {});
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

  async ping(): Promise<boolean> {
    return (await this.client.ping()) === "PONG";
  }

  /** Waits for the connection (ready check included); false after `timeoutMs` (reads degrade meanwhile). */
  connect(timeoutMs: number): Promise<boolean> {
    if (this.client.status === "ready") return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.client.off("ready", onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.on("ready", onReady);
    });
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
