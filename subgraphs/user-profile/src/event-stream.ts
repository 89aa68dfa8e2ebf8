import { Redis } from "ioredis";
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
}

/**
 * Redis Streams with a consumer group: XADD to append (one pipeline per batch), XREADGROUP to consume (own
 * pending entries first, with id 0, then new ones with `>` and BLOCK), XACK after the features are written.
 * Blocking reads use a connection of their own so appends never wait behind them.
 */
export class RedisEventStream implements EventStream {
  readonly kind = "redis";
  readonly key: string;
  readonly group: string;
  readonly #writer: Redis;
  readonly #reader: Redis;
  readonly #maxLength: number;
  #groupReady: Promise<void> | undefined;

  constructor(options: RedisEventStreamOptions) {
    this.key = options.key;
    this.group = options.group ?? "feature-updater";
    this.#maxLength = options.maxLength ?? 1_000_000;
    const common = { maxRetriesPerRequest: 1, connectTimeout: 1_000, lazyConnect: false } as const;
    this.#writer = new Redis(options.url, common);
    this.#reader = new Redis(options.url, common);
    this.#writer.on("error", () => {});
    this.#reader.on("error", () => {});
  }

  #ensureGroup(): Promise<void> {
    this.#groupReady ??= this.#writer.xgroup("CREATE", this.key, this.group, "0", "MKSTREAM").then(
      () => undefined,
      (error: unknown) => {
        if (!String((error as Error).message).includes("BUSYGROUP")) {
          this.#groupReady = undefined;
          throw error;
        }
      },
    );
    return this.#groupReady;
  }

  async append(events: readonly ActivityEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#ensureGroup();
    const pipeline = this.#writer.pipeline();
    for (const event of events) {
      pipeline.xadd(this.key, "MAXLEN", "~", String(this.#maxLength), "*", "e", JSON.stringify(event));
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed?.[0]) throw failed[0];
  }

  async read(consumer: string, count: number, blockMs: number): Promise<Delivery[]> {
    await this.#ensureGroup();
    const own = await this.#reader.xreadgroup(
      "GROUP",
      this.group,
      consumer,
      "COUNT",
      count,
      "STREAMS",
      this.key,
      "0",
    );
    const pending = parseEntries(own);
    if (pending.length > 0) return pending;
    const fresh =
      blockMs > 0
        ? await this.#reader.xreadgroup(
            "GROUP",
            this.group,
            consumer,
            "COUNT",
            count,
            "BLOCK",
            blockMs,
            "STREAMS",
            this.key,
            ">",
          )
        : await this.#reader.xreadgroup(
            "GROUP",
            this.group,
            consumer,
            "COUNT",
            count,
            "STREAMS",
            this.key,
            ">",
          );
    return parseEntries(fresh);
  }

  async ack(deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.#writer.xack(this.key, this.group, ...deliveryIds);
  }

  async pendingCount(): Promise<number> {
    await this.#ensureGroup();
    const summary = (await this.#writer.xpending(this.key, this.group)) as [number, ...unknown[]];
    return Number(summary[0]);
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
