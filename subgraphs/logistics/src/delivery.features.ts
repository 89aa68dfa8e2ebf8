import {
  CARRIERS,
  HEAVY_KG,
  SERVICE_LEVELS,
  WAREHOUSES,
  peakSeasonAt,
  weekdayOf,
  type ServiceLevel,
} from "@aisle/world";

/**
 * The delivery model's input row and its encoding. The SAME function encodes the training data
 * (models/logistics/export-data.ts for the demo world, models/logistics/import-data.ts for a real order table
 * such as Olist's) and the served requests, so training and serving cannot drift apart.
 *
 * A model names its features in model.json; `deliveryEncoder(names)` builds the encoder for exactly that list,
 * so a model trained on another table (other origins, destination areas, no carrier) is served by the same
 * code. The demo model uses DELIVERY_FEATURES.
 */
export interface DeliveryRow {
  /** Where the parcel leaves from: a demo warehouse id, or e.g. the seller's state in a real table. */
  readonly warehouseId: string;
  /** Carrier id; "" when the table does not say. */
  readonly carrierId: string;
  /** Service level (ServiceLevel in the demo); "" when the table does not say. */
  readonly service: ServiceLevel | "";
  /** Lane distance in km; NaN when unknown. */
  readonly distanceKm: number;
  /** Postal code first digit of the destination, 0–9 (US ZIP or Brazilian CEP region); −1 when unknown. */
  readonly destRegion: number;
  /** When the order is placed, epoch ms (UTC). */
  readonly orderedAt: number;
  /** Parcel weight in kg; NaN when unknown. */
  readonly weightKg: number;
  readonly quantity: number;
  /** Orders queued at the warehouse / its daily capacity (feature store). */
  readonly warehouseBacklog: number;
  /** Congestion of the carrier's hub for the destination region (feature store; 0 is normal). */
  readonly hubCongestion: number;
  /** The warehouse's same-day cutoff, UTC hour. */
  readonly cutoffHourUtc: number;
  /** A finer destination area when known (a state code such as "SP"); one-hot `dest_area_<code>`. */
  readonly destArea?: string;
  /**
   * Days from the order to the start of the date the carrier or marketplace promises at checkout (the demo's
   * carrier promise, Olist's `order_estimated_delivery_date`); NaN or absent when unknown.
   */
  readonly promisedDays?: number;
  /** What the shopper pays for shipping this parcel, in the table's currency; NaN or absent when unknown. */
  readonly shippingCost?: number;
}

/** What a demo-world shipment (the world's history, or one the subgraph tracks) tells the model. */
export interface ShipmentFacts {
  readonly warehouseId: string;
  readonly carrierId: string;
  readonly service: ServiceLevel;
  readonly distanceKm: number;
  readonly destRegion: number;
  readonly orderedAt: number | Date;
  readonly weightKg: number;
  readonly quantity: number;
}

/** The model's row for a demo-world shipment, with the live features read for it. */
export function shipmentRow(
  s: ShipmentFacts,
  live: { readonly warehouseBacklog: number; readonly hubCongestion: number },
): DeliveryRow {
  return {
    warehouseId: s.warehouseId,
    carrierId: s.carrierId,
    service: s.service,
    distanceKm: s.distanceKm,
    destRegion: s.destRegion,
    orderedAt: typeof s.orderedAt === "number" ? s.orderedAt : s.orderedAt.getTime(),
    weightKg: s.weightKg,
    quantity: s.quantity,
    warehouseBacklog: live.warehouseBacklog,
    hubCongestion: live.hubCongestion,
    cutoffHourUtc: WAREHOUSES.find((w) => w.id === s.warehouseId)?.cutoffHourUtc ?? 20,
  };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Feature names of the demo model, in tensor column order (model.json lists them too). */
export const DELIVERY_FEATURES: readonly string[] = [
  "distance_1000km",
  "log_distance",
  ...CARRIERS.map((c) => `carrier_${c.id}`),
  ...SERVICE_LEVELS.map((s) => `service_${s.toLowerCase()}`),
  ...WAREHOUSES.map((w) => `origin_${w.id}`),
  ...Array.from({ length: 10 }, (_, r) => `dest_region_${r}`),
  ...Array.from({ length: 7 }, (_, d) => `order_weekday_${d}`),
  "order_hour",
  "after_cutoff",
  "season_sin",
  "season_cos",
  "peak_season",
  "log_weight_kg",
  "heavy",
  "log_quantity",
  "warehouse_backlog",
  "hub_congestion",
];

const known = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);
const hourOf = (ms: number): number => (ms - Math.floor(ms / DAY_MS) * DAY_MS) / HOUR_MS;
const dayOfYear = (ms: number): number => (ms - Date.UTC(new Date(ms).getUTCFullYear(), 0, 1)) / DAY_MS;

/** Numeric features by name. An unknown input gives 0 (pair it with its `_missing` flag). */
const SCALARS: Readonly<Record<string, (row: DeliveryRow) => number>> = {
  distance_1000km: (r) => (known(r.distanceKm) ? r.distanceKm / 1000 : 0),
  log_distance: (r) => (known(r.distanceKm) ? Math.log1p(r.distanceKm / 100) : 0),
  distance_missing: (r) => (known(r.distanceKm) ? 0 : 1),
  dest_unknown: (r) => (r.destRegion < 0 ? 1 : 0),
  order_hour: (r) => hourOf(r.orderedAt) / 24,
  after_cutoff: (r) => (hourOf(r.orderedAt) >= r.cutoffHourUtc ? 1 : 0),
  season_sin: (r) => Math.sin((2 * Math.PI * dayOfYear(r.orderedAt)) / 365.25),
  season_cos: (r) => Math.cos((2 * Math.PI * dayOfYear(r.orderedAt)) / 365.25),
  peak_season: (r) => peakSeasonAt(r.orderedAt),
  log_weight_kg: (r) => (known(r.weightKg) ? Math.log(Math.max(0.01, r.weightKg)) : 0),
  heavy: (r) => (known(r.weightKg) && r.weightKg > HEAVY_KG ? 1 : 0),
  weight_missing: (r) => (known(r.weightKg) ? 0 : 1),
  log_quantity: (r) => Math.log(Math.max(1, r.quantity)),
  warehouse_backlog: (r) => r.warehouseBacklog,
  hub_congestion: (r) => r.hubCongestion,
  log_promised_days: (r) => (known(r.promisedDays) ? Math.log(Math.max(0.5, r.promisedDays)) : 0),
  promised_missing: (r) => (known(r.promisedDays) ? 0 : 1),
  log_shipping_cost: (r) => (known(r.shippingCost) ? Math.log1p(Math.max(0, r.shippingCost)) : 0),
  shipping_cost_missing: (r) => (known(r.shippingCost) ? 0 : 1),
};

/** One-hot features by prefix: `<prefix><value>` is 1 when the row's value is exactly that. */
const ONE_HOTS: readonly (readonly [string, (row: DeliveryRow) => string])[] = [
  ["carrier_", (r) => r.carrierId],
  ["service_", (r) => r.service.toLowerCase()],
  ["origin_", (r) => r.warehouseId],
  ["dest_region_", (r) => String(r.destRegion)],
  ["dest_area_", (r) => r.destArea ?? ""],
  ["order_weekday_", (r) => String(weekdayOf(r.orderedAt))],
];

/** Encodes rows into the columns a model names; build once per model (see deliveryEncoder). */
export type DeliveryEncoder = (row: DeliveryRow) => number[];

/**
 * The encoder for a model's feature list. Throws for a name it cannot compute, so a model the code cannot
 * feed is refused at its first use, never fed zeros silently.
 */
export function deliveryEncoder(names: readonly string[]): DeliveryEncoder {
  const columns = names.map((name): ((row: DeliveryRow) => number) => {
    const scalar = SCALARS[name];
    if (scalar !== undefined) return scalar;
    for (const [prefix, value] of ONE_HOTS) {
      if (name.startsWith(prefix)) {
        const wanted = name.slice(prefix.length);
        return (row) => (value(row) === wanted ? 1 : 0);
      }
    }
    throw new Error(`delivery feature ${JSON.stringify(name)} is not one the subgraph can compute`);
  });
  return (row) => columns.map((column) => column(row));
}

/** Why a row cannot be encoded, or undefined when it can. */
export function deliveryRowProblem(row: DeliveryRow): string | undefined {
  if (!Number.isInteger(row.destRegion) || row.destRegion < -1 || row.destRegion > 9) return "bad region";
  if (!(row.quantity >= 1)) return "quantity must be at least 1";
  if (!Number.isFinite(row.orderedAt)) return "bad order time";
  return undefined;
}

const demoEncoder = deliveryEncoder(DELIVERY_FEATURES);

/** One row as the demo model's float features (DELIVERY_FEATURES order). */
export function encodeDeliveryRow(row: DeliveryRow): number[] {
  return demoEncoder(row);
}
