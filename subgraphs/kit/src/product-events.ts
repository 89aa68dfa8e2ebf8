import { z } from "zod";
import type { Logger } from "./logger.ts";
import { redisClient, redisCommand, type Redis } from "./redis.ts";

/**
 * Product-change events: the catalog publishes one per committed write; search, recommendation, pricing and
 * logistics apply them to what they hold. No subgraph imports another, so the event's shape lives here.
 */

/** A product as the catalog stores it, with the facts consumers need that the product row only names. */
export interface ProductSnapshot {
  readonly id: string;
  readonly sku: string;
  readonly title: string;
  readonly description: string;
  readonly categoryId: string;
  /** Category ids from the root down to `categoryId`. */
  readonly categoryPath: readonly string[];
  readonly brand: { readonly id: string; readonly name: string; readonly tier: "budget" | "mid" | "premium" };
  readonly attributes: readonly { readonly name: string; readonly value: string }[];
  readonly imageUrls: readonly string[];
  readonly listPriceMinor: number;
  readonly createdAt: string;
}

export interface ProductChange {
  readonly kind: "created" | "updated" | "archived";
  readonly productId: string;
  /** The product's version after the write; consumers apply a product's changes in version order, once. */
  readonly version: number;
  /** The product after the write (before it, for `archived`). */
  readonly product: ProductSnapshot;
  readonly at: string;
}

export type ProductChangeHandler = (change: ProductChange) => Promise<void>;

export interface ProductEventBus {
  readonly kind: "memory" | "redis";
  /** Resolves once the change is durable on the bus (Redis) or handed to every subscriber (memory). */
  publish(change: ProductChange): Promise<void>;
  /**
   * Calls `handler` for each change the bus still holds (replay: a consumer that starts late, or restarts,
   * catches up), then for each change published later; at most once per product version and never for a
   * version older than one already handled (idempotent, ordered per product). Returns the unsubscriber.
   */
  subscribe(consumer: string, handler: ProductChangeHandler): () => void;
  close(): Promise<void>;
}

/** Skips changes at or below the version already handled for their product. */
function idempotent(handler: ProductChangeHandler, log: Logger, consumer: string): ProductChangeHandler {
  const handled = new Map<string, number>();
  let queue = Promise.resolve();
  return (change) => {
    // One at a time, in arrival order: a slow consumer never sees version 3 before version 2 is applied.
    queue = queue.then(async () => {
      if (change.version <= (handled.get(change.productId) ?? 0)) return;
      try {
        await handler(change);
        handled.set(change.productId, change.version);
      } catch (error) {
        log.error(
          { err: error, consumer, productId: change.productId, version: change.version },
          "product change not applied",
        );
      }
    });
    return queue;
  };
}

/** Most changes an in-process bus keeps for late subscribers (the Redis stream's cap, too). */
export const PRODUCT_EVENTS_KEPT = 100_000;

/** In one process (the demo and the tests): subscribers are called directly, in order; the log is replayed to late ones. */
export class InProcessProductEventBus implements ProductEventBus {
  readonly kind = "memory";
  readonly #handlers = new Set<ProductChangeHandler>();
  readonly #log: ProductChange[] = [];
  constructor(private readonly log: Logger) {}

  async publish(change: ProductChange): Promise<void> {
    this.#log.push(change);
    if (this.#log.length > PRODUCT_EVENTS_KEPT) this.#log.splice(0, this.#log.length - PRODUCT_EVENTS_KEPT);
    await Promise.all([...this.#handlers].map((handler) => handler(change)));
  }

  subscribe(consumer: string, handler: ProductChangeHandler): () => void {
    const wrapped = idempotent(handler, this.log, consumer);
    for (const change of this.#log) void wrapped(change);
    this.#handlers.add(wrapped);
    return () => this.#handlers.delete(wrapped);
  }

  async close(): Promise<void> {
    this.#handlers.clear();
  }
}

/**
 * Redis Streams: `publish` is one XADD (capped with MAXLEN ~); each subscriber reads the whole stream from its
 * start, then follows it, with its own blocking connection (fan-out: every replica of every consumer applies
 * every change to its own index), and remembers the last id it read so a reconnect resumes where it stopped.
 */
export class RedisProductEventBus implements ProductEventBus {
  readonly kind = "redis";
  readonly #writer: Redis;
  readonly #readers = new Set<Redis>();
  #closed = false;

  constructor(
    private readonly options: {
      readonly url: string;
      readonly key: string;
      readonly log: Logger;
      readonly maxLen?: number;
    },
  ) {
    this.#writer = redisClient({ url: options.url, name: "product-events:writer", log: options.log });
  }

  /** One XADD, waiting (within 2 s in all) for the connection when it is not up yet. */
  async publish(change: ProductChange): Promise<void> {
    await redisCommand(this.#writer, 2_000, "product-change publish", (client) =>
      client.xadd(
        this.options.key,
        "MAXLEN",
        "~",
        String(this.options.maxLen ?? PRODUCT_EVENTS_KEPT),
        "*",
        "change",
        JSON.stringify(change),
      ),
    );
  }

  subscribe(consumer: string, handler: ProductChangeHandler): () => void {
    const reader = redisClient({
      url: this.options.url,
      name: `product-events:${consumer}`,
      log: this.options.log,
      commandTimeoutMs: 5_000,
    });
    this.#readers.add(reader);
    const wrapped = idempotent(handler, this.options.log, consumer);
    let stopped = false;
    const loop = async () => {
      // From the start: what was published before this subscriber existed is replayed (versions make it harmless).
      let lastId = "0-0";
      while (!stopped && !this.#closed) {
        try {
          const reply = (await reader.xread(
            "COUNT",
            100,
            "BLOCK",
            2_000,
            "STREAMS",
            this.options.key,
            lastId,
          )) as [string, [string, string[]][]][] | null;
          for (const [, entries] of reply ?? []) {
            for (const [id, fields] of entries) {
              lastId = id;
              const raw = fields[fields.indexOf("change") + 1];
              if (raw !== undefined) await wrapped(JSON.parse(raw) as ProductChange);
            }
          }
        } catch {
          if (stopped || this.#closed) return;
          // The connection policy logs the outage; wait a little and read again from the last id.
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    };
    void loop();
    return () => {
      stopped = true;
      this.#readers.delete(reader);
      reader.disconnect();
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const reader of this.#readers) reader.disconnect();
    this.#readers.clear();
    this.#writer.disconnect();
  }
}

export const productEventsEnvShape = {
  /** `memory` (one process: the demo, tests) or `redis` (replicas share the stream). Default memory. */
  PRODUCT_EVENTS: z.enum(["memory", "redis"]).default("memory"),
  /** Redis of the product-change stream; defaults to REDIS_URL. */
  PRODUCT_EVENTS_REDIS_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /** Stream key. */
  PRODUCT_EVENTS_KEY: z.string().min(1).default("aisle:events:product"),
};

const inProcess = new Map<string, InProcessProductEventBus>();
const shared = new Map<string, { bus: RedisProductEventBus; users: number }>();

/**
 * The bus the environment names. In memory, every subgraph of the process shares one bus per stream key (the
 * demo runs all subgraphs in one process; tests set their own key to keep supergraphs apart). Redis buses are
 * shared per URL and key too; `release` closes one when its last user is done.
 */
export function productEventsFromEnv(
  source: Readonly<Record<string, string | undefined>>,
  log: Logger,
): { readonly bus: ProductEventBus; readonly release: () => Promise<void> } {
  const config = z.object(productEventsEnvShape).parse(source);
  if (config.PRODUCT_EVENTS === "memory") {
    let bus = inProcess.get(config.PRODUCT_EVENTS_KEY);
    if (bus === undefined)
      inProcess.set(config.PRODUCT_EVENTS_KEY, (bus = new InProcessProductEventBus(log)));
    return { bus, release: async () => undefined };
  }
  const url = config.PRODUCT_EVENTS_REDIS_URL ?? config.REDIS_URL;
  const id = `${url}\n${config.PRODUCT_EVENTS_KEY}`;
  let entry = shared.get(id);
  if (entry === undefined) {
    entry = { bus: new RedisProductEventBus({ url, key: config.PRODUCT_EVENTS_KEY, log }), users: 0 };
    shared.set(id, entry);
  }
  entry.users += 1;
  const held = entry;
  let released = false;
  return {
    bus: held.bus,
    release: async () => {
      if (released) return;
      released = true;
      held.users -= 1;
      if (held.users === 0) {
        shared.delete(id);
        await held.bus.close();
      }
    },
  };
}
