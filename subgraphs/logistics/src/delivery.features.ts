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
 * (models/logistics/export-data.ts) and the served requests, so training and serving cannot drift apart.
 */
export interface DeliveryRow {
  readonly warehouseId: string;
  readonly carrierId: string;
  readonly service: ServiceLevel;
  readonly distanceKm: number;
  /** ZIP first digit of the destination, 0–9. */
  readonly destRegion: number;
  /** When the order is placed, epoch ms (UTC). */
  readonly orderedAt: number;
  readonly weightKg: number;
  readonly quantity: number;
  /** Orders queued at the warehouse / its daily capacity (feature store). */
  readonly warehouseBacklog: number;
  /** Congestion of the carrier's hub for the destination region (feature store; 0 is normal). */
  readonly hubCongestion: number;
  /** The warehouse's same-day cutoff, UTC hour. */
  readonly cutoffHourUtc: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Feature names, in tensor column order (model.json lists them too). */
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

const carrierIndex = new Map(CARRIERS.map((c, i) => [c.id, i]));
const serviceIndex = new Map(SERVICE_LEVELS.map((s, i) => [s, i]));
const warehouseIndex = new Map(WAREHOUSES.map((w, i) => [w.id, i]));

/** Why a row cannot be encoded, or undefined when it can. */
export function deliveryRowProblem(row: DeliveryRow): string | undefined {
  if (!carrierIndex.has(row.carrierId)) return `unknown carrier ${row.carrierId}`;
  if (!serviceIndex.has(row.service)) return `unknown service ${row.service}`;
  if (!warehouseIndex.has(row.warehouseId)) return `unknown warehouse ${row.warehouseId}`;
  if (!Number.isInteger(row.destRegion) || row.destRegion < 0 || row.destRegion > 9) return "bad region";
  if (!(row.quantity >= 1)) return "quantity must be at least 1";
  return undefined;
}

/** One row as the model's float features (DELIVERY_FEATURES order). */
export function encodeDeliveryRow(row: DeliveryRow): number[] {
  const out = new Array<number>(DELIVERY_FEATURES.length).fill(0);
  let i = 0;
  out[i++] = row.distanceKm / 1000;
  out[i++] = Math.log1p(row.distanceKm / 100);
  out[i + (carrierIndex.get(row.carrierId) ?? 0)] = 1;
  i += CARRIERS.length;
  out[i + (serviceIndex.get(row.service) ?? 0)] = 1;
  i += SERVICE_LEVELS.length;
  out[i + (warehouseIndex.get(row.warehouseId) ?? 0)] = 1;
  i += WAREHOUSES.length;
  out[i + row.destRegion] = 1;
  i += 10;
  out[i + weekdayOf(row.orderedAt)] = 1;
  i += 7;
  const hour = (row.orderedAt - Math.floor(row.orderedAt / DAY_MS) * DAY_MS) / HOUR_MS;
  out[i++] = hour / 24;
  out[i++] = hour >= row.cutoffHourUtc ? 1 : 0;
  const date = new Date(row.orderedAt);
  const doy = (row.orderedAt - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS;
  out[i++] = Math.sin((2 * Math.PI * doy) / 365.25);
  out[i++] = Math.cos((2 * Math.PI * doy) / 365.25);
  out[i++] = peakSeasonAt(row.orderedAt);
  out[i++] = Math.log(Math.max(0.01, row.weightKg));
  out[i++] = row.weightKg > HEAVY_KG ? 1 : 0;
  out[i++] = Math.log(Math.max(1, row.quantity));
  out[i++] = row.warehouseBacklog;
  out[i] = row.hubCongestion;
  return out;
}
