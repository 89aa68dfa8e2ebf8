import { DecayedCounts, trendWeight, type EventType } from "@aisle/behaviour";
import type { CatalogFacts } from "./catalog-facts.store.ts";

const DAY_MS = 86_400_000;
/** Half-life of "trending now". */
export const TRENDING_HALF_LIFE_MS = DAY_MS;
/** Half-life of "popular in a category". */
export const POPULAR_HALF_LIFE_MS = 30 * DAY_MS;
/** How stale a sorted view may get while events keep arriving, ms. */
const RESORT_EVERY_MS = 250;
/** Leaves scanned to find the most trending category. */
const HOT_CATEGORY_WINDOW = 200;

export type TrendKind = "trending" | "popular";

/** An event as the trends need it (the history's and the stream's share these fields). */
export interface TrendEvent {
  readonly type: EventType;
  readonly productId: string | null;
  readonly at: number;
}

/**
 * Item popularity with time decay, for the anonymous home page: two decayed counts of every interaction (a
 * purchase weighs 3, a view 0.5), one with a 24 h half-life (trending now), one with 30 days (popular). Seeded
 * from the batch history at start and fed by the behaviour stream as it grows, so a burst of clicks on a product
 * lifts it within a second. Sorted views are cached and refreshed at most every 250 ms while events arrive.
 */
export class TrendStore {
  readonly #counts: Record<TrendKind, DecayedCounts> = {
    trending: new DecayedCounts(TRENDING_HALF_LIFE_MS),
    popular: new DecayedCounts(POPULAR_HALF_LIFE_MS),
  };
  readonly #sorted = new Map<
    TrendKind,
    { version: number; at: number; ids: { id: string; log2: number }[] }
  >();

  constructor(private readonly catalog: CatalogFacts) {}

  add(events: Iterable<TrendEvent>): void {
    for (const event of events) {
      if (event.productId === null) continue;
      const weight = trendWeight(event.type);
      this.#counts.trending.add(event.productId, weight, event.at);
      this.#counts.popular.add(event.productId, weight, event.at);
    }
  }

  #ranked(kind: TrendKind): { id: string; log2: number }[] {
    const counts = this.#counts[kind];
    const cached = this.#sorted.get(kind);
    const now = Date.now();
    if (cached !== undefined && (cached.version === counts.version || now - cached.at < RESORT_EVERY_MS))
      return cached.ids;
    const ids = counts.ranked();
    this.#sorted.set(kind, { version: counts.version, at: now, ids });
    return ids;
  }

  /**
   * The top items of a kind that pass `keep` (catalogue items only), with scores relative to the first (0–1].
   */
  top(
    kind: TrendKind,
    limit: number,
    keep: (id: string) => boolean = () => true,
  ): { id: string; score: number }[] {
    const out: { id: string; score: number }[] = [];
    let best: number | null = null;
    for (const { id, log2 } of this.#ranked(kind)) {
      if (out.length >= limit) break;
      if (!this.catalog.inCatalog(id) || this.catalog.item(id) === null || !keep(id)) continue;
      best ??= log2;
      out.push({ id, score: 2 ** (log2 - best) });
    }
    return out;
  }

  /** The leaf category with the most trending interactions among the top items, or null with no history. */
  hottestCategory(): string | null {
    const weights = new Map<string, number>();
    let best: number | null = null;
    for (const { id, log2 } of this.#ranked("trending").slice(0, HOT_CATEGORY_WINDOW)) {
      const item = this.catalog.item(id);
      if (item === null) continue;
      best ??= log2;
      weights.set(item.categoryId, (weights.get(item.categoryId) ?? 0) + 2 ** (log2 - best));
    }
    let hottest: string | null = null;
    for (const [category, weight] of weights)
      if (hottest === null || weight > (weights.get(hottest) ?? 0)) hottest = category;
    return hottest;
  }
}
