import { z } from "zod";
import { createLogger, parseEnv, redisClient, redisCommand, type Logger, type Redis } from "@aisle/kit";

/**
 * What a search showed: the query and the products of one page at their 1-based positions. Clicks, carts and
 * purchases come back through `recordEvents` with the hits' attribution tokens (list id = `searchId`), so the
 * log and the event stream together are the search behaviour a ranker learns from
 * (models/search/export-behaviour.ts writes them as events.ndjson).
 */
export interface SearchImpression {
  readonly searchId: string;
  readonly query: string;
  /** Position of the first product (offset + 1 on later pages). */
  readonly firstPosition: number;
  readonly productIds: readonly string[];
  /** The ranking that ordered the page, e.g. `search-ranker@2.0.0`. */
  readonly modelVersion: string;
  readonly at: number;
}

/**
 * Where impressions go. `record` never fails a search and never waits for it: the log is for learning, and a
 * lost entry costs one search's worth of training signal, where a failed search costs a shopper.
 */
export interface SearchLog {
  readonly kind: "off" | "memory" | "redis";
  record(impression: SearchImpression): void;
  /** Entries after `after` (null: from the start), at most `count`, in order; `next` is the following cursor. */
  range(after: string | null, count: number): Promise<{ entries: SearchImpression[]; next: string | null }>;
  /** Resolves once every `record` so far has been written or dropped (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export const searchLogEnvShape = {
  /**
   * Where the search subgraph logs what each search showed: `off`, `memory` (this process; the embedded
   * default) or `redis` (a stream beside the behaviour events, for export and training). Default memory.
   */
  SEARCH_LOG: z.enum(["off", "memory", "redis"]).default("memory"),
  /** Redis of the search log. Default: EVENT_STREAM_REDIS_URL, then REDIS_URL. */
  SEARCH_LOG_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  /** Stream key. Default aisle:search-log. */
  SEARCH_LOG_KEY: z.string().min(1).default("aisle:search-log"),
  /** Entries kept (approximate trim). Default 1,000,000. */
  SEARCH_LOG_MAX_ENTRIES: z.coerce.number().int().min(1).default(1_000_000),
};

export class OffSearchLog implements SearchLog {
  readonly kind = "off";
  record(): void {}
  async range(after: string | null): Promise<{ entries: SearchImpression[]; next: string | null }> {
    return { entries: [], next: after };
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * The most recent `maxEntries` impressions of this process (default 10,000 pages: a few MB), the embedded
 * default; nothing outside the process can export it.
 */
export class MemorySearchLog implements SearchLog {
  readonly kind = "memory";
  readonly #entries: { id: number; impression: SearchImpression }[] = [];
  #sequence = 0;

  constructor(private readonly maxEntries = 10_000) {}

  record(impression: SearchImpression): void {
    this.#entries.push({ id: (this.#sequence += 1), impression });
    if (this.#entries.length > this.maxEntries)
      this.#entries.splice(0, this.#entries.length - this.maxEntries);
  }

  async range(
    after: string | null,
    count: number,
  ): Promise<{ entries: SearchImpression[]; next: string | null }> {
    const from = after === null ? 0 : Number(after);
    const page = this.#entries.filter((e) => e.id > from).slice(0, count);
    const last = page.at(-1);
    return { entries: page.map((e) => e.impression), next: last === undefined ? after : String(last.id) };
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

const TIMEOUT_MS = 200;

/** A Redis stream, one entry per search page (`XADD … MAXLEN ~`). */
export class RedisSearchLog implements SearchLog {
  readonly kind = "redis";
  readonly #redis: Redis;
  readonly #pending = new Set<Promise<void>>();
  #dropped = 0;

  constructor(
    private readonly options: { url: string; key: string; maxEntries: number; log?: Logger },
    private readonly log: Logger = options.log ?? createLogger("search-log"),
  ) {
    this.#redis = redisClient({
      url: options.url,
      name: "search-log",
      log: this.log,
      commandTimeoutMs: TIMEOUT_MS,
    });
  }

  /** Impressions that could not be written (Redis down or slow). */
  get dropped(): number {
    return this.#dropped;
  }

  record(impression: SearchImpression): void {
    const write = redisCommand(this.#redis, TIMEOUT_MS, "search log append", (redis) =>
      redis.xadd(
        this.options.key,
        "MAXLEN",
        "~",
        String(this.options.maxEntries),
        "*",
        "s",
        JSON.stringify(impression),
      ),
    ).then(
      () => undefined,
      (error: unknown) => {
        this.#dropped += 1;
        // The Redis client already logs outages (throttled); one line per thousand drops says what it cost.
        if (this.#dropped % 1000 === 1)
          this.log.warn({ err: error, dropped: this.#dropped }, "search impressions not logged");
      },
    );
    this.#pending.add(write);
    void write.finally(() => this.#pending.delete(write));
  }

  async range(
    after: string | null,
    count: number,
  ): Promise<{ entries: SearchImpression[]; next: string | null }> {
    const reply = await redisCommand(this.#redis, 5_000, "search log range", (redis) =>
      redis.xrange(this.options.key, after === null ? "-" : `(${after}`, "+", "COUNT", count),
    );
    const entries = reply.map(([, fields]) => JSON.parse(fields[1] ?? "null") as SearchImpression);
    return { entries, next: reply.at(-1)?.[0] ?? after };
  }

  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.#redis.disconnect();
  }
}

export function openSearchLog(source: Readonly<Record<string, string | undefined>>, log: Logger): SearchLog {
  const config = parseEnv(searchLogEnvShape, source);
  if (config.SEARCH_LOG === "off") return new OffSearchLog();
  if (config.SEARCH_LOG === "memory") return new MemorySearchLog();
  const url =
    config.SEARCH_LOG_REDIS_URL ??
    source["EVENT_STREAM_REDIS_URL"] ??
    source["REDIS_URL"] ??
    "redis://127.0.0.1:6379";
  return new RedisSearchLog({
    url,
    key: config.SEARCH_LOG_KEY,
    maxEntries: config.SEARCH_LOG_MAX_ENTRIES,
    log,
  });
}
