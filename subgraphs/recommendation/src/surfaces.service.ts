import { decodeActivity, userActivityFeatures, type DecodedActivity } from "@aisle/behaviour";
import { badUserInput, type RequestContext } from "@aisle/kit";
import type { CatalogFacts } from "./catalog-facts.store.ts";
import { applySteps, controlledSteps, type FeedControls } from "./controls.strategy.ts";
import type { Candidate } from "./recall.ts";
import {
  MAX_RECOMMENDATIONS,
  type RecommendationItem,
  type RecommendationService,
} from "./recommendation.service.ts";
import { RecommendationReason } from "./recommendation.type.ts";
import { ExcludeOutOfStock, MmrDiversity, requestRng, type RerankContext } from "./reranking.strategy.ts";
import type { TrendEvent, TrendKind, TrendStore } from "./trends.store.ts";

const DAY_MS = 86_400_000;
/** Version of the rule-based surfaces (answers' modelVersion). */
export const SURFACES_VERSION = {
  home: "trending-decay@1",
  buyAgain: "buy-again-cadence@1",
  recentlyViewed: "recently-viewed@1",
  onSale: "on-sale@1",
} as const;
/** A once-bought item is due again from this share of its category's repurchase interval. */
export const DUE_SHARE = 0.8;
/** Products pricing is asked about for one on-sale shelf (one pricing batch). */
export const SALE_CANDIDATES = 100;
/** Candidates a rule surface re-ranks before cutting to `first`. */
const POOL = 200;

/** A discount pricing reported for a product (through the gateway, never an import of pricing). */
export interface ProductDiscount {
  readonly productId: string;
  readonly discountPercent: number;
}

/**
 * Median interval between two purchases of the same product by the same shopper, per leaf category, from the
 * batch history: the repurchase cadence of consumables (categories nobody rebuys have none).
 */
export function repurchaseCadence(
  events: Iterable<TrendEvent & { readonly userId: string }>,
  categoryOf: (productId: string) => string | null,
): Map<string, number> {
  const last = new Map<string, number>();
  const gaps = new Map<string, number[]>();
  for (const e of events) {
    if (e.type !== "purchase" || e.productId === null) continue;
    const key = `${e.userId} ${e.productId}`;
    const before = last.get(key);
    last.set(key, e.at);
    const category = categoryOf(e.productId);
    if (before === undefined || category === null || e.at <= before) continue;
    const list = gaps.get(category) ?? [];
    list.push(e.at - before);
    gaps.set(category, list);
  }
  const out = new Map<string, number>();
  for (const [category, list] of gaps) {
    list.sort((a, b) => a - b);
    out.set(category, list[Math.floor(list.length / 2)] as number);
  }
  return out;
}

export interface SurfacesDeps {
  readonly catalog: CatalogFacts;
  readonly trends: TrendStore;
  readonly feed: RecommendationService;
  readonly cadence: ReadonlyMap<string, number>;
  readonly stockOf: (productId: string) => number | null;
  readonly seed: number;
  readonly now?: () => number;
}

const NO_ACTIVITY: DecodedActivity = decodeActivity({ ...userActivityFeatures.defaults });

function checkFirst(first: number): void {
  if (!Number.isInteger(first) || first < 0 || first > MAX_RECOMMENDATIONS) {
    throw badUserInput(`first must be 0 to ${MAX_RECOMMENDATIONS}`, "first");
  }
}

/**
 * The rule-based surfaces: the anonymous home page (trending, popular in a category), buy it again, recently
 * viewed and on sale. Each makes candidates by its rule, then runs the request's controls and the usual
 * out-of-stock and diversity steps; no model run.
 */
export class SurfacesService {
  constructor(private readonly deps: SurfacesDeps) {}

  async #activity(ctx: RequestContext, userId: string): Promise<DecodedActivity> {
    return (await ctx.loaders.get(this.deps.feed.activityLoader).load(userId)) as DecodedActivity;
  }

  #now(): number {
    return (this.deps.now ?? Date.now)();
  }

  #finish(
    candidates: Candidate[],
    first: number,
    controls: FeedControls,
    activity: DecodedActivity,
    seedParts: readonly string[],
  ): RecommendationItem[] {
    const context: RerankContext = {
      activity,
      first,
      stockOf: this.deps.stockOf,
      similarity: (a, b) => this.deps.feed.similarity(a, b),
      rng: requestRng(this.deps.seed, ...seedParts),
    };
    const steps = controlledSteps(controls, [new ExcludeOutOfStock(), new MmrDiversity(1)], {
      medianPrice: (item) => this.deps.catalog.leafMedianPrice(item.categoryId, item.priceMinor),
      candidate: (id) => this.deps.feed.candidate(id, "promoted", 0),
    });
    const sorted = candidates.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    return applySteps(sorted, steps, context)
      .slice(0, first)
      .map((c) => ({
        productId: c.id,
        score: Math.round(c.score * 10_000) / 10_000,
        reason: c.reason,
        sources: [...c.sources].sort(),
        reasonCode: c.sources.has("promoted")
          ? RecommendationReason.PROMOTED
          : (codeOf(c) ?? RecommendationReason.PERSONALIZED),
      }));
  }

  #fromTrends(kind: TrendKind, keep: (id: string) => boolean, reason: (id: string) => string): Candidate[] {
    const out: Candidate[] = [];
    for (const hit of this.deps.trends.top(kind, POOL, keep)) {
      const c = this.deps.feed.candidate(hit.id, reason(hit.id), hit.score, kind);
      if (c !== null) out.push(c);
    }
    return out;
  }

  /** Trending now and popular in a category (the given one, else the most trending), for anyone. */
  homeFeed(
    categoryId: string | null,
    first: number,
    controls: FeedControls,
  ): { trending: RecommendationItem[]; categoryId: string | null; popularInCategory: RecommendationItem[] } {
    checkFirst(first);
    const { catalog, trends } = this.deps;
    if (categoryId !== null && !catalog.knowsCategory(categoryId)) {
      throw badUserInput(`unknown category ${JSON.stringify(categoryId)}`, "categoryId");
    }
    const trending = this.#finish(
      this.#fromTrends(
        "trending",
        () => true,
        () => "trending now",
      ),
      first,
      controls,
      NO_ACTIVITY,
      ["home", "trending"],
    );
    const category = categoryId ?? trends.hottestCategory();
    const inCategory = (id: string) => {
      const item = catalog.item(id);
      return item !== null && (item.categoryId === category || item.departmentId === category);
    };
    const popularInCategory =
      category === null
        ? []
        : this.#finish(
            this.#fromTrends("popular", inCategory, () => `popular in ${catalog.categoryName(category)}`),
            first,
            controls,
            NO_ACTIVITY,
            ["home", "popular", category],
          );
    return { trending, categoryId: category, popularInCategory };
  }

  /**
   * Buy it again: what the shopper bought twice or more, or once and now due by its category's repurchase
   * cadence (at least 80 % of the median interval since the last purchase). Most due first.
   */
  async buyAgain(
    ctx: RequestContext,
    userId: string,
    first: number,
    controls: FeedControls,
  ): Promise<RecommendationItem[]> {
    checkFirst(first);
    const activity = await this.#activity(ctx, userId);
    const now = this.#now();
    const out: Candidate[] = [];
    for (const [id, bought] of activity.purchaseLog) {
      const item = this.deps.catalog.item(id);
      if (item === null) continue;
      const cadence = this.deps.cadence.get(item.categoryId) ?? null;
      const elapsed = Math.max(0, now - bought.lastAt);
      const due = cadence !== null && elapsed >= DUE_SHARE * cadence;
      if (bought.count < 2 && !due) continue;
      const days = Math.round(elapsed / DAY_MS);
      const reason =
        cadence !== null && due
          ? `bought ${days} days ago; usually bought again every ${Math.round(cadence / DAY_MS)} days`
          : `you bought this ${bought.count} times`;
      const score = (cadence === null ? 0.5 : Math.min(2, elapsed / cadence)) + Math.min(1, bought.count / 5);
      const c = this.deps.feed.candidate(id, reason, score, "buy-again");
      if (c !== null) out.push(c);
    }
    return this.#finish(out, first, controls, activity, [userId, "buy-again"]).map((i) =>
      i.reasonCode === RecommendationReason.PROMOTED
        ? i
        : { ...i, reasonCode: RecommendationReason.BUY_AGAIN },
    );
  }

  /** Recently viewed (or clicked) products, newest first, bought ones included. */
  async recentlyViewed(
    ctx: RequestContext,
    userId: string,
    first: number,
    controls: FeedControls,
  ): Promise<RecommendationItem[]> {
    checkFirst(first);
    const activity = await this.#activity(ctx, userId);
    const seen = new Set<string>();
    const out: Candidate[] = [];
    for (let i = activity.sequence.length - 1; i >= 0; i--) {
      const entry = activity.sequence[i] as { productId: string; type: string };
      if (seen.has(entry.productId) || (entry.type !== "view" && entry.type !== "click")) continue;
      seen.add(entry.productId);
      const c = this.deps.feed.candidate(
        entry.productId,
        "you viewed this recently",
        1 / (1 + out.length),
        "recent",
      );
      if (c !== null) out.push(c);
    }
    // Recency is the order: no diversity re-ordering unless the caller asks for it.
    return this.#finish(out, first, controls, activity, [userId, "recent"]).map((i) =>
      i.reasonCode === RecommendationReason.PROMOTED
        ? i
        : { ...i, reasonCode: RecommendationReason.RECENTLY_VIEWED },
    );
  }

  /** The on-sale candidates of a shopper: the top 100 of their personal feed (one ranking run), for pricing. */
  async saleCandidates(ctx: RequestContext, userId: string): Promise<string[]> {
    const feed = await this.deps.feed.forUser(ctx, userId, MAX_RECOMMENDATIONS, {
      surface: "on-sale",
      device: null,
      categoryId: null,
      productId: null,
    });
    const ids = new Set(feed.map((item) => item.productId));
    for (const hit of this.deps.trends.top("popular", SALE_CANDIDATES)) {
      if (ids.size >= SALE_CANDIDATES) break;
      ids.add(hit.id);
    }
    return [...ids];
  }

  /**
   * On sale for this shopper: the discounted products among pricing's answer for the shopper's candidates,
   * ranked by discount × the shopper's affinity for the product's category and brand.
   */
  async onSale(
    ctx: RequestContext,
    userId: string,
    discounts: readonly ProductDiscount[],
    first: number,
    controls: FeedControls,
  ): Promise<RecommendationItem[]> {
    checkFirst(first);
    const activity = await this.#activity(ctx, userId);
    const total = Math.max(1, activity.totalWeight);
    const out: Candidate[] = [];
    for (const d of discounts) {
      if (!(d.discountPercent > 0)) continue;
      const item = this.deps.catalog.item(d.productId);
      if (item === null) continue;
      const affinity =
        1 +
        (activity.categories[item.categoryId] ?? 0) / total +
        (activity.brands[item.brandId] ?? 0) / total;
      const c = this.deps.feed.candidate(
        d.productId,
        `${Math.round(d.discountPercent)} % off`,
        (d.discountPercent / 100) * affinity,
        "on-sale",
      );
      if (c !== null && !activity.purchased.has(d.productId)) out.push(c);
    }
    return this.#finish(out, first, controls, activity, [userId, "on-sale"]).map((i) =>
      i.reasonCode === RecommendationReason.PROMOTED ? i : { ...i, reasonCode: RecommendationReason.ON_SALE },
    );
  }
}

function codeOf(c: Candidate): RecommendationReason | null {
  if (c.sources.has("trending")) return RecommendationReason.TRENDING;
  if (c.sources.has("popular")) return RecommendationReason.POPULAR_IN_CATEGORY;
  return null;
}
