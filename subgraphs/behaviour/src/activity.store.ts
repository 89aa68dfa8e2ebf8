import {
  FeatureStore,
  featureWriteBoundMs,
  MemoryFeatureBackend,
  RedisFeatureBackend,
  type FeatureStoreConfig,
} from "@aisle/ml";
import type { Logger } from "@aisle/kit";
import { behaviourFor, type World } from "@aisle/world";
import { TRIMMED, type EventStream } from "./event-stream.ts";
import {
  applyEvents,
  userActivityFeatures,
  type ActivityEvent,
  type ProductFacts,
  type UserActivity,
} from "./activity.features.ts";

/** Product facts of a world's catalogue, for folding events in. */
export function worldProductFacts(world: World): (productId: string) => ProductFacts | null {
  const categories = new Map(world.categories.map((c) => [c.id, c]));
  const facts = new Map<string, ProductFacts>(
    world.products.map((p) => [
      p.id,
      {
        categoryId: p.categoryId,
        departmentId: categories.get(p.categoryId)?.parentId ?? p.categoryId,
        brandId: p.brandId,
        priceMinor: p.listPrice.amountMinor,
      },
    ]),
  );
  return (id) => facts.get(id) ?? null;
}

/**
 * The batch backfill of a demo-world user: their generated history folded into an activity record, as a
 * nightly job would have written it. Used when the store holds nothing for a user yet; null for unknown users.
 */
export function worldHistorySeed(world: World): (userId: string) => UserActivity | null {
  const behaviour = behaviourFor(world);
  const facts = worldProductFacts(world);
  return (userId) => {
    const events = behaviour.events(userId);
    if (events.length === 0) return null;
    const converted: ActivityEvent[] = events.map((e) => ({
      id: e.id,
      userId: e.userId,
      type: e.type,
      productId: e.productId,
      query: e.query,
      at: e.at,
      receivedAt: e.at,
      device: e.context.device,
      surface: e.context.surface,
    }));
    return applyEvents({ ...userActivityFeatures.defaults }, converted, facts, behaviour.until).activity;
  };
}

const sharedMemoryStores = new Map<string, FeatureStore>();

/**
 * The feature store holding user activity. With Redis every caller gets its own client; in the embedded
 * default (memory) every subgraph of the process shares ONE store per namespace, so what user-profile's
 * updater writes is what recommendation reads. The in-process cache TTL is short (`cacheTtlMs`) because
 * these features must be fresh within a second or two. Reads are degraded until the activity set is marked
 * built (by the feature updater's rebuild), so a store that lost its data never passes for a complete one.
 */
export function activityFeatureStore(
  config: FeatureStoreConfig,
  cacheTtlMs: number,
  log?: Logger,
): FeatureStore {
  if (config.FEATURE_STORE === "memory") {
    let store = sharedMemoryStores.get(config.FEATURE_KEY_NAMESPACE);
    if (store === undefined) {
      store = new FeatureStore({
        backend: new MemoryFeatureBackend(),
        namespace: config.FEATURE_KEY_NAMESPACE,
        timeoutMs: config.FEATURE_STORE_TIMEOUT_MS,
        cacheTtlMs: 0,
      });
      store.requireBuilt(userActivityFeatures);
      sharedMemoryStores.set(config.FEATURE_KEY_NAMESPACE, store);
    }
    return store;
  }
  const store = new FeatureStore({
    backend: new RedisFeatureBackend({
      url: config.REDIS_URL,
      commandTimeoutMs: featureWriteBoundMs(config.FEATURE_STORE_TIMEOUT_MS),
      ...(log === undefined ? {} : { log }),
    }),
    namespace: config.FEATURE_KEY_NAMESPACE,
    timeoutMs: config.FEATURE_STORE_TIMEOUT_MS,
    cacheTtlMs,
    cacheMaxEntries: config.FEATURE_CACHE_MAX_ENTRIES,
  });
  store.requireBuilt(userActivityFeatures);
  return store;
}

/** Whether closing this store is the caller's job (a shared embedded store outlives any one subgraph). */
export function ownsActivityStore(store: FeatureStore): boolean {
  return ![...sharedMemoryStores.values()].includes(store);
}

/**
 * Reads and writes users' activity records. A user the store knows nothing about starts from the seed (the
 * batch backfill of their history), so live events add to the history instead of replacing it.
 */
export class ActivityStore {
  constructor(
    readonly store: FeatureStore,
    private readonly seed: (userId: string) => UserActivity | null,
  ) {}

  /**
   * One record per user id, in order; never throws (a degraded read serves seeds or defaults). Degraded too
   * while the store's activity set is not built (lost with a Redis that restarted empty, being rebuilt).
   */
  async read(userIds: readonly string[]): Promise<{ values: UserActivity[]; degraded: boolean }> {
    const read = await this.store.read(userActivityFeatures, userIds);
    const missing = new Set(read.missing);
    const values = read.values.map((value, i) => {
      const id = userIds[i] as string;
      return missing.has(id) ? (this.seed(id) ?? value) : value;
    });
    return { values, degraded: read.degraded };
  }

  /**
   * Folds events into their users' records and writes them all in one round trip (atomic per user: one key
   * each). Returns how many events were new; replays of applied ids count as duplicates.
   */
  async apply(
    events: readonly ActivityEvent[],
    facts: (productId: string) => ProductFacts | null,
    now: number,
  ): Promise<{ applied: number; duplicates: number }> {
    const byUser = new Map<string, ActivityEvent[]>();
    for (const event of events) {
      const list = byUser.get(event.userId) ?? [];
      list.push(event);
      byUser.set(event.userId, list);
    }
    const users = [...byUser.keys()];
    const { values, degraded } = await this.read(users);
    if (degraded) throw new Error("feature store unavailable or being rebuilt; events stay pending");
    let applied = 0;
    const writes: [string, UserActivity][] = [];
    users.forEach((userId, i) => {
      const result = applyEvents(values[i] as UserActivity, byUser.get(userId) ?? [], facts, now);
      applied += result.applied;
      if (result.applied > 0) writes.push([userId, result.activity]);
    });
    if (writes.length > 0) await this.store.write(userActivityFeatures, writes);
    return { applied, duplicates: events.length - applied };
  }

  /**
   * Rebuilds every record from the source of truth: each user's history seed (the batch backfill) with every
   * event still in the stream folded in, written over whatever the store holds (so it is exact whether the
   * store was wiped or not). Events appended meanwhile reach the records through the updater as usual (the
   * id window makes the overlap a no-op). Resolves how many users and events went in.
   */
  async rebuild(
    stream: EventStream,
    facts: (productId: string) => ProductFacts | null,
    now: number,
    pageSize = 1_000,
  ): Promise<{ users: number; events: number }> {
    const byUser = new Map<string, ActivityEvent[]>();
    let cursor: string | null = null;
    let events = 0;
    for (;;) {
      const page = await stream.range(cursor, pageSize);
      if (page.deliveries.length === 0) break;
      cursor = page.next;
      for (const { event } of page.deliveries) {
        if (event === TRIMMED) continue;
        const list = byUser.get(event.userId) ?? [];
        list.push(event);
        byUser.set(event.userId, list);
        events += 1;
      }
    }
    const writes: [string, UserActivity][] = [];
    for (const [userId, list] of byUser) {
      const base = this.seed(userId) ?? { ...userActivityFeatures.defaults };
      writes.push([userId, applyEvents(base, list, facts, now).activity]);
    }
    for (let i = 0; i < writes.length; i += 500)
      await this.store.write(userActivityFeatures, writes.slice(i, i + 500));
    return { users: writes.length, events };
  }
}
