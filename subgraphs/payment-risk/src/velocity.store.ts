import type { Redis } from "@aisle/kit";

/** The entities whose payments are counted. */
export const VELOCITY_ENTITIES = ["user", "paymentMethod", "device", "ip", "emailDomain"] as const;
export type VelocityEntity = (typeof VELOCITY_ENTITIES)[number];
/**
 * Entities whose amount sums are computed by default: the ones the model uses. Sums need a scan of the
 * entity's 7-day events, counts do not, so busy entities (an e-mail domain, a carrier-grade NAT IP) stay
 * O(log n) unless their sums are asked for (`sumEntities`, RISK_VELOCITY_SUM_ENTITIES); the others report 0.
 */
export const SUM_ENTITIES: ReadonlySet<VelocityEntity> = new Set(["user", "paymentMethod"]);

/** The sliding windows, in milliseconds: 1 hour, 24 hours, 7 days. */
export const WINDOWS = { "1h": 3_600_000, "24h": 86_400_000, "7d": 604_800_000 } as const;
export type WindowName = keyof typeof WINDOWS;
const WINDOW_NAMES = Object.keys(WINDOWS) as WindowName[];
const LONGEST = WINDOWS["7d"];

/** Counts and amount sums of earlier payments of one entity in each window. */
export interface WindowCounts {
  readonly count: Readonly<Record<WindowName, number>>;
  /** Sum of amounts in USD minor units; 0 for entities without sums (see SUM_ENTITIES). */
  readonly sumMinor: Readonly<Record<WindowName, number>>;
  /** Distinct linked values seen with this entity (see VelocityEvent.links), this payment included. */
  readonly links: number;
}

export type VelocitySnapshot = Readonly<Record<VelocityEntity, WindowCounts>>;

/** One payment as the velocity store records it. */
export interface VelocityEvent {
  /** Unique per payment (the assessment id): recording the same id twice counts once. */
  readonly id: string;
  /** Epoch milliseconds. */
  readonly at: number;
  /** Amount in USD minor units. */
  readonly amountMinor: number;
  /** The value of each entity for this payment (user id, payment-method fingerprint, ...). */
  readonly keys: Readonly<Record<VelocityEntity, string>>;
  /**
   * Per entity, a value whose distinct count is kept: devices per user (`user` links the device id),
   * accounts per device / payment method / IP (they link the user id). Empty: none.
   */
  readonly links: Readonly<Record<VelocityEntity, string>>;
}

/**
 * Sliding-window velocity: `recordAndRead` returns the counts of EARLIER payments in (at - window, at] for
 * every entity and records this one, atomically per entity, so N concurrent payments of one card see the
 * counts 0..N-1, each exactly once.
 */
export interface VelocityStore {
  readonly kind: "memory" | "redis";
  recordAndRead(event: VelocityEvent): Promise<VelocitySnapshot>;
  close(): Promise<void>;
}

const emptyWindows = (): Record<WindowName, number> => ({ "1h": 0, "24h": 0, "7d": 0 });

/** Snapshot used when velocity is unavailable (Redis down): everything zero; the model knows the flag. */
export function emptySnapshot(): VelocitySnapshot {
  const one = (): WindowCounts => ({ count: emptyWindows(), sumMinor: emptyWindows(), links: 0 });
  return { user: one(), paymentMethod: one(), device: one(), ip: one(), emailDomain: one() };
}

interface MemoryEntry {
  /** Event times, ascending, from `head` on (earlier slots are dropped events awaiting compaction). */
  ats: number[];
  /** cum[i] = sum of amounts of events head..i (prefix sums, for O(log n) window sums). */
  cum: number[];
  ids: string[];
  head: number;
  byId: Map<string, { at: number; amountMinor: number }>;
  links: Set<string>;
}

/** First index in [lo, hi) whose value is > bound (ascending array). */
function upperBound(values: readonly number[], bound: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] ?? 0) > bound) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The embedded default: the same window semantics in process memory. Each call runs to completion without
 * awaiting, so it is atomic within the process. Times are kept sorted with prefix sums, so a window count
 * or sum is two binary searches. `maxEventsPerEntity` caps each entity like the Redis store.
 */
export class MemoryVelocityStore implements VelocityStore {
  readonly kind = "memory" as const;
  readonly #entries = new Map<string, MemoryEntry>();
  #calls = 0;

  constructor(
    private readonly maxEventsPerEntity = 10_000,
    private readonly sumEntities: ReadonlySet<VelocityEntity> = SUM_ENTITIES,
  ) {}

  async recordAndRead(event: VelocityEvent): Promise<VelocitySnapshot> {
    return this.recordAndReadSync(event);
  }

  /** Synchronous form, for replaying a history (export-data.ts) without a promise per payment. */
  recordAndReadSync(event: VelocityEvent): VelocitySnapshot {
    const snapshot = {} as Record<VelocityEntity, WindowCounts>;
    for (const entity of VELOCITY_ENTITIES) {
      const counts = this.#one(`${entity}:${event.keys[entity]}`, event, event.links[entity]);
      snapshot[entity] = this.sumEntities.has(entity) ? counts : { ...counts, sumMinor: emptyWindows() };
    }
    if (++this.#calls % 50_000 === 0) this.#sweep(event.at);
    return snapshot;
  }

  #one(key: string, event: VelocityEvent, link: string): WindowCounts {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { ats: [], cum: [], ids: [], head: 0, byId: new Map(), links: new Set() };
      this.#entries.set(key, entry);
    }
    const { ats, cum } = entry;
    // Drop what left the longest window, and what exceeds the cap.
    const keepFrom = Math.max(
      upperBound(ats, event.at - LONGEST, entry.head, ats.length),
      ats.length - this.maxEventsPerEntity,
    );
    while (entry.head < keepFrom) entry.byId.delete(entry.ids[entry.head++] ?? "");
    const end = upperBound(ats, event.at, entry.head, ats.length);
    const sumBefore = (i: number): number =>
      i <= entry.head ? 0 : (cum[i - 1] ?? 0) - (entry.head === 0 ? 0 : (cum[entry.head - 1] ?? 0));
    const own = entry.byId.get(event.id);
    const count = emptyWindows();
    const sumMinor = emptyWindows();
    for (const w of WINDOW_NAMES) {
      const start = upperBound(ats, event.at - WINDOWS[w], entry.head, end);
      count[w] = end - start;
      sumMinor[w] = sumBefore(end) - sumBefore(start);
      if (own !== undefined && own.at > event.at - WINDOWS[w] && own.at <= event.at) {
        count[w] -= 1;
        sumMinor[w] -= own.amountMinor;
      }
    }
    if (own === undefined) this.#insert(entry, event);
    if (link !== "") entry.links.add(link);
    return { count, sumMinor, links: entry.links.size };
  }

  #insert(entry: MemoryEntry, event: VelocityEvent): void {
    entry.byId.set(event.id, { at: event.at, amountMinor: event.amountMinor });
    const { ats, cum, ids } = entry;
    const last = cum[ats.length - 1] ?? 0;
    if (ats.length === entry.head || (ats[ats.length - 1] ?? 0) <= event.at) {
      ats.push(event.at);
      ids.push(event.id);
      cum.push(last + event.amountMinor);
    } else {
      // Out of order (clock skew): insert and rebuild the prefix sums after it.
      const at = upperBound(ats, event.at, entry.head, ats.length);
      ats.splice(at, 0, event.at);
      ids.splice(at, 0, event.id);
      cum.splice(at, 0, 0);
      for (let i = at; i < ats.length; i += 1) {
        cum[i] = (i === 0 ? 0 : (cum[i - 1] ?? 0)) + (entry.byId.get(ids[i] ?? "")?.amountMinor ?? 0);
      }
    }
    if (entry.head > 1024 && entry.head > ats.length / 2) {
      const base = cum[entry.head - 1] ?? 0;
      entry.ats = ats.slice(entry.head);
      entry.ids = ids.slice(entry.head);
      entry.cum = cum.slice(entry.head).map((c) => c - base);
      entry.head = 0;
    }
  }

  /** Forgets entities with no event in the longest window (their link sets go with them). */
  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) {
      const lastAt = entry.ats.at(-1);
      if (lastAt === undefined || lastAt <= now - LONGEST * 4) this.#entries.delete(key);
    }
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }
}

/**
 * Per entity, atomically: trim events older than the longest window; count earlier events in each window
 * (at - w, at] with ZCOUNT (O(log n), so a busy IP or e-mail domain costs no more than a quiet one); for
 * entities with sums (ARGV[10] = 1: user, payment method) also sum their amounts over the 7-day window;
 * this payment's own id is excluded (a replay does not count itself); then add it (the same id twice counts
 * once), cap the set, add the link and return its cardinality. Members are "<id>|<amountMinor>" scored by
 * time. Both KEYS share one hash tag per entity (cluster-safe).
 */
const RECORD_AND_READ_LUA = `
local now = tonumber(ARGV[1])
local member = ARGV[2] .. '|' .. ARGV[3]
local link = ARGV[4]
local maxEvents = tonumber(ARGV[5])
local ttlMs = tonumber(ARGV[6])
local w = {tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])}
local withSums = ARGV[10] == '1'
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - w[3])
local own = redis.call('ZSCORE', KEYS[1], member)
local ownAt = own and tonumber(own) or nil
local out = {}
for i = 1, 3 do
  local c = redis.call('ZCOUNT', KEYS[1], '(' .. (now - w[i]), now)
  if ownAt and ownAt > now - w[i] and ownAt <= now then c = c - 1 end
  out[2 * i - 1] = c
  out[2 * i] = 0
end
if withSums then
  local items = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - w[3]), now, 'WITHSCORES')
  for i = 1, #items, 2 do
    if items[i] ~= member then
      local at = tonumber(items[i + 1])
      local value = tonumber(string.match(items[i], '|(%-?%d+)$')) or 0
      for k = 1, 3 do
        if at > now - w[k] then out[2 * k] = out[2 * k] + value end
      end
    end
  end
end
if not own then
  redis.call('ZADD', KEYS[1], now, member)
  local size = redis.call('ZCARD', KEYS[1])
  if size > maxEvents then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, size - maxEvents - 1) end
end
redis.call('PEXPIRE', KEYS[1], w[3] + 60000)
if link ~= '' then
  redis.call('SADD', KEYS[2], link)
  redis.call('PEXPIRE', KEYS[2], ttlMs)
end
out[7] = redis.call('SCARD', KEYS[2])
return out
`;

type RecordAndRead = (eventsKey: string, linksKey: string, ...args: (string | number)[]) => Promise<number[]>;

export interface RedisVelocityOptions {
  /** Key prefix, e.g. "aisle:risk:". */
  readonly prefix: string;
  /** Events kept per entity (oldest dropped first); counts saturate above it. Default 10 000. */
  readonly maxEventsPerEntity?: number;
  /** Entities whose sums are computed (a scan of their 7-day events). Default SUM_ENTITIES. */
  readonly sumEntities?: ReadonlySet<VelocityEntity>;
  /** How long link sets (devices per account, accounts per device) live after their last write. Default 30 days. */
  readonly linkTtlMs?: number;
}

/**
 * Velocity in Redis: one Lua script per entity, the five sent in ONE pipeline (one round trip per
 * assessment). Sorted sets scored by time give exact sliding windows.
 */
export class RedisVelocityStore implements VelocityStore {
  readonly kind = "redis" as const;
  readonly #prefix: string;
  readonly #maxEvents: number;
  readonly #linkTtlMs: number;
  readonly #sumEntities: ReadonlySet<VelocityEntity>;

  constructor(
    private readonly redis: Redis,
    options: RedisVelocityOptions,
  ) {
    this.#prefix = options.prefix;
    this.#maxEvents = options.maxEventsPerEntity ?? 10_000;
    this.#sumEntities = options.sumEntities ?? SUM_ENTITIES;
    this.#linkTtlMs = options.linkTtlMs ?? 30 * 86_400_000;
    if (typeof (redis as unknown as { riskRecordAndRead?: unknown }).riskRecordAndRead !== "function") {
      redis.defineCommand("riskRecordAndRead", { numberOfKeys: 2, lua: RECORD_AND_READ_LUA });
    }
  }

  /** The two keys of one entity value; the hash tag keeps them in one cluster slot. */
  keysFor(entity: VelocityEntity, value: string): [string, string] {
    const tag = `${this.#prefix}v:{${entity}:${value}}`;
    return [`${tag}:e`, `${tag}:l`];
  }

  async recordAndRead(event: VelocityEvent): Promise<VelocitySnapshot> {
    const pipeline = this.redis.pipeline();
    const call = (pipeline as unknown as { riskRecordAndRead: RecordAndRead }).riskRecordAndRead.bind(
      pipeline,
    );
    for (const entity of VELOCITY_ENTITIES) {
      const [eventsKey, linksKey] = this.keysFor(entity, event.keys[entity]);
      void call(
        eventsKey,
        linksKey,
        event.at,
        event.id,
        Math.round(event.amountMinor),
        event.links[entity],
        this.#maxEvents,
        this.#linkTtlMs,
        WINDOWS["1h"],
        WINDOWS["24h"],
        WINDOWS["7d"],
        this.#sumEntities.has(entity) ? 1 : 0,
      );
    }
    const replies = await pipeline.exec();
    if (replies === null) throw new Error("velocity pipeline was discarded");
    const snapshot = {} as Record<VelocityEntity, WindowCounts>;
    VELOCITY_ENTITIES.forEach((entity, i) => {
      const [error, value] = replies[i] ?? [new Error("missing reply"), null];
      if (error) throw error;
      const [c1, s1, c2, s2, c3, s3, links] = (value as number[]).map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      snapshot[entity] = {
        count: { "1h": c1, "24h": c2, "7d": c3 },
        sumMinor: { "1h": s1, "24h": s2, "7d": s3 },
        links,
      };
    });
    return snapshot;
  }

  async close(): Promise<void> {
    // The connection belongs to the caller.
  }
}
