import { defineFeatureSet } from "@aisle/ml";

/** The behaviour event types Aisle ingests. */
export const EVENT_TYPES = ["view", "click", "add_to_cart", "purchase", "search"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One accepted behaviour event, as it travels through the stream to the feature updater. */
export interface ActivityEvent {
  /** Unique per event; the updater skips an id it has already applied (replays are idempotent). */
  readonly id: string;
  readonly userId: string;
  readonly type: EventType;
  /** Null only for a search. */
  readonly productId: string | null;
  readonly query: string | null;
  /** When it happened (epoch ms). */
  readonly at: number;
  /** When Aisle accepted it (epoch ms): the start of the event-to-feature latency. */
  readonly receivedAt: number;
  readonly device: string;
  readonly surface: string;
  /**
   * The recommendation list that showed the product, from a verified attribution token (click, add-to-cart or
   * purchase events only); absent otherwise and on events recorded before attribution existed.
   */
  readonly attribution?: EventAttribution | null;
}

/** Which list a click or purchase is credited to (decoded from a verified attribution token). */
export interface EventAttribution {
  readonly listId: string;
  /** 1-based position of the product in that list. */
  readonly position: number;
  readonly modelVersion: string;
  readonly reasonCode: string;
}

/** What the updater needs to know about a product to fold an event in. */
export interface ProductFacts {
  readonly categoryId: string;
  readonly departmentId: string;
  readonly brandId: string;
  readonly priceMinor: number;
}

/** Weight of an event in the category / brand affinities (a purchase says more than a view). */
export const EVENT_WEIGHTS: Readonly<Record<Exclude<EventType, "search">, number>> = {
  view: 0.5,
  click: 1,
  add_to_cart: 2,
  purchase: 3,
};

/** Longest short-term sequence kept per user. */
export const SEQUENCE_LENGTH = 50;
/** Most recent event ids remembered per user for idempotency (a replay is always within the un-acked tail). */
export const REMEMBERED_EVENT_IDS = 500;
const TOP_KEYS = 30;
const REMEMBERED_PURCHASES = 100;
const REMEMBERED_SEEN = 200;

const TYPE_CODES: Readonly<Record<Exclude<EventType, "search">, string>> = {
  view: "v",
  click: "c",
  add_to_cart: "a",
  purchase: "p",
};
const CODE_TYPES = new Map(
  Object.entries(TYPE_CODES).map(([type, code]) => [code, type as Exclude<EventType, "search">]),
);

/**
 * One user's behaviour features, one record (one key) per user so a write is atomic: the short-term sequence,
 * the long-term aggregates and the window of applied event ids change together or not at all.
 * Maps and lists are JSON or space-separated strings (feature values are scalars): `sequence` holds recent
 * product ids oldest first (at most SEQUENCE_LENGTH) and `sequenceTypes` one code per entry (v c a p);
 * `eventIds` the ids of the last REMEMBERED_EVENT_IDS events applied.
 */
export const userActivityFeatures = defineFeatureSet({
  name: "user-activity",
  version: 1,
  keyPrefix: "ua",
  fields: {
    sequence: { default: "", description: "Recent product ids, oldest first, space-separated" },
    sequenceTypes: { default: "", description: "Event type code per sequence entry (v, c, a, p)" },
    views: { default: 0, description: "Lifetime product views" },
    clicks: { default: 0, description: "Lifetime clicks" },
    carts: { default: 0, description: "Lifetime add-to-carts" },
    purchases: { default: 0, description: "Lifetime purchases" },
    searches: { default: 0, description: "Lifetime searches" },
    categories: { default: "{}", description: "Leaf category weights, the top 30 (JSON)" },
    departments: { default: "{}", description: "Department weights (JSON)" },
    brands: { default: "{}", description: "Brand weights, the top 30 (JSON)" },
    logPriceSum: { default: 0, description: "Sum of log(price in cents) over clicked products" },
    logPriceCount: { default: 0, description: "Clicked products counted in logPriceSum" },
    purchased: { default: "", description: "Products bought, the last 100, space-separated" },
    purchaseLog: {
      default: "{}",
      description: "Per product bought (the last 100): [times bought, epoch ms of the last purchase] (JSON)",
    },
    seen: { default: "", description: "Products interacted with, the last 200, space-separated" },
    recentSearches: { default: "[]", description: "Last 10 search texts (JSON)" },
    firstEventAt: { default: 0, description: "Epoch ms of the first event" },
    lastEventAt: { default: 0, description: "Epoch ms of the latest event" },
    eventIds: { default: "", description: "Ids of the last applied events (idempotency window)" },
    updatedAt: { default: 0, description: "Epoch ms of the last write" },
  },
});

/** One user's activity record as stored. */
export type UserActivity = ReturnType<typeof userActivityFeatures.coerce>;

/** A user's activity decoded for use (the stored record keeps strings). */
export interface DecodedActivity {
  readonly sequence: readonly { readonly productId: string; readonly type: Exclude<EventType, "search"> }[];
  readonly counts: {
    readonly views: number;
    readonly clicks: number;
    readonly carts: number;
    readonly purchases: number;
    readonly searches: number;
  };
  readonly categories: Readonly<Record<string, number>>;
  readonly departments: Readonly<Record<string, number>>;
  readonly brands: Readonly<Record<string, number>>;
  /** Mean log(price in cents) of clicked products; null with no clicks. */
  readonly meanLogPrice: number | null;
  readonly purchased: ReadonlySet<string>;
  /** Products bought (the last 100 distinct): how many times and when last (epoch ms). */
  readonly purchaseLog: ReadonlyMap<string, { readonly count: number; readonly lastAt: number }>;
  readonly seen: ReadonlySet<string>;
  readonly recentSearches: readonly string[];
  readonly firstEventAt: number | null;
  readonly lastEventAt: number | null;
  /** Weighted interactions (sum of the category weights). */
  readonly totalWeight: number;
}

function parseMap(text: string): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return {};
    return Object.fromEntries(
      Object.entries(parsed as Record<string, unknown>).filter(
        (e): e is [string, number] => typeof e[1] === "number",
      ),
    );
  } catch {
    return {};
  }
}

function parsePurchaseLog(text: string): Map<string, { count: number; lastAt: number }> {
  const out = new Map<string, { count: number; lastAt: number }>();
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return out;
    for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "number")
        out.set(id, { count: value[0], lastAt: value[1] });
    }
  } catch {
    return out;
  }
  return out;
}

const words = (text: string): string[] => (text === "" ? [] : text.split(" "));

export function decodeActivity(activity: UserActivity): DecodedActivity {
  const items = words(activity.sequence);
  const codes = activity.sequenceTypes;
  const categories = parseMap(activity.categories);
  let searches: string[] = [];
  try {
    const parsed: unknown = JSON.parse(activity.recentSearches);
    if (Array.isArray(parsed)) searches = parsed.filter((s): s is string => typeof s === "string");
  } catch {
    searches = [];
  }
  return {
    sequence: items.map((productId, i) => ({ productId, type: CODE_TYPES.get(codes[i] ?? "v") ?? "view" })),
    counts: {
      views: activity.views,
      clicks: activity.clicks,
      carts: activity.carts,
      purchases: activity.purchases,
      searches: activity.searches,
    },
    categories,
    departments: parseMap(activity.departments),
    brands: parseMap(activity.brands),
    meanLogPrice: activity.logPriceCount > 0 ? activity.logPriceSum / activity.logPriceCount : null,
    purchased: new Set(words(activity.purchased)),
    purchaseLog: parsePurchaseLog(activity.purchaseLog),
    seen: new Set(words(activity.seen)),
    recentSearches: searches,
    firstEventAt: activity.firstEventAt > 0 ? activity.firstEventAt : null,
    lastEventAt: activity.lastEventAt > 0 ? activity.lastEventAt : null,
    totalWeight: Object.values(categories).reduce((a, b) => a + b, 0),
  };
}

function topOf(map: Record<string, number>, n: number): Record<string, number> {
  const entries = Object.entries(map).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return Object.fromEntries(entries.slice(0, n).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}

function pushBounded(list: string, value: string, max: number, distinct = false): string {
  const items = words(list).filter((x) => !distinct || x !== value);
  items.push(value);
  return items.slice(-max).join(" ");
}

/**
 * Folds events into a user's activity (pure). Events whose id is in the record's window are skipped, so
 * applying the same events twice gives the same record. Returns the new record and how many were applied.
 */
export function applyEvents(
  activity: UserActivity,
  events: readonly ActivityEvent[],
  facts: (productId: string) => ProductFacts | null,
  now: number,
): { activity: UserActivity; applied: number } {
  const next: UserActivity = { ...activity };
  const applied = new Set(words(next.eventIds));
  const categories = parseMap(next.categories);
  const departments = parseMap(next.departments);
  const brands = parseMap(next.brands);
  let sequence = words(next.sequence);
  let codes = next.sequenceTypes.split("");
  let searches: string[] = [];
  try {
    const parsed: unknown = JSON.parse(next.recentSearches);
    if (Array.isArray(parsed)) searches = parsed.filter((s): s is string => typeof s === "string");
  } catch {
    searches = [];
  }
  let count = 0;
  const purchaseLog = parsePurchaseLog(next.purchaseLog);
  let purchasesLogged = false;
  const ids = words(next.eventIds);
  for (const event of events) {
    if (applied.has(event.id)) continue;
    applied.add(event.id);
    ids.push(event.id);
    count += 1;
    next.firstEventAt = next.firstEventAt === 0 ? event.at : Math.min(next.firstEventAt, event.at);
    next.lastEventAt = Math.max(next.lastEventAt, event.at);
    if (event.type === "search") {
      next.searches += 1;
      if (event.query !== null) searches = [...searches, event.query].slice(-10);
      continue;
    }
    const product = event.productId === null ? null : facts(event.productId);
    if (product === null || event.productId === null) continue;
    const weight = EVENT_WEIGHTS[event.type];
    categories[product.categoryId] = (categories[product.categoryId] ?? 0) + weight;
    departments[product.departmentId] = (departments[product.departmentId] ?? 0) + weight;
    brands[product.brandId] = (brands[product.brandId] ?? 0) + weight;
    sequence.push(event.productId);
    codes.push(TYPE_CODES[event.type]);
    next.seen = pushBounded(next.seen, event.productId, REMEMBERED_SEEN, true);
    switch (event.type) {
      case "view":
        next.views += 1;
        break;
      case "click":
        next.clicks += 1;
        next.logPriceSum += Math.log(Math.max(1, product.priceMinor));
        next.logPriceCount += 1;
        break;
      case "add_to_cart":
        next.carts += 1;
        break;
      case "purchase":
        next.purchases += 1;
        next.purchased = pushBounded(next.purchased, event.productId, REMEMBERED_PURCHASES, true);
        {
          const logged = purchaseLog.get(event.productId);
          purchaseLog.delete(event.productId); // re-inserted last: the map keeps the latest purchases last
          purchaseLog.set(event.productId, {
            count: (logged?.count ?? 0) + 1,
            lastAt: Math.max(logged?.lastAt ?? 0, event.at),
          });
          purchasesLogged = true;
        }
        break;
    }
  }
  if (count === 0) return { activity, applied: 0 };
  sequence = sequence.slice(-SEQUENCE_LENGTH);
  codes = codes.slice(-SEQUENCE_LENGTH);
  next.sequence = sequence.join(" ");
  next.sequenceTypes = codes.join("");
  next.categories = JSON.stringify(topOf(categories, TOP_KEYS));
  next.departments = JSON.stringify(topOf(departments, TOP_KEYS));
  next.brands = JSON.stringify(topOf(brands, TOP_KEYS));
  next.recentSearches = JSON.stringify(searches);
  if (purchasesLogged) {
    const kept = [...purchaseLog.entries()].slice(-REMEMBERED_PURCHASES);
    next.purchaseLog = JSON.stringify(Object.fromEntries(kept.map(([id, p]) => [id, [p.count, p.lastAt]])));
  }
  next.eventIds = ids.slice(-REMEMBERED_EVENT_IDS).join(" ");
  next.updatedAt = now;
  return { activity: next, applied: count };
}
