import { LRUCache } from "lru-cache";
import {
  codedError,
  ErrorCode,
  featureDegradedReads,
  featureReads,
  withDeadline,
  withSpan,
  type ReadinessCheck,
} from "@aisle/kit";
import type { FeatureBackend } from "./feature-backends.ts";
import type { FeatureSet, FeatureValue } from "./feature-set.ts";

/** The answer to a read: values always (in id order), and how much of them is real. Never throws. */
export interface FeatureRead<F> {
  /** One record per id, in id order; absent fields and absent records take the set's defaults. */
  readonly values: F[];
  /** True when the backend failed or was slower than the timeout for some ids of this read. */
  readonly degraded: boolean;
  /** Ids served entirely from defaults: nothing stored, or the backend unavailable and nothing cached. */
  readonly missing: string[];
  /** Ids served from an expired in-process copy because the backend was unavailable. */
  readonly stale: string[];
}

export interface FeatureReadOne<F> {
  readonly value: F;
  readonly degraded: boolean;
  readonly missing: boolean;
}

export interface FeatureStoreOptions {
  readonly backend: FeatureBackend;
  /** Prefix of every key, e.g. "aisle:features" (tests use a unique one). Default "aisle:features". */
  readonly namespace?: string;
  /** A backend read slower than this is abandoned and the read degrades. Default 50 ms. */
  readonly timeoutMs?: number;
  /** How long a value read from the backend is served from the in-process cache. Default 2000 ms; 0 disables. */
  readonly cacheTtlMs?: number;
  /** Most keys in the in-process cache. Default 50,000. */
  readonly cacheMaxEntries?: number;
  /** Clock of the cache TTL, in ms (tests step it). Default `performance`. */
  readonly clock?: { now(): number };
}

/** Counters for tests and metrics. */
export interface FeatureStoreStats {
  /** Backend round trips made by reads. */
  readonly backendReads: number;
  /** Keys asked of the backend, summed over round trips. */
  readonly keysFetched: number;
  /** Keys answered by the fresh in-process cache. */
  readonly cacheHits: number;
  /** Keys that joined a fetch of the same key already in flight (single-flight). */
  readonly sharedFetches: number;
  /** Reads answered degraded. */
  readonly degradedReads: number;
}

/**
 * Where a feature set stands in the backend: `built` (complete: its builder wrote the marker after a seed or
 * rebuild), `building` (a builder holds the lease), `absent` (never built, or the backend lost its data, e.g.
 * a Redis restarted empty), `unknown` (the backend did not answer).
 */
export type BuildState = "built" | "building" | "absent" | "unknown";

/** A fetched raw value: the stored JSON, or null when absent. */
interface Cached {
  readonly raw: string | null;
}
type Fetched = Cached | "unavailable";

class TimeoutError extends Error {}

/** A build marker's value as a state; undefined: the backend did not answer. */
function stateOf(raw: string | null | undefined): BuildState {
  if (raw === undefined) return "unknown";
  return raw === "built" ? "built" : raw === "building" ? "building" : "absent";
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return withDeadline(promise, ms, () => new TimeoutError(`no answer within ${ms} ms`));
}

/**
 * Bound on writes and marker calls: they are off the read path, so they get at least 500 ms. A Redis
 * backend's own command timeout must be this bound, not the read timeout, or a start-up seed on a busy
 * machine fails after the read timeout (50 ms by default).
 */
export function featureWriteBoundMs(readTimeoutMs: number): number {
  return Math.max(readTimeoutMs, 500);
}

/**
 * Features by entity id, from a backend (Redis or memory) behind a small in-process cache with a TTL.
 * Reads of many ids are one round trip (MGET); concurrent misses of the same key share one fetch; a backend
 * that fails or is slower than `timeoutMs` makes the read degrade to the last cached values or the set's
 * defaults, flagged in the result. Reads never throw; writes throw UNAVAILABLE when the backend fails.
 */
export class FeatureStore {
  readonly namespace: string;
  readonly timeoutMs: number;
  readonly #backend: FeatureBackend;
  readonly #cache: LRUCache<string, Cached> | undefined;
  readonly #inflight = new Map<string, Promise<Fetched>>();
  /** Sets whose reads are degraded unless built, with the last known state and when it was checked. */
  readonly #guarded = new Map<
    string,
    { everyMs: number; state: BuildState; checkedAt: number; checking: Promise<BuildState> | undefined }
  >();
  #stats = { backendReads: 0, keysFetched: 0, cacheHits: 0, sharedFetches: 0, degradedReads: 0 };

  constructor(options: FeatureStoreOptions) {
    this.#backend = options.backend;
    this.namespace = options.namespace ?? "aisle:features";
    this.timeoutMs = options.timeoutMs ?? 50;
    const ttl = options.cacheTtlMs ?? 2_000;
    this.#cache =
      ttl > 0
        ? new LRUCache<string, Cached>({
            max: options.cacheMaxEntries ?? 50_000,
            ttl,
            // Expired entries stay (until evicted by size) as the fallback when the backend is down.
            allowStale: false,
            noDeleteOnStaleGet: true,
            ...(options.clock === undefined ? {} : { perf: options.clock, ttlResolution: 0 }),
          })
        : undefined;
  }

  get #writeBoundMs(): number {
    return featureWriteBoundMs(this.timeoutMs);
  }

  get backendKind(): FeatureBackend["kind"] {
    return this.#backend.kind;
  }

  get stats(): FeatureStoreStats {
    return { ...this.#stats };
  }

  /** The full backend key of an entity in a set: `<namespace>:<keyPrefix>:v<version>:<id>`. */
  keyOf<F extends Record<string, FeatureValue>>(set: FeatureSet<F>, id: string): string {
    return `${this.namespace}:${set.key(id)}`;
  }

  /** Reads the records of `ids` (one backend round trip for all cache misses). Never throws. */
  read<F extends Record<string, FeatureValue>>(
    set: FeatureSet<F>,
    ids: readonly string[],
  ): Promise<FeatureRead<F>> {
    return withSpan(
      `feature.read ${set.name}`,
      { "aisle.feature_set": set.name, "aisle.feature.ids": ids.length },
      async (span) => {
        const read = await this.#read(set, ids);
        // Per record, one of: miss (defaults), stale (an old cached value, backend down), hit (a stored value).
        const store = set.name;
        const misses = read.missing.length;
        const missing = new Set(read.missing);
        const stale = read.stale.filter((id) => !missing.has(id)).length;
        if (ids.length - misses - stale > 0)
          featureReads.inc({ store, result: "hit" }, ids.length - misses - stale);
        if (misses > 0) featureReads.inc({ store, result: "miss" }, misses);
        if (stale > 0) featureReads.inc({ store, result: "stale" }, stale);
        if (read.degraded) featureDegradedReads.inc({ store });
        span.setAttributes({
          "aisle.feature.missing": misses,
          "aisle.feature.stale": stale,
          "aisle.degraded": read.degraded,
        });
        return read;
      },
    );
  }

  async #read<F extends Record<string, FeatureValue>>(
    set: FeatureSet<F>,
    ids: readonly string[],
  ): Promise<FeatureRead<F>> {
    const keys = ids.map((id) => this.keyOf(set, id));
    const answers: (Cached | Promise<Fetched>)[] = new Array(keys.length);
    const toFetch: string[] = [];
    const claimed = new Map<string, (value: Fetched) => void>();
    keys.forEach((key, i) => {
      const cached = this.#cache?.get(key);
      if (cached !== undefined) {
        this.#stats.cacheHits += 1;
        answers[i] = cached;
        return;
      }
      let pending = this.#inflight.get(key);
      if (pending === undefined) {
        let settle!: (value: Fetched) => void;
        pending = new Promise<Fetched>((resolve) => (settle = resolve));
        this.#inflight.set(key, pending);
        claimed.set(key, settle);
        toFetch.push(key);
      } else if (!claimed.has(key)) {
        this.#stats.sharedFetches += 1;
      }
      answers[i] = pending;
    });
    // A guarded set's marker rides in the same MGET as the keys fetched (one round trip, one snapshot: a
    // Redis that came back empty cannot pass its absent keys off as "not stored"); a read served from the
    // cache alone uses the periodically checked state.
    const guarded = this.#guarded.has(set.key(""));
    let built: Promise<BuildState> | BuildState = "built";
    if (toFetch.length > 0) {
      const marker = this.#fetch(toFetch, claimed, guarded ? this.builtKey(set) : undefined);
      if (guarded) built = marker.then((raw) => this.#remember(set, stateOf(raw)));
    } else if (guarded) {
      built = this.#guardedState(set);
    }

    const settled = await Promise.all(answers);
    let degraded = (await built) !== "built";
    const missing: string[] = [];
    const stale: string[] = [];
    const values = settled.map((answer, i) => {
      const id = ids[i] as string;
      let raw: string | null;
      if (answer === "unavailable") {
        degraded = true;
        const old = this.#cache?.get(keys[i] as string, { allowStale: true });
        if (old === undefined) {
          missing.push(id);
          return { ...set.defaults };
        }
        stale.push(id);
        raw = old.raw;
      } else {
        raw = answer.raw;
      }
      if (raw === null) {
        missing.push(id);
        return { ...set.defaults };
      }
      return set.coerce(this.#parse(raw));
    });
    if (degraded) this.#stats.degradedReads += 1;
    return { values, degraded, missing, stale };
  }

  /** Reads one record. Never throws. */
  async readOne<F extends Record<string, FeatureValue>>(
    set: FeatureSet<F>,
    id: string,
  ): Promise<FeatureReadOne<F>> {
    const read = await this.read(set, [id]);
    return { value: read.values[0] as F, degraded: read.degraded, missing: read.missing.length > 0 };
  }

  /**
   * Writes records (fields not given read back as defaults) in one round trip, and refreshes the cache.
   * Throws UNAVAILABLE when the backend fails: writers (jobs, imports) must know.
   */
  async write<F extends Record<string, FeatureValue>>(
    set: FeatureSet<F>,
    entries: ReadonlyArray<readonly [string, Partial<F>]>,
  ): Promise<void> {
    const rows = entries.map(([id, values]) => {
      const known = Object.fromEntries(Object.entries(values).filter(([field]) => field in set.fields));
      return [this.keyOf(set, id), JSON.stringify(known)] as const;
    });
    try {
      await within(this.#backend.mset(rows, set.ttlSeconds), this.#writeBoundMs);
    } catch (error) {
      throw codedError(ErrorCode.UNAVAILABLE, `Feature store write failed: ${(error as Error).message}`);
    }
    for (const [key, raw] of rows) this.#cache?.set(key, { raw });
  }

  /** Deletes records and drops them from the cache. Throws UNAVAILABLE when the backend fails. */
  async delete<F extends Record<string, FeatureValue>>(
    set: FeatureSet<F>,
    ids: readonly string[],
  ): Promise<number> {
    const keys = ids.map((id) => this.keyOf(set, id));
    for (const key of keys) this.#cache?.delete(key);
    try {
      return await within(this.#backend.del(keys), this.#writeBoundMs);
    } catch (error) {
      throw codedError(ErrorCode.UNAVAILABLE, `Feature store delete failed: ${(error as Error).message}`);
    }
  }

  /** The marker key of a set's build: `<namespace>:built:<keyPrefix>:v<version>`. */
  builtKey<F extends Record<string, FeatureValue>>(set: FeatureSet<F>): string {
    return `${this.namespace}:built:${set.key("").slice(0, -1)}`;
  }

  /** Where `set` stands in the backend now (one round trip, bounded by the timeout). */
  async buildState<F extends Record<string, FeatureValue>>(set: FeatureSet<F>): Promise<BuildState> {
    let raw: string | null | undefined;
    try {
      [raw] = await within(this.#backend.mget([this.builtKey(set)]), this.#writeBoundMs);
    } catch {
      raw = undefined;
    }
    return this.#remember(set, stateOf(raw));
  }

  /**
   * Claims the (re)build of `set` for `leaseMs` (SET NX): true when this caller got it and should build, then
   * call `markBuilt`. A builder that dies leaves the lease to expire, and another claims it.
   */
  async claimBuild<F extends Record<string, FeatureValue>>(
    set: FeatureSet<F>,
    leaseMs: number,
  ): Promise<boolean> {
    try {
      const claimed = await within(
        this.#backend.setIfAbsent(this.builtKey(set), "building", leaseMs),
        this.#writeBoundMs,
      );
      if (claimed) this.#remember(set, "building");
      return claimed;
    } catch {
      return false;
    }
  }

  /** Marks `set` complete in the backend (after a seed or a rebuild). Throws UNAVAILABLE when it fails. */
  async markBuilt<F extends Record<string, FeatureValue>>(set: FeatureSet<F>): Promise<void> {
    try {
      await within(this.#backend.mset([[this.builtKey(set), "built"]]), this.#writeBoundMs);
    } catch (error) {
      throw codedError(ErrorCode.UNAVAILABLE, `Feature store write failed: ${(error as Error).message}`);
    }
    this.#remember(set, "built");
  }

  /**
   * From now on reads of `set` are degraded unless its build marker says `built`: a backend that lost its
   * data (restarted empty) answers "absent" for every key, which is not the same as "nothing stored". The
   * marker is checked at most every `everyMs`, in parallel with the read's own fetch.
   */
  requireBuilt<F extends Record<string, FeatureValue>>(set: FeatureSet<F>, everyMs = 1_000): void {
    if (!this.#guarded.has(set.key("")))
      this.#guarded.set(set.key(""), {
        everyMs,
        state: "unknown",
        checkedAt: -Infinity,
        checking: undefined,
      });
  }

  #remember<F extends Record<string, FeatureValue>>(set: FeatureSet<F>, state: BuildState): BuildState {
    const guard = this.#guarded.get(set.key(""));
    if (guard !== undefined) {
      guard.state = state;
      guard.checkedAt = performance.now();
    }
    return state;
  }

  #guardedState<F extends Record<string, FeatureValue>>(set: FeatureSet<F>): Promise<BuildState> {
    const guard = this.#guarded.get(set.key(""));
    if (guard === undefined) return Promise.resolve("built");
    if (performance.now() - guard.checkedAt < guard.everyMs) return Promise.resolve(guard.state);
    guard.checking ??= this.buildState(set).finally(() => (guard.checking = undefined));
    return guard.checking;
  }

  /**
   * Waits for the backend connection at start, at most `timeoutMs` (default 1000). Resolves false when the
   * backend is not reachable: the store still works, degraded, and reconnects in the background.
   */
  async connect(timeoutMs = 1_000): Promise<boolean> {
    return this.#backend.connect(timeoutMs);
  }

  /** Empties the in-process cache (tests, or after a bulk load by another process). */
  clearCache(): void {
    this.#cache?.clear();
  }

  /** Ready when the backend answers a ping. Reads degrade rather than fail, so registering it is optional. */
  readiness(): ReadinessCheck {
    return {
      name: `feature-store:${this.#backend.kind}`,
      check: async () => within(this.#backend.ping(), Math.max(this.timeoutMs, 500)),
    };
  }

  async close(): Promise<void> {
    await this.#backend.close();
  }

  /** Fetches `keys` (and `markerKey` in the same MGET); resolves the marker's value, undefined on failure. */
  async #fetch(
    keys: string[],
    claimed: Map<string, (value: Fetched) => void>,
    markerKey?: string,
  ): Promise<string | null | undefined> {
    this.#stats.backendReads += 1;
    this.#stats.keysFetched += keys.length;
    let raws: (string | null)[] | undefined;
    try {
      raws = await within(
        this.#backend.mget(markerKey === undefined ? keys : [...keys, markerKey]),
        this.timeoutMs,
      );
    } catch {
      raws = undefined;
    }
    keys.forEach((key, i) => {
      this.#inflight.delete(key);
      let answer: Fetched = "unavailable";
      if (raws !== undefined) {
        answer = { raw: raws[i] ?? null };
        this.#cache?.set(key, answer);
      }
      claimed.get(key)?.(answer);
    });
    if (raws === undefined) return undefined;
    return markerKey === undefined ? null : (raws[keys.length] ?? null);
  }

  #parse(raw: string): unknown {
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
}
