import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { NdjsonAppender, readNdjson, redisClient, redisCommand, type Logger, type Redis } from "@aisle/kit";
import type { ShipmentEventKind } from "./shipment.type.ts";

/** A carrier scan as received (the journal stores applied scans only). */
export interface EventInput {
  readonly eventId: string;
  readonly shipmentId: string;
  readonly kind: ShipmentEventKind;
  readonly at: Date;
  readonly detail?: string | null;
}

/**
 * Where applied scans survive a restart, and how replicas share them. It holds an anchor time, the moment the
 * demo's open shipments are seeded from (so every start, and every replica, seeds the same shipments), and
 * the applied scans in the order they were applied.
 *
 * A journal keeps a read position. `read` returns what was appended since it (the whole journal after
 * `rewind`); `append` writes only if nothing was appended since it, so a writer always validates a scan
 * against every scan before it: replicas sharing a journal build the same state from the same order.
 */
export interface TrackingJournal {
  readonly kind: "memory" | "file" | "redis";
  /** True when a start should read the journal at once (it may hold scans): file with entries, Redis. */
  readonly replayAtStart: boolean;
  /** The anchor time (epoch ms), the same for every process sharing the journal. */
  anchor(): Promise<number>;
  /** Scans appended since the read position, in journal order; moves the position to the end. */
  read(): Promise<readonly EventInput[]>;
  /**
   * Appends `events` if nothing was appended since the read position; resolves true once they are durable
   * (the position then follows them), false when another writer appended first (nothing written: read,
   * validate again, retry).
   */
  append(events: readonly EventInput[]): Promise<boolean>;
  /** Moves the read position to the start: the next `read` returns every scan (to rebuild state). */
  rewind(): void;
  close(): Promise<void>;
}

interface StoredEvent {
  eventId: string;
  shipmentId: string;
  kind: ShipmentEventKind;
  at: string;
  detail: string | null;
}

const stored = (e: EventInput): StoredEvent => ({
  eventId: e.eventId,
  shipmentId: e.shipmentId,
  kind: e.kind,
  at: e.at.toISOString(),
  detail: e.detail ?? null,
});
const restored = (e: StoredEvent): EventInput => ({ ...e, at: new Date(e.at) });

/** A journal one process owns: its scans in memory, `write` making them durable first (or not at all). */
function ownedJournal(
  kind: "memory" | "file",
  anchor: number,
  events: EventInput[],
  write: (batch: readonly EventInput[]) => Promise<void>,
  close: () => Promise<void>,
): TrackingJournal {
  let position = 0;
  return {
    kind,
    replayAtStart: events.length > 0,
    anchor: async () => anchor,
    async read() {
      const unread = events.slice(position);
      position = events.length;
      return unread;
    },
    async append(batch) {
      // One process appends, through its queue: nothing can have been appended since its last read.
      if (position !== events.length) return false;
      await write(batch);
      events.push(...batch);
      position = events.length;
      return true;
    },
    rewind: () => void (position = 0),
    close,
  };
}

/** Scans kept in process memory only: a restart forgets them (the demo default). */
export function memoryJournal(anchor: number): TrackingJournal {
  return ownedJournal(
    "memory",
    anchor,
    [],
    async () => undefined,
    async () => undefined,
  );
}

export const JOURNAL_FILE = "shipment-events.ndjson";

type JournalLine = { readonly anchor: number } | { readonly event: StoredEvent };

/**
 * Scans in `<dir>/shipment-events.ndjson`, appended with fdatasync (group commit) before a mutation answers.
 * A torn last line from a crash is skipped: its mutation never answered. One process owns the file.
 */
export async function fileJournal(dir: string, now: number): Promise<TrackingJournal> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, JOURNAL_FILE);
  const lines = readNdjson<JournalLine>(path);
  const appender = new NdjsonAppender(path);
  const first = lines.find((l): l is { anchor: number } => "anchor" in l && Number.isFinite(l.anchor));
  const anchor = first?.anchor ?? now;
  if (first === undefined) await appender.append(JSON.stringify({ anchor }));
  const events = lines.flatMap((l) => ("event" in l ? [restored(l.event)] : []));
  return ownedJournal(
    "file",
    anchor,
    events,
    async (batch) => {
      await Promise.all(batch.map((e) => appender.append(JSON.stringify({ event: stored(e) }))));
    },
    () => appender.close(),
  );
}

/**
 * Appends the scans (ARGV[2..]) to the stream only if its last entry is ARGV[1] (`0-0`: empty), all or
 * none. Returns {1, new last id} or {0, the last id found}.
 */
const APPEND_LUA = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local lastId = '0-0'
if #last > 0 then lastId = last[1][1] end
if lastId ~= ARGV[1] then return {0, lastId} end
for i = 2, #ARGV do lastId = redis.call('XADD', KEYS[1], '*', 'scan', ARGV[i]) end
return {1, lastId}
`;

type JournalRedis = Redis & {
  scanJournalAppend(stream: string, expectedLast: string, ...scans: string[]): Promise<[number, string]>;
};

export interface RedisJournalOptions {
  readonly url: string;
  /** The stream's key; the anchor is `<key>:anchor`. */
  readonly key: string;
  /** Bound on one Redis call (including waiting for the connection), ms. */
  readonly timeoutMs: number;
  /** The anchor this process proposes; the first process to set it wins. */
  readonly now: number;
  readonly log: Logger;
}

/** Scans read per XRANGE page. */
const PAGE = 1_000;

/**
 * Production: one Redis stream shared by every logistics replica, one entry per applied scan, in the order
 * they were applied. An append is a Lua script that writes only when the stream still ends where this replica
 * last read (optimistic concurrency), so no replica ever acknowledges a scan that was not validated against
 * every scan before it, and a scan id is in the stream at most once. Nothing is trimmed: the stream is the
 * system of record (keep it on a Redis with an fsync'd append-only file). While Redis is unreachable, reads
 * and appends reject (RedisUnavailableError); there is no local spool, since a scan spooled on one replica
 * would not be ordered against the others' (carriers resend; a resent scan is a duplicate, not a second one).
 */
export function redisJournal(options: RedisJournalOptions): TrackingJournal {
  const redis = redisClient({
    url: options.url,
    name: "logistics-journal",
    log: options.log,
    commandTimeoutMs: options.timeoutMs,
  }) as JournalRedis;
  redis.defineCommand("scanJournalAppend", { numberOfKeys: 1, lua: APPEND_LUA });
  const call = <T>(what: string, command: (client: JournalRedis) => Promise<T>): Promise<T> =>
    redisCommand(redis, options.timeoutMs, `scan journal ${what}`, (client) =>
      command(client as JournalRedis),
    );
  let anchor: number | undefined;
  let position = "0-0";
  return {
    kind: "redis",
    replayAtStart: true,
    async anchor() {
      if (anchor !== undefined) return anchor;
      const key = `${options.key}:anchor`;
      const value = await call("anchor", async (client) => {
        await client.set(key, String(options.now), "NX");
        return client.get(key);
      });
      const parsed = Number(value);
      if (!Number.isFinite(parsed)) throw new Error(`${key} holds ${JSON.stringify(value)}, not a time`);
      return (anchor = parsed);
    },
    async read() {
      const events: EventInput[] = [];
      // The position moves only once every page is read: a read that fails half-way returns nothing.
      let cursor = position;
      for (;;) {
        const start = cursor === "0-0" ? "-" : `(${cursor}`;
        const page = await call("read", (client) => client.xrange(options.key, start, "+", "COUNT", PAGE));
        for (const [id, fields] of page) {
          const raw = fields[fields.indexOf("scan") + 1];
          if (raw !== undefined) events.push(restored(JSON.parse(raw) as StoredEvent));
          cursor = id;
        }
        if (page.length < PAGE) break;
      }
      position = cursor;
      return events;
    },
    async append(batch) {
      if (batch.length === 0) return true;
      const [ok, last] = await call("append", (client) =>
        client.scanJournalAppend(options.key, position, ...batch.map((e) => JSON.stringify(stored(e)))),
      );
      if (ok !== 1) return false;
      position = last;
      return true;
    },
    rewind: () => void (position = "0-0"),
    close: async () => void redis.disconnect(),
  };
}
