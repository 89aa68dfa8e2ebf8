import { streamFor, weightedPicker, type Rng } from "./rng.ts";
import type { Category, Product, World } from "./types.ts";
import { demoWorld } from "./world.ts";

/**
 * Shopper behaviour of the demo world: view, click, add-to-cart, purchase and search events generated from
 * KNOWN latent tastes, so recommendation models have signal and tests can check against the truth.
 *
 * A separate part of the world with its own streams (`behaviour:items`, `behaviour:complements`,
 * `behaviour:user:<id>`), so adding it changed no existing part. Lazy: nothing is generated until asked, and
 * each user's taste and events are generated on first use (independently of every other user) and cached.
 *
 * The truth, per user u and product p in leaf category c with brand b:
 *
 *   utility(u, p) = log w_u(c) + a_u(b) + q_p − s_u · log(price_p / median price of c)
 *
 * - w_u: the user's category weights: 1–3 favourite leaves (most mass), a little on every other leaf;
 * - a_u(b): +1 on the user's 1–2 favourite brands, 0 otherwise;
 * - q_p ~ N(0, 0.5): the product's appeal, shared by everyone;
 * - s_u ∈ [0, 1.5]: price sensitivity (premium-lovers near 0).
 *
 * 4 % of users have no events (new users). Sessions (2–30 per other user, median 5, over the last 120 days): a leaf is picked by w_u; a third of sessions start with a
 * search for the leaf's name; 3–8 products of the leaf are viewed (drawn by softmax of the within-leaf
 * utility); each view is clicked with σ(utility − 0.5), a click is added to the cart with 0.35, a cart item
 * bought with 0.55. After a purchase, with 0.4 the user views, clicks and often buys a product of a
 * complementary leaf (the "bought together" truth, see `complements`).
 */

export type BehaviourEventType = "view" | "click" | "add_to_cart" | "purchase" | "search";

export const BEHAVIOUR_EVENT_TYPES: readonly BehaviourEventType[] = [
  "view",
  "click",
  "add_to_cart",
  "purchase",
  "search",
];

/** Where an event happened. */
export interface BehaviourContext {
  readonly device: "web" | "ios" | "android";
  readonly surface: "home" | "search" | "category" | "product" | "cart";
}

export interface BehaviourEvent {
  /** Unique and stable: `e-<userId>-<n>`. */
  readonly id: string;
  readonly userId: string;
  readonly type: BehaviourEventType;
  /** Null only for a search. */
  readonly productId: string | null;
  /** The search text; null for the other types. */
  readonly query: string | null;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly context: BehaviourContext;
}

/** The hidden taste of one user (what a recommender should recover). */
export interface UserTaste {
  readonly userId: string;
  /** Leaf category id → weight; the weights of all leaves sum to 1. */
  readonly categoryWeights: ReadonlyMap<string, number>;
  /** The 1–3 leaves carrying most of the weight, strongest first. */
  readonly favouriteCategoryIds: readonly string[];
  readonly favouriteBrandIds: readonly string[];
  /** 0 (indifferent to price) to 1.5 (buys the cheapest). */
  readonly priceSensitivity: number;
  /** Sessions in the history; 0 for a new user. */
  readonly sessions: number;
}

export interface Behaviour {
  /** End of the generated history (epoch ms): every event happens before it. */
  readonly until: number;
  /** Null for an unknown user. Cached. */
  taste(userId: string): UserTaste | null;
  /** The user's events in time order; empty for an unknown user. Cached. */
  events(userId: string): readonly BehaviourEvent[];
  /** Every user's events, user by user (generates what is not cached yet). */
  allEvents(): Iterable<BehaviourEvent>;
  /** The true appeal q_p of a product; null when unknown. */
  appeal(productId: string): number | null;
  /** Leaf ids whose products are bought after a purchase in `leafId` (the bought-together truth). */
  complements(leafId: string): readonly string[];
  /** The true utility of a product for a user (see above); null for an unknown user or product. */
  utility(userId: string, productId: string): number | null;
}

/** End of the behaviour history: the last sign-up instant, so "today" is 2026-11-01 as for the market. */
export const BEHAVIOUR_UNTIL = Date.UTC(2026, 9, 31, 23, 59, 59);
const WINDOW_MS = 120 * 86_400_000;
/** Share of users with no events at all (new users: the cold-start case). */
export const NEW_USER_SHARE = 0.04;
const DEVICES: readonly BehaviourContext["device"][] = ["web", "ios", "android"];
const DEVICE_WEIGHTS = [5, 3, 2];

const behaviours = new WeakMap<World, Behaviour>();

/** The behaviour of a world, built lazily and cached per world object. */
export function behaviourFor(world: World): Behaviour {
  let behaviour = behaviours.get(world);
  if (behaviour === undefined) {
    behaviour = new LazyBehaviour(world);
    behaviours.set(world, behaviour);
  }
  return behaviour;
}

/** The behaviour of the default demo world. */
export function demoBehaviour(): Behaviour {
  return behaviourFor(demoWorld());
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

class LazyBehaviour implements Behaviour {
  readonly until = BEHAVIOUR_UNTIL;
  readonly #users: ReadonlyMap<string, World["users"][number]>;
  readonly #products: ReadonlyMap<string, Product>;
  readonly #leaves: readonly Category[];
  readonly #categories: ReadonlyMap<string, Category>;
  readonly #departments: readonly Category[];
  readonly #leavesByDepartment = new Map<string, Category[]>();
  readonly #byLeaf = new Map<string, Product[]>();
  /** log(price / median price of the product's leaf), per product. */
  readonly #logRelativePrice = new Map<string, number>();
  readonly #leafArrays = new Map<string, { appeal: Float64Array; logRel: Float64Array; brands: string[] }>();
  readonly #brandsByLeaf = new Map<string, readonly string[]>();
  #appeal: Map<string, number> | undefined;
  #complements: Map<string, string[]> | undefined;
  readonly #tastes = new Map<string, UserTaste>();
  readonly #events = new Map<string, readonly BehaviourEvent[]>();

  constructor(private readonly world: World) {
    this.#users = new Map(world.users.map((u) => [u.id, u]));
    this.#products = new Map(world.products.map((p) => [p.id, p]));
    this.#categories = new Map(world.categories.map((c) => [c.id, c]));
    for (const product of world.products) {
      const list = this.#byLeaf.get(product.categoryId) ?? [];
      list.push(product);
      this.#byLeaf.set(product.categoryId, list);
    }
    this.#leaves = world.categories.filter((c) => this.#byLeaf.has(c.id));
    this.#departments = world.categories.filter((c) => c.parentId === null);
    for (const leaf of this.#leaves) {
      const list = this.#leavesByDepartment.get(leaf.parentId ?? leaf.id) ?? [];
      list.push(leaf);
      this.#leavesByDepartment.set(leaf.parentId ?? leaf.id, list);
    }
    for (const products of this.#byLeaf.values()) {
      const prices = products.map((p) => p.listPrice.amountMinor).sort((a, b) => a - b);
      const median = prices[Math.floor(prices.length / 2)] as number;
      for (const p of products) this.#logRelativePrice.set(p.id, Math.log(p.listPrice.amountMinor / median));
    }
  }

  appeal(productId: string): number | null {
    if (this.#appeal === undefined) {
      const rng = streamFor(this.world.seed, "behaviour:items");
      this.#appeal = new Map(this.world.products.map((p) => [p.id, rng.normal(0, 0.5)]));
    }
    return this.#appeal.get(productId) ?? null;
  }

  complements(leafId: string): readonly string[] {
    if (this.#complements === undefined) {
      const rng = streamFor(this.world.seed, "behaviour:complements");
      this.#complements = new Map();
      for (const leaf of this.#leaves) {
        const siblings = this.#leaves.filter((c) => c.parentId === leaf.parentId && c.id !== leaf.id);
        const pool = siblings.length > 0 ? siblings : this.#leaves.filter((c) => c.id !== leaf.id);
        this.#complements.set(
          leaf.id,
          rng.sample(pool, rng.int(1, 2)).map((c) => c.id),
        );
      }
    }
    return this.#complements.get(leafId) ?? [];
  }

  taste(userId: string): UserTaste | null {
    const cached = this.#tastes.get(userId);
    if (cached !== undefined) return cached;
    if (!this.#users.has(userId)) return null;
    const rng = streamFor(this.world.seed, `behaviour:user:${userId}`);
    const taste = this.#drawTaste(rng, userId);
    this.#tastes.set(userId, taste);
    return taste;
  }

  #drawTaste(rng: Rng, userId: string): UserTaste {
    const home = rng.pick(this.#departments);
    const inHome = this.#leavesByDepartment.get(home.id) ?? [];
    const favourites = rng.sample(inHome.length > 0 ? inHome : this.#leaves, rng.int(1, 3));
    // One favourite in a second department now and then.
    if (rng.chance(0.3)) favourites.push(rng.pick(this.#leaves.filter((c) => !favourites.includes(c))));
    const favouriteMass = 0.85;
    const raw = favourites.map((_, i) => 1 / (i + 1));
    const rawSum = raw.reduce((a, b) => a + b, 0);
    const weights = new Map<string, number>();
    const rest = (1 - favouriteMass) / this.#leaves.length;
    for (const leaf of this.#leaves) weights.set(leaf.id, rest);
    favourites.forEach((leaf, i) =>
      weights.set(leaf.id, (weights.get(leaf.id) ?? 0) + (favouriteMass * (raw[i] as number)) / rawSum),
    );
    const brandPool = [...new Set(favourites.flatMap((leaf) => this.#leafBrands(leaf.id)))].sort();
    const favouriteBrandIds = rng.sample(brandPool, rng.int(1, 2));
    const priceSensitivity = Math.round(rng.next() * 1.5 * 100) / 100;
    const sessions = Math.max(2, Math.min(30, Math.round(rng.lognormal(5, 0.7))));
    // Drawn last so the other draws stay as they were: a few users have signed up and done nothing yet.
    const isNew = rng.chance(NEW_USER_SHARE);
    return {
      userId,
      categoryWeights: weights,
      favouriteCategoryIds: favourites.map((c) => c.id),
      favouriteBrandIds,
      priceSensitivity,
      sessions: isNew ? 0 : sessions,
    };
  }

  #leafBrands(leafId: string): readonly string[] {
    let brands = this.#brandsByLeaf.get(leafId);
    if (brands === undefined) {
      brands = [...new Set((this.#byLeaf.get(leafId) ?? []).map((p) => p.brandId))].sort();
      this.#brandsByLeaf.set(leafId, brands);
    }
    return brands;
  }

  utility(userId: string, productId: string): number | null {
    const taste = this.taste(userId);
    const product = this.#products.get(productId);
    if (taste === null || product === undefined) return null;
    return Math.log(taste.categoryWeights.get(product.categoryId) ?? 1e-6) + this.#withinLeaf(taste, product);
  }

  /** Per-leaf arrays of appeal, relative log price and brand, in #byLeaf order (the hot loop of generation). */
  #leafData(leafId: string): { appeal: Float64Array; logRel: Float64Array; brands: string[] } {
    let data = this.#leafArrays.get(leafId);
    if (data === undefined) {
      const products = this.#byLeaf.get(leafId) ?? [];
      data = {
        appeal: Float64Array.from(products, (p) => this.appeal(p.id) ?? 0),
        logRel: Float64Array.from(products, (p) => this.#logRelativePrice.get(p.id) ?? 0),
        brands: products.map((p) => p.brandId),
      };
      this.#leafArrays.set(leafId, data);
    }
    return data;
  }

  /** The part of the utility that ranks products inside one leaf. */
  #withinLeaf(taste: UserTaste, product: Product): number {
    return (
      (taste.favouriteBrandIds.includes(product.brandId) ? 1 : 0) +
      (this.appeal(product.id) ?? 0) -
      taste.priceSensitivity * (this.#logRelativePrice.get(product.id) ?? 0)
    );
  }

  events(userId: string): readonly BehaviourEvent[] {
    const cached = this.#events.get(userId);
    if (cached !== undefined) return cached;
    const taste = this.taste(userId);
    const user = this.#users.get(userId);
    if (taste === null || user === undefined) return [];
    // A stream of its own, so the events never shift the taste draws.
    const rng = streamFor(this.world.seed, `behaviour:user:${userId}:events`);
    const events = this.#drawEvents(rng, taste, Math.max(Date.parse(user.signupAt), this.until - WINDOW_MS));
    this.#events.set(userId, events);
    return events;
  }

  *allEvents(): Iterable<BehaviourEvent> {
    for (const user of this.world.users) yield* this.events(user.id);
  }

  #drawEvents(rng: Rng, taste: UserTaste, from: number): BehaviourEvent[] {
    const leafIds = [...taste.categoryWeights.keys()];
    const pickLeaf = weightedPicker(rng, leafIds, [...taste.categoryWeights.values()]);
    const device = rng.weightedPick(DEVICES, DEVICE_WEIGHTS);
    const starts = Array.from(
      { length: taste.sessions },
      () => from + rng.next() * (this.until - from - 3_600_000),
    )
      .map(Math.floor)
      .sort((a, b) => a - b);
    const events: BehaviourEvent[] = [];
    const pickers = new Map<string, () => Product>();
    let n = 0;
    for (const start of starts) {
      let at = start;
      const push = (
        type: BehaviourEventType,
        productId: string | null,
        surface: BehaviourContext["surface"],
        query: string | null = null,
      ) => {
        at += rng.int(5, 90) * 1000;
        events.push({
          id: `e-${taste.userId}-${++n}`,
          userId: taste.userId,
          type,
          productId,
          query,
          at,
          context: { device, surface },
        });
      };
      const leafId = pickLeaf();
      const leaf = this.#categories.get(leafId) as Category;
      const searched = rng.chance(1 / 3);
      if (searched) push("search", null, "search", leaf.name.toLowerCase());
      const bought = this.#browse(
        rng,
        taste,
        pickers,
        leafId,
        rng.int(3, 8),
        searched ? "search" : "category",
        push,
      );
      if (bought !== null && rng.chance(0.4)) {
        const complement = rng.pick(this.complements(leafId));
        this.#browse(rng, taste, pickers, complement, 1, "product", push, 0.6);
      }
    }
    return events;
  }

  /** Views `count` products of a leaf with the funnel; returns a purchased product id or null. */
  #browse(
    rng: Rng,
    taste: UserTaste,
    pickers: Map<string, () => Product>,
    leafId: string,
    count: number,
    surface: BehaviourContext["surface"],
    push: (type: BehaviourEventType, productId: string | null, surface: BehaviourContext["surface"]) => void,
    buyAfterClick?: number,
  ): string | null {
    const products = this.#byLeaf.get(leafId) ?? [];
    if (products.length === 0) return null;
    let pick = pickers.get(leafId);
    if (pick === undefined) {
      const data = this.#leafData(leafId);
      const weights = new Array<number>(products.length);
      for (let i = 0; i < products.length; i++) {
        const brand = taste.favouriteBrandIds.includes(data.brands[i] as string) ? 1 : 0;
        weights[i] = Math.exp(
          brand + (data.appeal[i] as number) - taste.priceSensitivity * (data.logRel[i] as number),
        );
      }
      pick = weightedPicker(rng, products, weights);
      pickers.set(leafId, pick);
    }

    const seen = new Set<string>();
    let bought: string | null = null;
    for (let i = 0; i < count; i++) {
      const product = pick();
      if (seen.has(product.id)) continue;
      seen.add(product.id);
      push("view", product.id, surface);
      if (!rng.chance(sigmoid(this.#withinLeaf(taste, product) - 0.5))) continue;
      push("click", product.id, "product");
      if (buyAfterClick !== undefined) {
        if (rng.chance(buyAfterClick)) {
          push("add_to_cart", product.id, "product");
          push("purchase", product.id, "cart");
          bought = product.id;
        }
        continue;
      }
      if (!rng.chance(0.35)) continue;
      push("add_to_cart", product.id, "product");
      if (bought === null && rng.chance(0.55)) {
        push("purchase", product.id, "cart");
        bought = product.id;
      }
    }
    return bought;
  }
}
