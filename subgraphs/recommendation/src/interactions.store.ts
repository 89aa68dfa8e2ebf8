import type { BehaviourEvent } from "@aisle/world";

/** Counts of one item over the batch history. */
export interface ItemStats {
  readonly views: number;
  readonly clicks: number;
  readonly purchases: number;
  readonly interactions: number;
  /** Interactions over the last 7 days of the history. */
  readonly recent: number;
}

const ZERO: ItemStats = { views: 0, clicks: 0, purchases: 0, interactions: 0, recent: 0 };
const SESSION_GAP_MS = 30 * 60 * 1000;
const WEEK_MS = 7 * 86_400_000;
const NEIGHBOURS = 30;
const TOP_PER_CATEGORY = 60;
const TRENDING = 100;

export interface CoItem {
  readonly id: string;
  readonly weight: number;
  /** True when the two were bought by the same shopper in one session. */
  readonly bought: boolean;
}

/**
 * What the batch history says about items: counts, popularity per category and trend, and item-to-item
 * co-occurrence (items clicked or bought in the same session; co-purchases weigh most). Built once at start
 * from the events (the nightly job of a real deployment); user-level freshness comes from the feature store.
 */
export class InteractionIndex {
  readonly #stats = new Map<string, ItemStats>();
  readonly #co = new Map<string, CoItem[]>();
  readonly #categoryTop = new Map<string, string[]>();
  readonly #categoryCo = new Map<string, { id: string; weight: number }[]>();
  #trending: string[] = [];

  static build(
    events: Iterable<BehaviourEvent>,
    categoryOf: (productId: string) => string | null,
    until: number,
  ): InteractionIndex {
    const index = new InteractionIndex();
    const stats = new Map<
      string,
      { views: number; clicks: number; purchases: number; interactions: number; recent: number }
    >();
    const pairs = new Map<string, Map<string, { weight: number; bought: boolean }>>();
    const categoryPairs = new Map<string, Map<string, number>>();
    let session: BehaviourEvent[] = [];
    let lastUser = "";
    let lastAt = 0;
    const flush = () => {
      const engaged = new Map<string, boolean>();
      for (const e of session) {
        if (e.productId === null || (e.type !== "click" && e.type !== "purchase")) continue;
        engaged.set(e.productId, (engaged.get(e.productId) ?? false) || e.type === "purchase");
      }
      const items = [...engaged.entries()];
      for (const [a, boughtA] of items) {
        for (const [b, boughtB] of items) {
          if (a === b) continue;
          const bought = boughtA && boughtB;
          const weight = bought ? 3 : boughtA || boughtB ? 1.5 : 1;
          const row = pairs.get(a) ?? new Map<string, { weight: number; bought: boolean }>();
          const cell = row.get(b) ?? { weight: 0, bought: false };
          row.set(b, { weight: cell.weight + weight, bought: cell.bought || bought });
          pairs.set(a, row);
          if (bought) {
            const ca = categoryOf(a);
            const cb = categoryOf(b);
            if (ca !== null && cb !== null && ca !== cb) {
              const crow = categoryPairs.get(ca) ?? new Map<string, number>();
              crow.set(cb, (crow.get(cb) ?? 0) + 1);
              categoryPairs.set(ca, crow);
            }
          }
        }
      }
      session = [];
    };
    for (const e of events) {
      if (e.userId !== lastUser || e.at - lastAt > SESSION_GAP_MS) flush();
      lastUser = e.userId;
      lastAt = e.at;
      session.push(e);
      if (e.productId === null) continue;
      const s = stats.get(e.productId) ?? { views: 0, clicks: 0, purchases: 0, interactions: 0, recent: 0 };
      if (e.type === "view") s.views += 1;
      if (e.type === "click") s.clicks += 1;
      if (e.type === "purchase") s.purchases += 1;
      s.interactions += 1;
      if (e.at >= until - WEEK_MS) s.recent += 1;
      stats.set(e.productId, s);
    }
    flush();
    for (const [id, s] of stats) index.#stats.set(id, s);
    for (const [a, row] of pairs) {
      index.#co.set(
        a,
        [...row.entries()]
          .map(([id, cell]) => ({ id, weight: cell.weight, bought: cell.bought }))
          .sort((x, y) => y.weight - x.weight || (x.id < y.id ? -1 : 1))
          .slice(0, NEIGHBOURS),
      );
    }
    for (const [c, row] of categoryPairs) {
      index.#categoryCo.set(
        c,
        [...row.entries()].map(([id, weight]) => ({ id, weight })).sort((x, y) => y.weight - x.weight),
      );
    }
    const byCategory = new Map<string, string[]>();
    for (const id of stats.keys()) {
      const c = categoryOf(id);
      if (c === null) continue;
      const list = byCategory.get(c) ?? [];
      list.push(id);
      byCategory.set(c, list);
    }
    const popularity = (id: string) => index.popularity(id);
    for (const [c, ids] of byCategory) {
      index.#categoryTop.set(
        c,
        ids.sort((a, b) => popularity(b) - popularity(a) || (a < b ? -1 : 1)).slice(0, TOP_PER_CATEGORY),
      );
    }
    index.#trending = [...stats.keys()]
      .sort((a, b) => index.trend(b) - index.trend(a) || (a < b ? -1 : 1))
      .slice(0, TRENDING);
    return index;
  }

  stats(id: string): ItemStats {
    return this.#stats.get(id) ?? ZERO;
  }

  /** Interactions weighted towards engagement. */
  popularity(id: string): number {
    const s = this.stats(id);
    return s.views + 2 * s.clicks + 5 * s.purchases;
  }

  /** Recent share of an item's interactions, smoothed: what is rising this week. */
  trend(id: string): number {
    const s = this.stats(id);
    return s.recent * 2 + Math.log1p(s.interactions);
  }

  coItems(id: string): readonly CoItem[] {
    return this.#co.get(id) ?? [];
  }

  /** Most popular items of a leaf category, best first. */
  topIn(categoryId: string): readonly string[] {
    return this.#categoryTop.get(categoryId) ?? [];
  }

  /** Categories whose items are bought in the same session as items of this one, strongest first. */
  complementaryCategories(categoryId: string): readonly string[] {
    return (this.#categoryCo.get(categoryId) ?? []).map((c) => c.id);
  }

  trending(): readonly string[] {
    return this.#trending;
  }
}
