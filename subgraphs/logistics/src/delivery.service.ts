import { badUserInput, toMoney, type Money } from "@aisle/kit";
import type { BatchedModel, FeatureStore } from "@aisle/ml";
import {
  CARRIERS,
  CARRIER_SERVICES,
  carrierPromiseDate,
  type Carrier,
  type CarrierService,
  type ProductLogistics,
  type ServiceLevel,
  type Warehouse,
} from "@aisle/world";
import { hubCongestionFeatures, hubId, warehouseBacklogFeatures } from "./backlog.features.ts";
import type { DeliveryRow } from "./delivery.features.ts";
import { allArrivedBy, lastArrivalQuantile, Z, type DeliveryDistribution } from "./delivery.model.ts";
import type { DeliveryRecalibrator } from "./delivery.recalibration.ts";
import type { Located, NotServed } from "./destination.ts";
import type { PromiseStrategy } from "./promise.strategy.ts";
import type { StockService } from "./stock.service.ts";

const DAY_MS = 86_400_000;
/** Most units of one product in one request, and most distinct products in a cart. */
export const MAX_QUANTITY = 99;
export const MAX_CART_ITEMS = 50;

export interface CartItem {
  readonly productId: string;
  readonly quantity: number;
}

/** One parcel: what leaves which warehouse. */
export interface Parcel {
  readonly warehouse: Warehouse;
  readonly lines: CartItem[];
  readonly weightKg: number;
  readonly distanceKm: number;
}

export interface DeliveryOption {
  readonly carrier: Carrier;
  readonly service: ServiceLevel;
  readonly cost: Money;
  readonly earliestDate: string;
  readonly latestDate: string;
  readonly p50Date: string;
  readonly p90Date: string;
  readonly promisedDate: string;
  readonly onTimeProbability: number;
  readonly carrierPromisedDate: string;
  readonly p50Days: number;
  readonly parcels: readonly Parcel[];
}

export interface DeliveryEstimate {
  readonly options: DeliveryOption[];
  readonly reason: string | null;
  readonly split: boolean;
  readonly degraded: boolean;
}

/** Which option a listing's compact promise stands for. */
export type PromiseChoice = "CHEAPEST" | "FASTEST";

/**
 * A listing's compact delivery promise for one unit of a product: the date of one option, its on-time
 * probability, carrier and cost, with no parcels and no other options. `date` is null (with a reason) when it
 * cannot be delivered.
 */
export interface DeliveryPromise {
  readonly date: string | null;
  readonly onTimeProbability: number | null;
  readonly carrier: Carrier | null;
  readonly service: ServiceLevel | null;
  readonly cost: Money | null;
  readonly reason: string | null;
  readonly degraded: boolean;
}

/** A request for a compact promise: one unit of a product to a destination (parsed and located). */
export interface PromiseRequest {
  readonly productId: string;
  readonly where: Located | NotServed;
  readonly choice: PromiseChoice;
}

/** A request for options: items to one destination (already parsed and located). */
export interface EstimateRequest {
  readonly items: readonly CartItem[];
  readonly where: Located | NotServed;
}

const empty = (reason: string, split = false): DeliveryEstimate => ({
  options: [],
  reason,
  split,
  degraded: false,
});
const noPromise = (reason: string): DeliveryPromise => ({
  date: null,
  onTimeProbability: null,
  carrier: null,
  service: null,
  cost: null,
  reason,
  degraded: false,
});
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Checks a cart's shape; throws BAD_USER_INPUT. Unknown products are an input error too. */
export function checkItems(items: readonly CartItem[], known: (id: string) => boolean): void {
  if (items.length === 0) throw badUserInput("items must not be empty", "items");
  if (items.length > MAX_CART_ITEMS) throw badUserInput(`At most ${MAX_CART_ITEMS} items`, "items");
  const seen = new Set<string>();
  for (const item of items) {
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_QUANTITY) {
      throw badUserInput(`quantity must be 1 to ${MAX_QUANTITY} (got ${item.quantity})`, "quantity");
    }
    if (!known(item.productId))
      throw badUserInput(`Unknown product ${JSON.stringify(item.productId)}`, "productId");
    if (seen.has(item.productId)) throw badUserInput(`Product ${item.productId} is listed twice`, "items");
    seen.add(item.productId);
  }
}

/** Live inputs of the delivery model for one batch. */
interface LiveFeatures {
  readonly degraded: boolean;
  readonly backlogOf: ReadonlyMap<string, number>;
  readonly congestionOf: ReadonlyMap<string, number>;
}

/** What one parcel costs with a carrier service, in minor units (unrounded). */
function parcelCostMinor(cs: CarrierService, p: Parcel): number {
  return cs.costBaseMinor + cs.costPerKgMinor * p.weightKg + (cs.costPer1000KmMinor * p.distanceKm) / 1000;
}

/**
 * Delivery options as distributions. Every request of a batch (the products of a listing, or one cart) goes
 * through ONE feature-store read per feature set and ONE model run: `estimateMany` is a DataLoader batch
 * function.
 */
export class DeliveryService {
  readonly #carriers = new Map(CARRIERS.map((c) => [c.id, c]));

  constructor(
    private readonly stock: StockService,
    private readonly model: BatchedModel<DeliveryRow, DeliveryDistribution>,
    private readonly features: FeatureStore,
    private readonly promise: PromiseStrategy,
    /** Corrects every answer of the model with the recent delivered outcomes (see delivery.recalibration.ts). */
    private readonly recalibrator: DeliveryRecalibrator,
    private readonly now: () => number = Date.now,
  ) {}

  /** The model's answers for `rows`, recalibrated. */
  async #predict(rows: readonly DeliveryRow[]): Promise<(DeliveryDistribution | Error | undefined)[]> {
    const answers = await this.model.predictBatch(rows);
    return answers.map((a) => (a instanceof Error || a === undefined ? a : this.recalibrator.adjust(a)));
  }

  /**
   * Splits items into parcels: everything from the nearest warehouse that has all of it; otherwise each item
   * from the nearest warehouses that have it (an item may itself be split). Null with a reason when the stock
   * does not suffice.
   */
  plan(items: readonly CartItem[], where: Located): { parcels: Parcel[] } | { reason: string } {
    const products: { item: CartItem; product: ProductLogistics }[] = [];
    for (const item of items) {
      const product = this.stock.product(item.productId);
      if (product === null) return { reason: `Product ${item.productId} is not stocked` };
      products.push({ item, product });
    }
    for (const { item, product } of products) {
      if (product.totalStock < item.quantity) {
        return {
          reason:
            product.totalStock === 0
              ? `${item.productId} is out of stock`
              : `Only ${product.totalStock < 6 ? product.totalStock : "a few"} units of ${item.productId} are in stock`,
        };
      }
    }
    const byWarehouse = new Map<
      string,
      { warehouse: Warehouse; km: number; lines: CartItem[]; weightKg: number }
    >();
    const add = (warehouse: Warehouse, km: number, productId: string, quantity: number, unitKg: number) => {
      const entry = byWarehouse.get(warehouse.id) ?? { warehouse, km, lines: [], weightKg: 0 };
      entry.lines.push({ productId, quantity });
      entry.weightKg += unitKg * quantity;
      byWarehouse.set(warehouse.id, entry);
    };
    // One warehouse with everything?
    const candidates = new Map<string, { warehouse: Warehouse; km: number; count: number }>();
    for (const { item, product } of products) {
      for (const c of this.stock.warehousesWith(product, item.quantity, where)) {
        const entry = candidates.get(c.warehouse.id) ?? { warehouse: c.warehouse, km: c.km, count: 0 };
        entry.count += 1;
        candidates.set(c.warehouse.id, entry);
      }
    }
    const whole = [...candidates.values()]
      .filter((c) => c.count === items.length)
      .sort((a, b) => a.km - b.km)[0];
    if (whole !== undefined) {
      for (const { item, product } of products) {
        add(whole.warehouse, whole.km, item.productId, item.quantity, product.unitWeightKg);
      }
    } else {
      for (const { item, product } of products) {
        let left = item.quantity;
        for (const c of this.stock.warehousesWith(product, 1, where)) {
          if (left === 0) break;
          const take = Math.min(left, c.units);
          add(c.warehouse, c.km, item.productId, take, product.unitWeightKg);
          left -= take;
        }
      }
    }
    const parcels = [...byWarehouse.values()].map((p) => ({
      warehouse: p.warehouse,
      lines: p.lines,
      weightKg: Math.round(p.weightKg * 100) / 100,
      distanceKm: Math.round(p.km),
    }));
    return { parcels };
  }

  /** The carrier services that accept every parcel (weight and distance). */
  servicesFor(parcels: readonly Parcel[]): CarrierService[] {
    return CARRIER_SERVICES.filter((cs) =>
      parcels.every((p) => p.weightKg <= cs.maxKg && p.distanceKm <= cs.maxKm),
    );
  }

  /** Estimates for many requests with one feature read per set and one model run. Never throws. */
  async estimateMany(requests: readonly EstimateRequest[]): Promise<(DeliveryEstimate | Error)[]> {
    const orderedAt = this.now();
    const results: (DeliveryEstimate | Error | undefined)[] = new Array(requests.length);
    interface Work {
      readonly index: number;
      readonly where: Located;
      readonly parcels: Parcel[];
      readonly services: CarrierService[];
    }
    const work: Work[] = [];
    requests.forEach((request, index) => {
      if (!request.where.served) {
        results[index] = empty(request.where.reason);
        return;
      }
      const planned = this.plan(request.items, request.where);
      if ("reason" in planned) {
        results[index] = empty(planned.reason);
        return;
      }
      const services = this.servicesFor(planned.parcels);
      if (services.length === 0) {
        results[index] = empty(
          "No carrier accepts these parcels (too heavy or too far)",
          planned.parcels.length > 1,
        );
        return;
      }
      work.push({ index, where: request.where, parcels: planned.parcels, services });
    });
    if (work.length > 0) {
      const live = await this.#liveFeatures(
        work.flatMap((w) => w.parcels.map((p) => p.warehouse.id)),
        work.flatMap((w) => w.services.map((cs) => hubId(cs.carrierId, w.where.region))),
      );
      const rows: DeliveryRow[] = [];
      for (const w of work) {
        for (const cs of w.services) {
          for (const parcel of w.parcels) rows.push(this.#row(cs, parcel, w.where, orderedAt, live));
        }
      }
      const predicted = await this.#predict(rows);
      let cursor = 0;
      for (const w of work) {
        const options: DeliveryOption[] = [];
        let failure: Error | undefined;
        for (const cs of w.services) {
          const dists: DeliveryDistribution[] = [];
          for (let k = 0; k < w.parcels.length; k++) {
            const answer = predicted[cursor++];
            if (answer instanceof Error || answer === undefined)
              failure ??= answer ?? new Error("no prediction");
            else dists.push(answer);
          }
          if (failure === undefined) options.push(this.#option(cs, w.parcels, dists, orderedAt));
        }
        options.sort((a, b) => a.p50Days - b.p50Days || a.cost.amountMinor - b.cost.amountMinor);
        results[w.index] = failure ?? {
          options,
          reason: null,
          split: w.parcels.length > 1,
          degraded: live.degraded,
        };
      }
    }
    return results.map((r) => r ?? new Error("estimate missing"));
  }

  /**
   * Compact promises for many products (one unit each) with one feature read per set and one model run, and
   * without building options: one parcel from the nearest warehouse with stock; for CHEAPEST only the
   * cheapest carrier service is scored (its cost needs no model), for FASTEST every service that accepts the
   * parcel and the earliest promised date wins (then the cheaper). A DataLoader batch function; never throws.
   */
  async promiseMany(requests: readonly PromiseRequest[]): Promise<(DeliveryPromise | Error)[]> {
    const orderedAt = this.now();
    const results: (DeliveryPromise | Error | undefined)[] = new Array(requests.length);
    interface Work {
      readonly index: number;
      readonly where: Located;
      readonly parcel: Parcel;
      readonly services: CarrierService[];
    }
    const work: Work[] = [];
    requests.forEach((request, index) => {
      if (!request.where.served) {
        results[index] = noPromise(request.where.reason);
        return;
      }
      const product = this.stock.product(request.productId);
      if (product === null) {
        results[index] = noPromise(`Product ${request.productId} is not stocked`);
        return;
      }
      const nearest = this.stock.warehousesWith(product, 1, request.where)[0];
      if (nearest === undefined) {
        results[index] = noPromise(`${request.productId} is out of stock`);
        return;
      }
      const parcel: Parcel = {
        warehouse: nearest.warehouse,
        lines: [{ productId: request.productId, quantity: 1 }],
        weightKg: Math.round(product.unitWeightKg * 100) / 100,
        distanceKm: Math.round(nearest.km),
      };
      const accepted = this.servicesFor([parcel]);
      if (accepted.length === 0) {
        results[index] = noPromise("No carrier accepts this parcel (too heavy or too far)");
        return;
      }
      const services =
        request.choice === "FASTEST"
          ? accepted
          : [
              accepted.reduce((best, cs) =>
                parcelCostMinor(cs, parcel) < parcelCostMinor(best, parcel) ? cs : best,
              ),
            ];
      work.push({ index, where: request.where, parcel, services });
    });
    if (work.length > 0) {
      const live = await this.#liveFeatures(
        work.map((w) => w.parcel.warehouse.id),
        work.flatMap((w) => w.services.map((cs) => hubId(cs.carrierId, w.where.region))),
      );
      const rows = work.flatMap((w) =>
        w.services.map((cs) => this.#row(cs, w.parcel, w.where, orderedAt, live)),
      );
      const predicted = await this.#predict(rows);
      let cursor = 0;
      for (const w of work) {
        let best: { promise: DeliveryPromise; days: number; costMinor: number } | undefined;
        let failure: Error | undefined;
        for (const cs of w.services) {
          const answer = predicted[cursor++];
          if (answer instanceof Error || answer === undefined) {
            failure ??= answer ?? new Error("no prediction");
            continue;
          }
          const days = this.promise.promiseDays([answer]);
          const costMinor = parcelCostMinor(cs, w.parcel);
          const date = isoDate(orderedAt + days * DAY_MS);
          if (best !== undefined && (best.promise.date as string) < date) continue;
          if (best !== undefined && best.promise.date === date && best.costMinor <= costMinor) continue;
          const promisedEnd = Date.parse(`${date}T00:00:00Z`) + DAY_MS;
          best = {
            days,
            costMinor,
            promise: {
              date,
              onTimeProbability:
                Math.round(allArrivedBy([answer], (promisedEnd - orderedAt) / DAY_MS) * 1000) / 1000,
              carrier: this.#carriers.get(cs.carrierId) as Carrier,
              service: cs.service,
              cost: toMoney(Math.round(costMinor), "USD"),
              reason: null,
              degraded: live.degraded,
            },
          };
        }
        results[w.index] = failure ?? best?.promise ?? new Error("promise missing");
      }
    }
    return results.map((r) => r ?? new Error("promise missing"));
  }

  /** Backlog per warehouse and congestion per hub, read once per batch (deduplicated ids). */
  async #liveFeatures(warehouseIds: readonly string[], hubIds: readonly string[]): Promise<LiveFeatures> {
    const warehouses = [...new Set(warehouseIds)];
    const hubs = [...new Set(hubIds)];
    const [backlog, congestion] = await Promise.all([
      this.features.read(warehouseBacklogFeatures, warehouses),
      this.features.read(hubCongestionFeatures, hubs),
    ]);
    return {
      degraded: backlog.degraded || congestion.degraded,
      backlogOf: new Map(
        warehouses.map((id, i) => [
          id,
          backlog.values[i]?.backlog ?? warehouseBacklogFeatures.defaults.backlog,
        ]),
      ),
      congestionOf: new Map(hubs.map((id, i) => [id, congestion.values[i]?.congestion ?? 0])),
    };
  }

  /** The model's input row for one parcel with one carrier service. */
  #row(
    cs: CarrierService,
    parcel: Parcel,
    where: Located,
    orderedAt: number,
    live: LiveFeatures,
  ): DeliveryRow {
    return {
      warehouseId: parcel.warehouse.id,
      carrierId: cs.carrierId,
      service: cs.service,
      distanceKm: parcel.distanceKm,
      destRegion: where.region,
      orderedAt,
      weightKg: parcel.weightKg,
      quantity: parcel.lines.reduce((n, l) => n + l.quantity, 0),
      warehouseBacklog: live.backlogOf.get(parcel.warehouse.id) ?? warehouseBacklogFeatures.defaults.backlog,
      hubCongestion: live.congestionOf.get(hubId(cs.carrierId, where.region)) ?? 0,
      cutoffHourUtc: parcel.warehouse.cutoffHourUtc,
      // What the shopper sees at checkout; only models trained on a real table use them (see CARD.md).
      promisedDays:
        (Date.parse(
          `${carrierPromiseDate(cs, orderedAt, parcel.distanceKm, parcel.warehouse.cutoffHourUtc)}T00:00:00Z`,
        ) -
          orderedAt) /
        DAY_MS,
      shippingCost: parcelCostMinor(cs, parcel) / 100,
    };
  }

  #option(
    cs: CarrierService,
    parcels: readonly Parcel[],
    dists: readonly DeliveryDistribution[],
    orderedAt: number,
  ): DeliveryOption {
    const at = (days: number) => isoDate(orderedAt + days * DAY_MS);
    const p50 = lastArrivalQuantile(dists, 0.5, Z.p50);
    const promiseDays = this.promise.promiseDays(dists);
    const promisedDate = at(promiseDays);
    const promisedEnd = Date.parse(`${promisedDate}T00:00:00Z`) + DAY_MS;
    const costMinor = parcels.reduce((sum, p) => sum + parcelCostMinor(cs, p), 0);
    const carrierPromise = parcels
      .map((p) => carrierPromiseDate(cs, orderedAt, p.distanceKm, p.warehouse.cutoffHourUtc))
      .sort()
      .at(-1) as string;
    return {
      carrier: this.#carriers.get(cs.carrierId) as Carrier,
      service: cs.service,
      cost: toMoney(Math.round(costMinor), "USD"),
      earliestDate: at(lastArrivalQuantile(dists, 0.1, Z.p10)),
      latestDate: at(lastArrivalQuantile(dists, 0.99, Z.p99)),
      p50Date: at(p50),
      p90Date: at(lastArrivalQuantile(dists, 0.9, Z.p90)),
      promisedDate,
      onTimeProbability: Math.round(allArrivedBy(dists, (promisedEnd - orderedAt) / DAY_MS) * 1000) / 1000,
      carrierPromisedDate: carrierPromise,
      p50Days: Math.round(p50 * 100) / 100,
      parcels,
    };
  }
}
