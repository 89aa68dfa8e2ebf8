import {
  CARRIERS,
  CARRIER_SERVICES,
  WAREHOUSES,
  locateUsZip,
  roadKm,
  type Carrier,
  type CarrierService,
  type ServiceLevel,
  type Warehouse,
} from "./logistics-data.ts";
import { MARKET_HISTORY_DAYS, MARKET_HISTORY_START, marketFor } from "./market.ts";
import { streamFor, weightedPicker, type Rng } from "./rng.ts";
import type { Product, User, World } from "./types.ts";
import { demoWorld } from "./world.ts";

/**
 * The demo logistics: warehouses, stock per product and warehouse, carriers, and a year of shipments whose
 * delivery times come from KNOWN rules, so a delivery model can be checked against the truth.
 *
 * Its own streams (`logistics:…`), so no existing part changes. Lazy: stock is drawn per product on first use;
 * the backlog series and the shipment history are generated on first use (~70k shipments, well under a second).
 *
 * The truth of one shipment (all times UTC):
 * - dispatch: the order leaves its warehouse the same day when placed on a weekday before the cutoff, else on
 *   the next weekday; a warehouse backlog above 1.0 (orders queued / daily capacity) adds about
 *   `2 · (backlog − 1)` more weekdays;
 * - transit (days from dispatch, 17:00): lognormal with median
 *   `(baseDays + daysPer1000Km · km/1000) · exp(peakSlowdown · peak(day) + congestionSensitivity · hub)`
 *   plus `heavyDays` above 20 kg, and spread `sigma` of the carrier service (see CARRIER_SERVICES);
 * - a delivery that would fall on a Sunday (or a Saturday for carriers without Saturday delivery) moves to the
 *   next delivery day, 09:00–18:00;
 * - the carrier's published promise: `ceil(promiseBaseDays + promisePer1000Km · km/1000)` business days after
 *   the nominal dispatch day (backlog ignored: the naive rule the model should beat).
 * - backlog: per warehouse an AR(1) around `0.65 + 0.45 · peak(day)` with spikes (a bad week: +1.2, decaying);
 *   hub congestion per carrier and destination region (ZIP first digit): an AR(1) around 0 with weather
 *   spikes (+1.5, decaying).
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Orders per day outside the peak; the peak adds up to 60 %. */
const BASE_ORDERS_PER_DAY = 190;
export const HEAVY_KG = 20;
/** Hour-of-day weights of orders (UTC): evenings in the US are busiest. */
const HOUR_WEIGHTS = [6, 5, 4, 3, 2, 1.5, 1, 1, 1, 1.5, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7];
const SERVICE_WEIGHTS: Readonly<Record<ServiceLevel, number>> = {
  ECONOMY: 0.22,
  GROUND: 0.53,
  EXPRESS: 0.2,
  OVERNIGHT: 0.05,
};

/** A parcel's way from a warehouse to a destination: what the truth and the model both see. */
export interface Lane {
  readonly warehouseId: string;
  readonly carrierId: string;
  readonly service: ServiceLevel;
  readonly distanceKm: number;
  /** ZIP first digit of the destination, 0–9. */
  readonly destRegion: number;
}

/** One shipment of the history. Times are epoch milliseconds (UTC). */
export interface Shipment {
  readonly id: string;
  readonly productId: string;
  readonly quantity: number;
  readonly weightKg: number;
  readonly orderedAt: number;
  readonly warehouseId: string;
  readonly country: "US";
  readonly postalCode: string;
  readonly destRegion: number;
  readonly distanceKm: number;
  readonly carrierId: string;
  readonly service: ServiceLevel;
  /** Warehouse backlog (orders queued / capacity) on the order day. */
  readonly warehouseBacklog: number;
  /** Congestion of the carrier's hub for the destination region on the order day. */
  readonly hubCongestion: number;
  /** The carrier's published promise, an ISO date (the parcel is on time when delivered that day or before). */
  readonly promisedDate: string;
  readonly dispatchedAt: number;
  readonly deliveredAt: number;
}

/** Stock of one product in one warehouse. */
export interface WarehouseStock {
  readonly warehouseId: string;
  readonly quantity: number;
  /** Share of the product's demand this warehouse serves (its allocation weight). */
  readonly demandShare: number;
}

/** The logistics facts of one product. */
export interface ProductLogistics {
  readonly productId: string;
  /** Weight of one unit, kg. */
  readonly unitWeightKg: number;
  /** Units in stock in total (equals the market's end-of-history stock). */
  readonly totalStock: number;
  /** Warehouses that stock it, largest share first; others hold none. */
  readonly stock: readonly WarehouseStock[];
}

export interface Logistics {
  readonly warehouses: readonly Warehouse[];
  readonly carriers: readonly Carrier[];
  readonly carrierServices: readonly CarrierService[];
  /** Cached per product; null for an unknown product. */
  product(productId: string): ProductLogistics | null;
  /** The shipment history, oldest first (generated on first call, then cached). */
  shipments(): readonly Shipment[];
  /** Backlog of a warehouse on a history day (day MARKET_HISTORY_DAYS = "today"). */
  warehouseBacklog(warehouseId: string, day: number): number;
  /** Congestion of a carrier's hub for a destination region on a history day (up to "today"). */
  hubCongestion(carrierId: string, region: number, day: number): number;
  /** The true median transit days (dispatch to doorstep) of a lane. */
  trueTransitMedianDays(lane: Lane, weightKg: number, day: number, congestion: number): number;
}

/** 0..1: how far into the peak season (late November to Christmas) a day index is. */
export function peakSeason(day: number): number {
  if (day >= 0 && day < PEAK_TABLE.length) return PEAK_TABLE[day] as number;
  return peakOfDay(day);
}

function peakOfDay(day: number): number {
  return peakSeasonAt(MARKET_HISTORY_START + day * DAY_MS);
}

/** 0..1: how far into the peak season a time (epoch ms) is; any year. */
export function peakSeasonAt(ms: number): number {
  const date = new Date(ms);
  const doy = Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS);
  // Day of year 325 (≈ 21 Nov) to 358 (≈ 24 Dec), ramping up over the first week.
  if (doy < 325 || doy > 358) return 0;
  return Math.min(1, (doy - 324) / 7);
}

/** The peak of every history day (and "today"), computed once. */
const PEAK_TABLE = Float64Array.from({ length: MARKET_HISTORY_DAYS + 1 }, (_, day) => peakOfDay(day));

/** Weekday (0 = Sunday) of an epoch-millisecond time, UTC (1 January 1970 was a Thursday). */
export function weekdayOf(ms: number): number {
  return (((Math.floor(ms / DAY_MS) + 4) % 7) + 7) % 7;
}

/** Midnight UTC of the next weekday on or after `dayStartMs`. */
function onOrNextWeekday(dayStartMs: number): number {
  let t = dayStartMs;
  while (weekdayOf(t) === 0 || weekdayOf(t) === 6) t += DAY_MS;
  return t;
}

/** Adds `n` business days (Mon–Fri) to a midnight. */
export function addBusinessDays(dayStartMs: number, n: number): number {
  let t = dayStartMs;
  for (let i = 0; i < n; i++) t = onOrNextWeekday(t + DAY_MS);
  return t;
}

const logisticsByWorld = new WeakMap<World, Logistics>();

/** The logistics part of a world, built lazily and cached per world object. */
export function logisticsFor(world: World): Logistics {
  let logistics = logisticsByWorld.get(world);
  if (logistics === undefined) {
    logistics = new LazyLogistics(world);
    logisticsByWorld.set(world, logistics);
  }
  return logistics;
}

/** The logistics of the default demo world. */
export function demoLogistics(): Logistics {
  return logisticsFor(demoWorld());
}

/** The carrier's published promise date (ISO) for an order, from the nominal dispatch day. */
export function carrierPromiseDate(
  cs: CarrierService,
  orderedAt: number,
  distanceKm: number,
  cutoffHourUtc: number,
): string {
  const dispatchDay = nominalDispatchDay(orderedAt, cutoffHourUtc);
  const days = Math.ceil(cs.promiseBaseDays + (cs.promisePer1000Km * distanceKm) / 1000);
  return new Date(addBusinessDays(dispatchDay, days)).toISOString().slice(0, 10);
}

/** Midnight of the day an order would leave with no backlog. */
export function nominalDispatchDay(orderedAt: number, cutoffHourUtc: number): number {
  const dayStart = Math.floor(orderedAt / DAY_MS) * DAY_MS;
  const hour = (orderedAt - dayStart) / HOUR_MS;
  const weekday = weekdayOf(dayStart);
  if (weekday !== 0 && weekday !== 6 && hour < cutoffHourUtc) return dayStart;
  return onOrNextWeekday(dayStart + DAY_MS);
}

const BACKLOG_DAYS = MARKET_HISTORY_DAYS + 1;

class LazyLogistics implements Logistics {
  readonly warehouses = WAREHOUSES;
  readonly carriers = CARRIERS;
  readonly carrierServices = CARRIER_SERVICES;
  readonly #products = new Map<string, ProductLogistics>();
  readonly #profiles = new Map<string, { unitWeightKg: number; ids: string[]; weights: number[] }>();
  readonly #productIds: ReadonlySet<string>;
  #backlog: Map<string, Float64Array> | undefined;
  #congestion: Map<string, Float64Array> | undefined;
  #shipments: Shipment[] | undefined;

  constructor(private readonly world: World) {
    this.#productIds = new Set(world.products.map((p) => p.id));
  }

  product(productId: string): ProductLogistics | null {
    const cached = this.#products.get(productId);
    if (cached !== undefined) return cached;
    if (!this.#productIds.has(productId)) return null;
    const { unitWeightKg, ids, weights } = this.#profile(productId);
    const marketStock = marketFor(this.world).state(productId)?.stockLevel;
    const totalStock = marketStock ?? 0;
    const quantities = largestRemainder(totalStock, weights);
    const stock = ids
      .map((warehouseId, i) => ({
        warehouseId,
        quantity: quantities[i] as number,
        demandShare: weights[i] as number,
      }))
      .sort((a, b) => b.demandShare - a.demandShare);
    const value: ProductLogistics = { productId, unitWeightKg, totalStock, stock };
    this.#products.set(productId, value);
    return value;
  }

  /** Weight and warehouse allocation of a product (cheap: no market simulation), cached. */
  #profile(productId: string): { unitWeightKg: number; ids: string[]; weights: number[] } {
    let profile = this.#profiles.get(productId);
    if (profile === undefined) {
      const rng = streamFor(this.world.seed, `logistics:product:${productId}`);
      const unitWeightKg = Math.min(40, Math.max(0.05, rng.lognormal(1.1, 1.0)));
      profile = { unitWeightKg, ...this.#allocation(rng) };
      this.#profiles.set(productId, profile);
    }
    return profile;
  }

  /** 2–4 warehouses (bigger ones likelier) with normalised random weights. */
  #allocation(rng: Rng): { ids: string[]; weights: number[] } {
    const count = rng.int(2, 4);
    const chosen: Warehouse[] = [];
    const pool = [...WAREHOUSES];
    while (chosen.length < count) {
      const pick = rng.weightedPick(
        pool,
        pool.map((w) => w.size),
      );
      chosen.push(pick);
      pool.splice(pool.indexOf(pick), 1);
    }
    const raw = chosen.map((w) => w.size * (0.3 + rng.next()));
    const total = raw.reduce((a, b) => a + b, 0);
    return { ids: chosen.map((w) => w.id), weights: raw.map((r) => r / total) };
  }

  #series(): { backlog: Map<string, Float64Array>; congestion: Map<string, Float64Array> } {
    if (this.#backlog === undefined || this.#congestion === undefined) {
      const rng = streamFor(this.world.seed, "logistics:backlog");
      const backlog = new Map<string, Float64Array>();
      for (const w of WAREHOUSES) {
        const series = new Float64Array(BACKLOG_DAYS);
        let x = 0;
        let spike = 0;
        for (let day = 0; day < BACKLOG_DAYS; day++) {
          x = 0.75 * x + rng.normal(0, 0.1);
          spike = 0.8 * spike + (rng.chance(1 / 45) ? 1.2 : 0);
          series[day] = Math.max(0, 0.65 + 0.45 * peakSeason(day) + x + spike);
        }
        backlog.set(w.id, series);
      }
      const congestion = new Map<string, Float64Array>();
      for (const c of CARRIERS) {
        for (let region = 0; region < 10; region++) {
          const series = new Float64Array(BACKLOG_DAYS);
          let x = 0;
          let spike = 0;
          for (let day = 0; day < BACKLOG_DAYS; day++) {
            x = 0.7 * x + rng.normal(0, 0.2);
            spike = 0.7 * spike + (rng.chance(1 / 70) ? 1.5 : 0);
            series[day] = x + spike;
          }
          congestion.set(`${c.id}:${region}`, series);
        }
      }
      this.#backlog = backlog;
      this.#congestion = congestion;
    }
    return { backlog: this.#backlog, congestion: this.#congestion };
  }

  warehouseBacklog(warehouseId: string, day: number): number {
    const series = this.#series().backlog.get(warehouseId);
    if (series === undefined) return 0;
    return series[Math.min(BACKLOG_DAYS - 1, Math.max(0, day))] as number;
  }

  hubCongestion(carrierId: string, region: number, day: number): number {
    const series = this.#series().congestion.get(`${carrierId}:${region}`);
    if (series === undefined) return 0;
    return series[Math.min(BACKLOG_DAYS - 1, Math.max(0, day))] as number;
  }

  trueTransitMedianDays(lane: Lane, weightKg: number, day: number, congestion: number): number {
    const cs = serviceOf(lane.carrierId, lane.service);
    const carrier = CARRIERS.find((c) => c.id === lane.carrierId) as Carrier;
    const base = cs.baseDays + (cs.daysPer1000Km * lane.distanceKm) / 1000;
    const slow = Math.exp(
      carrier.peakSlowdown * peakSeason(day) + carrier.congestionSensitivity * congestion,
    );
    return base * slow + (weightKg > HEAVY_KG ? cs.heavyDays : 0);
  }

  shipments(): readonly Shipment[] {
    this.#shipments ??= this.#generateShipments();
    return this.#shipments;
  }

  #generateShipments(): Shipment[] {
    const rng = streamFor(this.world.seed, "logistics:shipments");
    const users = this.world.users;
    const products = this.world.products;
    const shipments: Shipment[] = [];
    if (users.length === 0 || products.length === 0) return shipments;
    const pickHour = weightedPicker(
      rng,
      HOUR_WEIGHTS.map((_, h) => h),
      HOUR_WEIGHTS,
    );
    const levels = Object.keys(SERVICE_WEIGHTS) as ServiceLevel[];
    const pickLevel = weightedPicker(
      rng,
      levels,
      levels.map((l) => SERVICE_WEIGHTS[l]),
    );
    const warehouseById = new Map(WAREHOUSES.map((w) => [w.id, w]));
    const located = new Map<string, ReturnType<typeof locateUsZip>>();
    for (let day = 0; day < MARKET_HISTORY_DAYS; day++) {
      const dayStart = MARKET_HISTORY_START + day * DAY_MS;
      const weekend = weekdayOf(dayStart) === 0 || weekdayOf(dayStart) === 6;
      const expected = BASE_ORDERS_PER_DAY * (1 + 0.6 * peakSeason(day)) * (weekend ? 0.85 : 1);
      const count = Math.max(0, Math.round(rng.normal(expected, Math.sqrt(expected))));
      for (let k = 0; k < count; k++) {
        const user = users[Math.floor(rng.next() * users.length)] as User;
        const product = products[Math.floor(rng.next() * products.length)] as Product;
        const orderedAt = dayStart + pickHour() * HOUR_MS + Math.floor(rng.next() * HOUR_MS);
        const quantity = rng.weightedPick([1, 2, 3], [0.75, 0.18, 0.07]);
        const level = pickLevel();
        const carrierChoices = CARRIER_SERVICES.filter((cs) => cs.service === level);
        const cs = rng.pick(carrierChoices);
        const noise = rng.normal(0, 1);
        const extraRound = rng.next();
        const deliveryHour = 9 + rng.next() * 9;
        let location = located.get(user.location.postalCode);
        if (location === undefined) {
          location = locateUsZip(user.location.postalCode);
          located.set(user.location.postalCode, location);
        }
        if (!location.served) continue;
        const profile = this.#profile(product.id);
        const weightKg = profile.unitWeightKg * quantity;
        if (weightKg > cs.maxKg) continue;
        // The nearest warehouse that stocks the product.
        let origin = warehouseById.get(profile.ids[0] as string) as Warehouse;
        let distanceKm = Number.POSITIVE_INFINITY;
        for (const id of profile.ids) {
          const w = warehouseById.get(id) as Warehouse;
          const km = roadKm(w.lat, w.lon, location.lat, location.lon);
          if (km < distanceKm) {
            distanceKm = km;
            origin = w;
          }
        }
        if (distanceKm > cs.maxKm) continue;
        const lane: Lane = {
          warehouseId: origin.id,
          carrierId: cs.carrierId,
          service: cs.service,
          distanceKm,
          destRegion: location.region,
        };
        const backlog = this.warehouseBacklog(origin.id, day);
        const congestion = this.hubCongestion(cs.carrierId, location.region, day);
        const dispatchedAt = this.#dispatch(orderedAt, origin, backlog, extraRound);
        const median = this.trueTransitMedianDays(lane, weightKg, day, congestion);
        let deliveredAt = dispatchedAt + median * Math.exp(cs.sigma * noise) * DAY_MS;
        deliveredAt = this.#deliveryDay(deliveredAt, cs.carrierId, deliveryHour);
        shipments.push({
          id: `s-${String(shipments.length + 1).padStart(6, "0")}`,
          productId: product.id,
          quantity,
          weightKg,
          orderedAt,
          warehouseId: origin.id,
          country: "US",
          postalCode: user.location.postalCode,
          destRegion: location.region,
          distanceKm: Math.round(distanceKm),
          carrierId: cs.carrierId,
          service: cs.service,
          warehouseBacklog: round3(backlog),
          hubCongestion: round3(congestion),
          promisedDate: carrierPromiseDate(cs, orderedAt, distanceKm, origin.cutoffHourUtc),
          dispatchedAt,
          deliveredAt,
        });
      }
    }
    return shipments;
  }

  /** 17:00 on the dispatch day: the nominal day, plus weekdays lost to a backlog above capacity. */
  #dispatch(orderedAt: number, origin: Warehouse, backlog: number, u: number): number {
    const day = nominalDispatchDay(orderedAt, origin.cutoffHourUtc);
    const extra = Math.floor(Math.max(0, 2 * (backlog - 1)) + u);
    return addBusinessDays(day, extra) + 17 * HOUR_MS;
  }

  /** Moves a delivery off a non-delivery day to the next delivery day, at `hour`. */
  #deliveryDay(at: number, carrierId: string, hour: number): number {
    const carrier = CARRIERS.find((c) => c.id === carrierId) as Carrier;
    const dayStart = Math.floor(at / DAY_MS) * DAY_MS;
    let t = dayStart;
    const closed = (ms: number) => weekdayOf(ms) === 0 || (weekdayOf(ms) === 6 && !carrier.deliversSaturday);
    if (!closed(t)) {
      // Night arrivals go out with the morning round; late-evening ones the next delivery day.
      const hourOfDay = (at - dayStart) / HOUR_MS;
      if (hourOfDay < 8) return dayStart + hour * HOUR_MS;
      if (hourOfDay <= 20) return at;
      t += DAY_MS;
    }
    while (closed(t)) t += DAY_MS;
    return t + hour * HOUR_MS;
  }
}

function serviceOf(carrierId: string, level: ServiceLevel): CarrierService {
  const cs = CARRIER_SERVICES.find((s) => s.carrierId === carrierId && s.service === level);
  if (cs === undefined) throw new RangeError(`No service ${level} for carrier ${carrierId}`);
  return cs;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Splits an integer total by weights so the parts sum to the total (largest remainder). */
function largestRemainder(total: number, weights: readonly number[]): number[] {
  const exact = weights.map((w) => w * total);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i] = (parts[i] as number) + 1;
    left--;
  }
  return parts;
}
