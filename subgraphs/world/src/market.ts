import { streamFor, type Rng } from "./rng.ts";
import type { Brand, Category, Product, World } from "./types.ts";
import { demoWorld } from "./world.ts";

/**
 * The demo market: per-product cost, stock and a daily price/sales history generated from KNOWN demand
 * parameters, so a demand model trained on the history can be checked against the truth.
 *
 * It is a separate part of the world with its own streams (`pricing:categories`, `pricing:product:<id>`), so
 * adding it changed no existing part. Nothing is computed until asked: the economics and the end-of-history
 * state of a product are computed on first use and cached; full histories are generated on demand and not
 * kept (10,000 products × 365 days would hold ~40 MB).
 *
 * The truth, per product p on day t (log demand rate λ of units per day):
 *
 *   log λ = log base_p + e_p · log(price_t / list_p) + season_d(t) + weekend(t) + u_t + stock_t
 *
 * - e_p = e_category + N(0, 0.2), clipped to [-4.5, -0.3] (the elasticity to recover);
 * - season_d(t) = A_d · bump(day of year − peak_d) − A_d · 0.25: a smooth yearly bump per department;
 * - weekend(t) = +0.15 on Saturdays and Sundays;
 * - u_w = 0.7 u_{w−1} + N(0, 0.18), one step per week: a moving demand level (what "recent demand" picks up);
 * - stock_t = 0.5 · log(min(1, stock / (7 · base))): thin shelves sell less;
 * - units_t = min(Poisson(λ), stock).
 *
 * Prices: the list price most days; promotions (3–14 days, 5–40 % off), clearance when stock covers more
 * than 90 days, and small daily price tests (±8 %) so every product shows some price variation.
 * Only `Math.exp`, `Math.log` and `Math.sqrt` are used, as in rng.ts, so histories are identical everywhere.
 */

/** Length of the generated history, in days. */
export const MARKET_HISTORY_DAYS = 365;
/** The first day of the history (UTC midnight); the day after the last one is "today" for the demo. */
export const MARKET_HISTORY_START = Date.UTC(2025, 10, 1);
const DAY_MS = 86_400_000;

const WEEKEND_EFFECT = 0.15;
/** Week-on-week persistence and noise of the demand level (≈ a daily AR(1) of 0.95 / 0.08). */
const LEVEL_PERSISTENCE = 0.7;
const LEVEL_NOISE = 0.18;
const STOCK_EFFECT = 0.5;
const PRODUCT_ELASTICITY_NOISE = 0.2;
const TIER_MARGIN: Readonly<Record<Brand["tier"], readonly [number, number]>> = {
  budget: [0.15, 0.35],
  mid: [0.25, 0.45],
  premium: [0.35, 0.6],
};

/** The hidden demand parameters of one leaf category. */
export interface CategoryDemandTruth {
  readonly categoryId: string;
  /** Mean own-price elasticity of the category's products (negative). */
  readonly elasticity: number;
}

/** Yearly seasonality of a department. */
export interface DepartmentSeason {
  readonly departmentId: string;
  /** Height of the seasonal bump in log demand. */
  readonly amplitude: number;
  /** Day of year (0–364) where demand peaks. */
  readonly peakDay: number;
  /** Width of the bump in days (standard deviation). */
  readonly widthDays: number;
}

/** Cost, demand truth and listing of one product. Money in US cents. */
export interface ProductEconomics {
  readonly productId: string;
  readonly categoryId: string;
  readonly departmentId: string;
  readonly listPriceMinor: number;
  /** What one unit costs the shop (landed cost), in cents. */
  readonly costMinor: number;
  /** The true own-price elasticity of the product. */
  readonly elasticity: number;
  /** Expected units per day at the list price, before season, level and stock effects. */
  readonly baseDailyDemand: number;
  /** First history day on which the product was on sale (listed mid-history products start late). */
  readonly firstDay: number;
}

/** One day of a product's history. */
export interface MarketDay {
  /** Day index, 0 = MARKET_HISTORY_START. */
  readonly day: number;
  /** Offered price that day, in cents. */
  readonly priceMinor: number;
  /** Units sold that day (demand capped by stock). */
  readonly units: number;
  /** Units in stock at the start of the day. */
  readonly stockStart: number;
}

/** Where a product stands at the end of the history ("today" for the demo): what the feature store is seeded with. */
export interface MarketState {
  readonly productId: string;
  /** Units in stock now. */
  readonly stockLevel: number;
  /** Mean units sold per day over the last 7 days (0 when the product has no history). */
  readonly unitsPerDay7: number;
  /** Mean units sold per day over the last 28 days. */
  readonly unitsPerDay28: number;
  /**
   * Mean units per day over the last 7 days counting only days at a regular price (at least 90 % of the list
   * price), or over all 7 when none was: demand without the lift of a promotion.
   */
  readonly regularUnitsPerDay7: number;
  /** The same over the last 28 days. */
  readonly regularUnitsPerDay28: number;
  /** The price offered on the last history day, in cents. */
  readonly lastPriceMinor: number;
}

/** A day counts as "regular price" from this share of the list price up. */
export const REGULAR_PRICE_RATIO = 0.9;

export interface Market {
  readonly days: number;
  /** ISO date of day 0. */
  readonly startDate: string;
  /** ISO date of "today": the day after the last history day. */
  readonly today: string;
  categoryTruth(categoryId: string): CategoryDemandTruth | null;
  departmentSeason(departmentId: string): DepartmentSeason | null;
  /** Cached; null for an unknown product. */
  economics(productId: string): ProductEconomics | null;
  /** Cached; null for an unknown product. */
  state(productId: string): MarketState | null;
  /** Generated on each call (not cached); empty for an unknown product. */
  history(productId: string): MarketDay[];
  /** Log-demand seasonal effect of a department on a day index (may be outside the history). */
  seasonEffect(departmentId: string, day: number): number;
}

const markets = new WeakMap<World, Market>();

/** The market of a world, built lazily and cached per world object. */
export function marketFor(world: World): Market {
  let market = markets.get(world);
  if (market === undefined) {
    market = new LazyMarket(world);
    markets.set(world, market);
  }
  return market;
}

/** Day of year (0–364) of a day index. */
export function dayOfYear(day: number): number {
  const date = new Date(MARKET_HISTORY_START + day * DAY_MS);
  return Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS) % 365;
}

/** True when a day index falls on a Saturday or Sunday (UTC). */
export function isWeekend(day: number): boolean {
  const weekday = new Date(MARKET_HISTORY_START + day * DAY_MS).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** Per-history-day constants, computed once (Date objects per simulated day would dominate the cost). */
const DAY_TABLE = (() => {
  const doy = new Int16Array(MARKET_HISTORY_DAYS);
  const weekend = new Float64Array(MARKET_HISTORY_DAYS);
  for (let day = 0; day < MARKET_HISTORY_DAYS; day++) {
    doy[day] = dayOfYear(day);
    weekend[day] = isWeekend(day) ? WEEKEND_EFFECT : 0;
  }
  return { doy, weekend };
})();

/** Smooth bump in (0, 1] over the circular distance (days) from the peak. */
function seasonalBump(doy: number, peak: number, width: number): number {
  let distance = Math.abs(doy - peak);
  if (distance > 182.5) distance = 365 - distance;
  return Math.exp(-0.5 * (distance / width) ** 2);
}

/** Poisson draw by inversion of the CDF from one uniform (a rounded normal above a rate of 50). */
function poisson(rng: Rng, rate: number): number {
  if (rate <= 0) return 0;
  if (rate > 50) return Math.max(0, Math.round(rng.normal(rate, Math.sqrt(rate))));
  const u = rng.next();
  let k = 0;
  let p = Math.exp(-rate);
  let cdf = p;
  while (u > cdf && k < 500) {
    k++;
    p *= rate / k;
    cdf += p;
  }
  return k;
}

class LazyMarket implements Market {
  readonly days = MARKET_HISTORY_DAYS;
  readonly startDate = new Date(MARKET_HISTORY_START).toISOString().slice(0, 10);
  readonly today = new Date(MARKET_HISTORY_START + MARKET_HISTORY_DAYS * DAY_MS).toISOString().slice(0, 10);

  readonly #products: ReadonlyMap<string, Product>;
  readonly #brands: ReadonlyMap<string, Brand>;
  readonly #categories: ReadonlyMap<string, Category>;
  #categoryTruth: Map<string, CategoryDemandTruth> | undefined;
  #seasons: Map<string, DepartmentSeason> | undefined;
  readonly #economics = new Map<string, ProductEconomics>();
  readonly #seasonCurves = new Map<string, Float64Array>();
  readonly #states = new Map<string, MarketState>();

  constructor(private readonly world: World) {
    this.#products = new Map(world.products.map((p) => [p.id, p]));
    this.#brands = new Map(world.brands.map((b) => [b.id, b]));
    this.#categories = new Map(world.categories.map((c) => [c.id, c]));
  }

  /** Category elasticities and department seasons come from one stream, in category order. */
  #truths(): { categories: Map<string, CategoryDemandTruth>; seasons: Map<string, DepartmentSeason> } {
    if (this.#categoryTruth === undefined || this.#seasons === undefined) {
      const rng = streamFor(this.world.seed, "pricing:categories");
      const categories = new Map<string, CategoryDemandTruth>();
      const seasons = new Map<string, DepartmentSeason>();
      for (const category of this.world.categories) {
        if (category.parentId === null) {
          seasons.set(category.id, {
            departmentId: category.id,
            amplitude: 0.1 + rng.next() * 0.5,
            peakDay: rng.int(0, 364),
            widthDays: rng.int(20, 60),
          });
        } else {
          categories.set(category.id, { categoryId: category.id, elasticity: -(0.8 + rng.next() * 2.2) });
        }
      }
      this.#categoryTruth = categories;
      this.#seasons = seasons;
    }
    return { categories: this.#categoryTruth, seasons: this.#seasons };
  }

  categoryTruth(categoryId: string): CategoryDemandTruth | null {
    return this.#truths().categories.get(categoryId) ?? null;
  }

  departmentSeason(departmentId: string): DepartmentSeason | null {
    return this.#truths().seasons.get(departmentId) ?? null;
  }

  seasonEffect(departmentId: string, day: number): number {
    const season = this.departmentSeason(departmentId);
    if (season === null) return 0;
    const bump = seasonalBump(dayOfYear(day), season.peakDay, season.widthDays);
    return season.amplitude * (bump - 0.25);
  }

  /** The season effect of every history day of a department, computed once. */
  #seasonCurve(departmentId: string): Float64Array {
    let curve = this.#seasonCurves.get(departmentId);
    if (curve === undefined) {
      curve = new Float64Array(MARKET_HISTORY_DAYS);
      const season = this.departmentSeason(departmentId);
      if (season !== null) {
        for (let day = 0; day < MARKET_HISTORY_DAYS; day++) {
          const bump = seasonalBump(DAY_TABLE.doy[day] as number, season.peakDay, season.widthDays);
          curve[day] = season.amplitude * (bump - 0.25);
        }
      }
      this.#seasonCurves.set(departmentId, curve);
    }
    return curve;
  }

  economics(productId: string): ProductEconomics | null {
    const cached = this.#economics.get(productId);
    if (cached !== undefined) return cached;
    const product = this.#products.get(productId);
    if (product === undefined) return null;
    const rng = streamFor(this.world.seed, `pricing:product:${productId}`);
    const economics = this.#drawEconomics(rng, product);
    this.#economics.set(productId, economics);
    return economics;
  }

  #drawEconomics(rng: Rng, product: Product): ProductEconomics {
    const category = this.#categories.get(product.categoryId);
    const departmentId = category?.parentId ?? product.categoryId;
    const truth = this.categoryTruth(product.categoryId);
    const tier = this.#brands.get(product.brandId)?.tier ?? "mid";
    const [lowMargin, highMargin] = TIER_MARGIN[tier];
    const list = product.listPrice.amountMinor;
    const margin = lowMargin + rng.next() * (highMargin - lowMargin);
    const elasticity = Math.min(
      -0.3,
      Math.max(-4.5, (truth?.elasticity ?? -1.5) + rng.normal(0, PRODUCT_ELASTICITY_NOISE)),
    );
    // Cheaper things sell more units: a lognormal around 3 units a day for a $30 item.
    const base = Math.min(60, Math.max(0.05, rng.lognormal(3, 0.8) * (3000 / Math.max(list, 100)) ** 0.35));
    const listedDay = Math.floor((Date.parse(product.createdAt) - MARKET_HISTORY_START) / DAY_MS) + 1;
    return {
      productId: product.id,
      categoryId: product.categoryId,
      departmentId,
      listPriceMinor: list,
      costMinor: Math.max(1, Math.round(list * (1 - margin))),
      elasticity,
      baseDailyDemand: base,
      firstDay: Math.min(MARKET_HISTORY_DAYS - 1, Math.max(0, listedDay)),
    };
  }

  history(productId: string): MarketDay[] {
    const days: MarketDay[] = [];
    this.#simulate(productId, (day) => days.push(day));
    return days;
  }

  state(productId: string): MarketState | null {
    const cached = this.#states.get(productId);
    if (cached !== undefined) return cached;
    const recent: MarketDay[] = [];
    const final = this.#simulate(productId, (day) => {
      if (day.day >= MARKET_HISTORY_DAYS - 28) recent.push(day);
    });
    if (final === null) return null;
    const list = this.#products.get(productId)?.listPrice.amountMinor ?? 1;
    const mean = (days: readonly MarketDay[]) =>
      days.length === 0 ? 0 : days.reduce((total, d) => total + d.units, 0) / days.length;
    const regularMean = (days: readonly MarketDay[]) => {
      const regular = days.filter((d) => d.priceMinor >= REGULAR_PRICE_RATIO * list);
      return regular.length === 0 ? mean(days) : mean(regular);
    };
    const last7 = recent.slice(-7);
    const state: MarketState = {
      productId,
      stockLevel: final.stock,
      unitsPerDay7: mean(last7),
      unitsPerDay28: mean(recent),
      regularUnitsPerDay7: regularMean(last7),
      regularUnitsPerDay28: regularMean(recent),
      lastPriceMinor: final.lastPrice,
    };
    this.#states.set(productId, state);
    return state;
  }

  /**
   * Runs one product's year day by day, calling `visit` for every day it was on sale. The product stream is
   * re-created so the history is the same whether or not the economics were cached.
   */
  #simulate(productId: string, visit: (day: MarketDay) => void): { stock: number; lastPrice: number } | null {
    const product = this.#products.get(productId);
    if (product === undefined) return null;
    const rng = streamFor(this.world.seed, `pricing:product:${productId}`);
    const economics = this.#drawEconomics(rng, product);
    const { listPriceMinor: list, baseDailyDemand: base, elasticity, departmentId, firstDay } = economics;
    const logBase = Math.log(base);
    const season = this.#seasonCurve(departmentId);
    const weekend = DAY_TABLE.weekend;

    let stock = Math.round(base * (20 + rng.next() * 40)) + 2;
    let level = rng.normal(0, 0.2);
    let promoDaysLeft = 0;
    let promoPrice = list;
    let incoming = 0;
    let arrivesOn = -1;
    let lastPrice = list;
    let salesRate = base;
    for (let day = firstDay; day < MARKET_HISTORY_DAYS; day++) {
      if (day === arrivesOn) {
        stock += incoming;
        incoming = 0;
        arrivesOn = -1;
      }
      // Reorder when under ~14 days of cover at the recent sales rate (promotions included); now and then a
      // supplier over-delivers (clearance follows).
      const rate = Math.max(base, salesRate);
      if (arrivesOn < 0 && stock < rate * 14) {
        const overDelivery = rng.chance(0.08);
        incoming = Math.round(rate * (overDelivery ? 100 + rng.next() * 80 : 30 + rng.next() * 30)) + 1;
        arrivesOn = day + rng.int(2, 7);
      }

      // One uniform picks the day's pricing (draws are the cost here: 10,000 products × 365 days).
      let price = list;
      if (promoDaysLeft > 0) {
        price = promoPrice;
        promoDaysLeft--;
      } else {
        const u = rng.next();
        if (stock / base > 90 && u < 0.3) {
          promoPrice = list * (1 - (0.2 + rng.next() * 0.2));
          promoDaysLeft = rng.int(7, 21) - 1;
          price = promoPrice;
        } else if (u < 0.06) {
          promoPrice = list * (1 - 0.05 * rng.int(1, 8));
          promoDaysLeft = rng.int(3, 14) - 1;
          price = promoPrice;
        } else if (u < 0.26) {
          price = list * (1 + (rng.next() * 2 - 1) * 0.08);
        }
      }
      const priceMinor = Math.max(1, Math.round(price));

      // The demand level moves weekly (an AR(1) over weeks).
      if ((day - firstDay) % 7 === 0) level = LEVEL_PERSISTENCE * level + rng.normal(0, LEVEL_NOISE);
      const shelf = stock / (7 * base);
      const stockEffect = shelf >= 1 ? 0 : STOCK_EFFECT * Math.log(Math.max(0.02, shelf));
      const logRate =
        logBase +
        (priceMinor === list ? 0 : elasticity * Math.log(priceMinor / list)) +
        (season[day] as number) +
        (weekend[day] as number) +
        level +
        stockEffect;
      const units = Math.min(stock, poisson(rng, Math.exp(logRate)));
      visit({ day, priceMinor, units, stockStart: stock });
      stock -= units;
      salesRate = 0.8 * salesRate + 0.2 * units;
      lastPrice = priceMinor;
    }
    return { stock, lastPrice };
  }
}

/** The market of the default demo world. */
export function demoMarket(): Market {
  return marketFor(demoWorld());
}
