import {
  createLogger,
  redisCall,
  redisClient,
  redisCommand,
  redisReady,
  RedisUnavailableError,
  ReplyError,
  type Logger,
  type Redis,
} from "@aisle/kit";
import type { ActivityEvent } from "./activity.features.ts";

/** One delivered stream entry: ack it (by `deliveryId`) once its effect is durable. */
export interface Delivery {
  readonly deliveryId: string;
  readonly event: ActivityEvent;
}

/**
 * A durable, consumer-grouped stream of accepted events (at-least-once). `read` first hands back this
 * consumer's deliveries that were never acked (what a killed updater left behind), then new entries.
 */
export interface EventStream {
  readonly kind: "memory" | "redis";
  append(events: readonly ActivityEvent[]): Promise<void>;
  read(consumer: string, count: number, blockMs: number): Promise<Delivery[]>;
  ack(deliveryIds: readonly string[]): Promise<void>;
  /**
   * Entries in stream order after `after` (null: from the start), at most `count`, whether delivered or not:
   * the replay a rebuild of the features reads. `next` is the cursor of the following page.
   */
  range(after: string | null, count: number): Promise<{ deliveries: Delivery[]; next: string | null }>;
  /** Entries delivered and not yet acked (all consumers). */
  pendingCount(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The embedded default: a queue in this process with the same delivery rules as a Redis consumer group
 * (pending per consumer until acked). Durable only for the life of the process.
 */
export class MemoryEventStream implements EventStream {
  readonly kind = "memory";
  readonly #entries: { id: string; event: ActivityEvent }[] = [];
  readonly #pending = new Map<string, { consumer: string; event: ActivityEvent }>();
  #next = 0;
  #sequence = 0;
  #waiters: (() => void)[] = [];

  async append(events: readonly ActivityEvent[]): Promise<void> {
    for (const event of events) this.#entries.push({ id: `${Date.now()}-${this.#sequence++}`, event });
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async read(consumer: string, count: number, blockMs: number): Promise<Delivery[]> {
    const own = [...this.#pending.entries()]
      .filter(([, p]) => p.consumer === consumer)
      .slice(0, count)
      .map(([deliveryId, p]) => ({ deliveryId, event: p.event }));
    if (own.length > 0) return own;
    if (this.#next >= this.#entries.length && blockMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== wake);
          resolve();
        }, blockMs);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        this.#waiters.push(wake);
      });
    }
    const fresh = this.#entries.slice(this.#next, this.#next + count);
    this.#next += fresh.length;
    for (const entry of fresh) this.#pending.set(entry.id, { consumer, event: entry.event });
    return fresh.map((entry) => ({ deliveryId: entry.id, event: entry.event }));
  }

  async ack(deliveryIds: readonly string[]): Promise<void> {
    for (const id of deliveryIds) this.#pending.delete(id);
  }

  async range(after: string | null, count: number): Promise<{ deliveries: Delivery[]; next: string | null }> {
    const from = after === null ? 0 : this.#entries.findIndex((entry) => entry.id === after) + 1;
    const page = this.#entries.slice(from, from + count);
    return {
      deliveries: page.map((entry) => ({ deliveryId: entry.id, event: entry.event })),
      next: page.at(-1)?.id ?? after,
    };
  }

  async pendingCount(): Promise<number> {
    return this.#pending.size;
  }

  async close(): Promise<void> {
    for (const wake of this.#waiters) wake();
    this.#waiters = [];
  }
}

export interface RedisEventStreamOptions {
  readonly url: string;
  /** Stream key, e.g. aisle:events:behaviour. */
  readonly key: string;
  /** Consumer group name. Default feature-updater. */
  readonly group?: string;
  /** Approximate cap on the stream length (XADD MAXLEN ~). Default 1,000,000. */
  readonly maxLength?: number;
  /** Bound on one append, ack or range read, ms: past it (or with Redis down) the call fails. Default 500. */
  readonly timeoutMs?: number;
  /** Longest BLOCK of a read, ms (longer asks are cut to it). Default 1000. */
  readonly maxBlockMs?: number;
  /** Where connection warnings go (throttled by the kit's Redis policy). Default: an "event-stream" logger. */
  readonly log?: Logger;
}

const isNoGroup = (error: unknown): boolean =>
  error instanceof ReplyError && String((error as Error).message).startsWith("NOGROUP");

/**
 * Redis Streams with a consumer group: XADD to append (one MULTI per batch: all or none), XREADGROUP to
 * consume (own pending entries first, with id 0, then new ones with `>` and BLOCK), XACK after the features
 * are written. Blocking reads use a connection of their own so appends never wait behind them. Both
 * connections follow the kit's Redis policy (fail fast, reconnect in the background), and every call is
 * bounded: an append while Redis is down rejects within `timeoutMs` instead of being queued.
 *
 * A Redis that restarts empty loses the stream and its group: a read or ack that meets NOGROUP recreates
 * both (XGROUP CREATE ... 0 MKSTREAM, so entries appended since the restart are read too) and carries on.
 */
export class RedisEventStream implements EventStream {
  readonly kind = "redis";
  readonly key: string;
  readonly group: string;
  readonly #writer: Redis;
  readonly #reader: Redis;
  readonly #maxLength: number;
  readonly #timeoutMs: number;
  readonly #maxBlockMs: number;
  readonly #log: Logger;
  #groupReady: Promise<void> | undefined;
  #groupsCreated = 0;

  constructor(options: RedisEventStreamOptions) {
    this.key = options.key;
    this.group = options.group ?? "feature-updater";
    this.#maxLength = options.maxLength ?? 1_000_000;
    this.#timeoutMs = options.timeoutMs ?? 500;
    this.#maxBlockMs = options.maxBlockMs ?? 1_000;
    this.#log = options.log ?? createLogger("event-stream");
    this.#writer = redisClient({
      url: options.url,
      name: "event-stream:writer",
      log: this.#log,
      commandTimeoutMs: this.#timeoutMs,
    });
    this.#reader = redisClient({
      url: options.url,
      name: "event-stream:reader",
      log: this.#log,
      commandTimeoutMs: this.#maxBlockMs + this.#timeoutMs,
    });
  }

  /** How many times this process created the consumer group (1 at first use, +1 per Redis that lost it). */
  get groupsCreated(): number {
    return this.#groupsCreated;
  }

  /** Waits (at most `ms`) for both connections; false when Redis is not reachable yet. */
  async ready(ms: number): Promise<boolean> {
    const [writer, reader] = await Promise.all([redisReady(this.#writer, ms), redisReady(this.#reader, ms)]);
    return writer && reader;
  }

  #ensureGroup(): Promise<void> {
    this.#groupReady ??= redisCommand(this.#writer, this.#timeoutMs, "event stream group", (redis) =>
      redis.xgroup("CREATE", this.key, this.group, "0", "MKSTREAM"),
    ).then(
      () => {
        this.#groupsCreated += 1;
        if (this.#groupsCreated > 1)
          this.#log.warn(
            { stream: this.key, group: this.group },
            "event stream consumer group was missing (Redis restarted empty?); recreated it",
          );
      },
      (error: unknown) => {
        if (!String((error as Error).message).includes("BUSYGROUP")) {
          this.#groupReady = undefined;
          throw error;
        }
      },
    );
    return this.#groupReady;
  }

  /** Runs `call`; on NOGROUP (the stream or group is gone) recreates the group once and runs it again. */
  async #withGroup<T>(call: () => Promise<T>): Promise<T> {
    await this.#ensureGroup();
    try {
      return await call();
    } catch (error) {
      if (!isNoGroup(error)) throw error;
      this.#groupReady = undefined;
      await this.#ensureGroup();
      return call();
    }
  }

  /** Resolves once every event is in the stream (XADD acknowledged); rejects, having appended none, else. */
  async append(events: readonly ActivityEvent[]): Promise<void> {
    if (events.length === 0) return;
    const results = await redisCommand(this.#writer, this.#timeoutMs, "event stream append", (redis) => {
      const multi = redis.multi();
      for (const event of events) {
        multi.xadd(this.key, "MAXLEN", "~", String(this.#maxLength), "*", "e", JSON.stringify(event));
      }
      return multi.exec();
    });
    if (results === null) throw new RedisUnavailableError("event stream append: transaction discarded");
    const failed = results.find(([error]) => error !== null);
    if (failed?.[0]) throw failed[0];
  }

  async read(consumer: string, count: number, blockMs: number): Promise<Delivery[]> {
    const block = Math.min(blockMs, this.#maxBlockMs);
    return this.#withGroup(async () => {
      const own = await redisCommand(this.#reader, this.#timeoutMs, "event stream read", (redis) =>
        redis.xreadgroup("GROUP", this.group, consumer, "COUNT", count, "STREAMS", this.key, "0"),
      );
      const pending = parseEntries(own);
      if (pending.length > 0) return pending;
      const fresh = await redisCall(
        block > 0
          ? this.#reader.xreadgroup(
              "GROUP",
              this.group,
              consumer,
              "COUNT",
              count,
              "BLOCK",
              block,
              "STREAMS",
              this.key,
              ">",
            )
          : this.#reader.xreadgroup("GROUP", this.group, consumer, "COUNT", count, "STREAMS", this.key, ">"),
        block + this.#timeoutMs,
        "event stream read",
      );
      return parseEntries(fresh);
    });
  }

  async range(after: string | null, count: number): Promise<{ deliveries: Delivery[]; next: string | null }> {
    const reply = await redisCommand(this.#writer, this.#timeoutMs, "event stream range", (redis) =>
      redis.xrange(this.key, after === null ? "-" : `(${after}`, "+", "COUNT", count),
    );
    const deliveries = parseEntries([[this.key, reply]]);
    return { deliveries, next: deliveries.at(-1)?.deliveryId ?? after };
  }

  async ack(deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    await redisCommand(this.#writer, this.#timeoutMs, "event stream ack", (redis) =>
      redis.xack(this.key, this.group, ...deliveryIds),
    );
  }

  async pendingCount(): Promise<number> {
    return this.#withGroup(async () => {
      const summary = (await redisCommand(this.#writer, this.#timeoutMs, "event stream pending", (redis) =>
        redis.xpending(this.key, this.group),
      )) as [number, ...unknown[]];
      return Number(summary[0]);
    });
  }

  /** Deletes the stream (tests). */
  async destroy(): Promise<void> {
    await this.#writer.del(this.key);
    this.#groupReady = undefined;
  }

  async close(): Promise<void> {
    this.#reader.disconnect();
    this.#writer.disconnect();
  }
}

type StreamReply = [string, [string, string[]][]][] | null | unknown;

function parseEntries(reply: StreamReply): Delivery[] {
  if (!Array.isArray(reply)) return [];
  const deliveries: Delivery[] = [];
  for (const stream of reply as [string, [string, string[] | null][]][]) {
    for (const [id, fields] of stream[1]) {
      // A pending entry trimmed from the stream comes back with null fields: ack it away.
      const index = fields?.indexOf("e") ?? -1;
      const raw = index >= 0 ? fields?.[index + 1] : undefined;
      if (raw === undefined) {
        deliveries.push({ deliveryId: id, event: TRIMMED });
        continue;
      }
      deliveries.push({ deliveryId: id, event: JSON.parse(raw) as ActivityEvent });
    }
  }
  return deliveries;
}

/** Marker for an entry whose body is gone; the updater acks it without applying. */
export const TRIMMED: ActivityEvent = Object.freeze({
  id: "",
  userId: "",
  type: "search",
  productId: null,
  query: null,
  at: 0,
  receivedAt: 0,
  device: "",
  surface: "",
});
