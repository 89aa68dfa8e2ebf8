import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseCsvRows } from "../../subgraphs/catalog/src/import/csv.ts";
import type { DeliveryRow } from "../../subgraphs/logistics/src/delivery.features.ts";

/**
 * The mapping from an Olist-format order table to what `Product.deliveryEstimate` knows when it answers
 * (a `DeliveryRow`, encoded by the subgraph's own encoder). CARD.md has the table; in short:
 *
 * | DeliveryRow      | Olist column(s)                                                                      |
 * | ---------------- | ------------------------------------------------------------------------------------ |
 * | orderedAt        | order_purchase_timestamp (local time, read as UTC: weekday and hour stay local)      |
 * | promisedDays     | order_estimated_delivery_date − purchase (the date shown at checkout)                |
 * | destArea         | customer_state (or the customers table joined on customer_id)                        |
 * | destRegion       | first digit of customer_zip_code_prefix (Brazilian CEP region, as the US ZIP digit) |
 * | shippingCost     | order_freight_value (or the items' freight_value summed)                             |
 * | quantity         | order_items_qty (or the items counted); 1 when unknown                               |
 * | warehouseId      | seller_state of the first item (items + sellers tables); "" when unknown            |
 * | distanceKm       | between the seller's and the customer's state capitals; NaN when either is unknown  |
 * | weightKg         | product_weight_g of the items summed (products table); NaN when any is unknown      |
 * | carrierId/service | "" (Olist does not say which carrier or service)                                    |
 * | backlog, hub     | 0 (the table has no queue or hub data)                                               |
 *
 * Not used because the request cannot know them: the approval time, carrier hand-over, delivery date (the
 * target), reviews, and the order's product value (logistics does not see prices).
 */

const DAY_MS = 86_400_000;

/** One delivered order: the target and the request-time row. */
export interface OlistOrder {
  readonly id: string;
  readonly purchasedAt: number;
  readonly deliveredAt: number;
  /** The marketplace's estimated delivery date as the data gives it (midnight starting that date). */
  readonly estimatedAt: number;
  /** Customer state, for the per-state baselines; "" when unknown. */
  readonly state: string;
  readonly row: DeliveryRow;
}

export interface OrderTable {
  /** The main table read. */
  readonly path: string;
  /** Delivered orders with purchase, delivery and estimate dates, delivered after purchase, by purchase time. */
  readonly orders: OlistOrder[];
  /** Rows of the main table (any status). */
  readonly rows: number;
}

/** Main tables looked for, in order (the classified file is complete and joined; see the dataset's PROVENANCE.md). */
export const ORDER_FILES = ["olist_classified_public_dataset.csv", "olist_orders_dataset.csv"] as const;
export const REQUIRED_COLUMNS = [
  "order_status",
  "order_purchase_timestamp",
  "order_delivered_customer_date",
  "order_estimated_delivery_date",
] as const;

/** The state capitals (lat, lon) used for the origin–destination distance. */
const CAPITALS: Readonly<Record<string, readonly [number, number]>> = {
  AC: [-9.97, -67.81],
  AL: [-9.67, -35.74],
  AP: [0.03, -51.07],
  AM: [-3.12, -60.02],
  BA: [-12.97, -38.5],
  CE: [-3.73, -38.52],
  DF: [-15.79, -47.88],
  ES: [-20.32, -40.34],
  GO: [-16.69, -49.25],
  MA: [-2.53, -44.3],
  MT: [-15.6, -56.1],
  MS: [-20.44, -54.65],
  MG: [-19.92, -43.94],
  PA: [-1.46, -48.49],
  PB: [-7.12, -34.86],
  PR: [-25.43, -49.27],
  PE: [-8.05, -34.88],
  PI: [-5.09, -42.8],
  RJ: [-22.91, -43.17],
  RN: [-5.79, -35.21],
  RS: [-30.03, -51.23],
  RO: [-8.76, -63.9],
  RR: [2.82, -60.67],
  SC: [-27.6, -48.55],
  SP: [-23.55, -46.63],
  SE: [-10.91, -37.07],
  TO: [-10.18, -48.33],
};

function haversineKm(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLon = (b[1] - a[1]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** Distance between two states' capitals (a state to itself: 0 km); NaN when either is unknown. */
export function stateDistanceKm(from: string, to: string): number {
  const a = CAPITALS[from];
  const b = CAPITALS[to];
  return a === undefined || b === undefined ? Number.NaN : haversineKm(a, b);
}

/**
 * Milliseconds of a timestamp in either format the Olist copies use, read as UTC: `2017-08-30 11:41:01.000000`
 * or `10/2/2017 10:56` (M/D/YYYY). NaN when empty or unreadable.
 */
export function parseOlistTime(text: string | undefined): number {
  const s = (text ?? "").trim();
  const at = (m: RegExpExecArray, i: number) => Number(m[i] ?? 0);
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?/.exec(s);
  if (m !== null) {
    const ms = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
    return Date.UTC(at(m, 1), at(m, 2) - 1, at(m, 3), at(m, 4), at(m, 5), at(m, 6), ms);
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (m !== null) return Date.UTC(at(m, 3), at(m, 1) - 1, at(m, 2), at(m, 4), at(m, 5), at(m, 6));
  return Number.NaN;
}

type Table = Map<string, string>[];

async function readTable(path: string): Promise<Table> {
  const [header, ...rows] = parseCsvRows(await readFile(path, "utf8"));
  if (header === undefined) return [];
  const names = header.cells.map((c) => c.trim());
  return rows.map((r) => new Map(names.map((name, i) => [name, r.cells[i] ?? ""])));
}

async function readFirst(dir: string, ...names: string[]): Promise<Table | undefined> {
  for (const name of names) {
    const path = join(dir, name);
    if (existsSync(path)) return readTable(path);
  }
  return undefined;
}

const num = (text: string | undefined): number => {
  const t = (text ?? "").trim();
  return t === "" ? Number.NaN : Number(t);
};
const byKey = (table: Table | undefined, key: string): Map<string, Map<string, string>> =>
  new Map((table ?? []).map((r) => [r.get(key) ?? "", r]));

/** The CEP region (first digit) of a ZIP prefix written without its leading zeros; −1 when missing. */
function cepRegion(prefix: string | undefined, width: number): number {
  const digits = (prefix ?? "").trim();
  if (!/^\d+$/.test(digits)) return -1;
  return Number(digits.padStart(width, "0")[0]);
}

/**
 * Reads an Olist-format folder in place: `file` if given, else the first of ORDER_FILES present. For the bare
 * orders table, the side tables in the same folder are joined when a row matches (customers, items, sellers,
 * products); rows that do not join keep those fields unknown.
 */
export async function readOrderTable(dir: string, file?: string): Promise<OrderTable> {
  const names = file === undefined ? [...ORDER_FILES] : [file];
  const name = names.find((n) => existsSync(join(dir, n)));
  if (name === undefined) throw new Error(`${dir}: none of ${names.join(", ")} found`);
  const path = join(dir, name);
  const main = await readTable(path);
  const first = main[0] ?? new Map<string, string>();
  const missing = REQUIRED_COLUMNS.filter((c) => main.length > 0 && !first.has(c));
  if (missing.length > 0) throw new Error(`${path}: missing columns ${missing.join(", ")}`);

  const needsCustomers = !first.has("customer_state") && first.has("customer_id");
  const customers = needsCustomers
    ? byKey(await readFirst(dir, "olistcustomerdataset.csv", "olist_customers_dataset.csv"), "customer_id")
    : new Map<string, Map<string, string>>();
  const needsItems = !first.has("order_freight_value") && first.has("order_id");
  const itemsByOrder = new Map<string, Map<string, string>[]>();
  let sellers = new Map<string, Map<string, string>>();
  let products = new Map<string, Map<string, string>>();
  if (needsItems) {
    for (const item of (await readFirst(dir, "olist_order_items_dataset.csv")) ?? []) {
      const id = item.get("order_id") ?? "";
      itemsByOrder.set(id, [...(itemsByOrder.get(id) ?? []), item]);
    }
    sellers = byKey(await readFirst(dir, "olist_sellers_dataset.csv"), "seller_id");
    products = byKey(await readFirst(dir, "olist_products_dataset.csv"), "product_id");
  }

  const customerOf = (r: Map<string, string>) => customers.get(r.get("customer_id") ?? "");
  const zipOf = (r: Map<string, string>) =>
    r.get("customer_zip_code_prefix") ?? customerOf(r)?.get("customer_zip_code_prefix") ?? "";
  // The classified file truncates the prefix to 3 digits, the customers table keeps 5; both drop leading zeros.
  const zipWidth = main.reduce((w, r) => Math.max(w, zipOf(r).trim().length), 0) <= 3 ? 3 : 5;

  const orders: OlistOrder[] = [];
  main.forEach((r, index) => {
    if (r.get("order_status") !== "delivered") return;
    const purchasedAt = parseOlistTime(r.get("order_purchase_timestamp"));
    const deliveredAt = parseOlistTime(r.get("order_delivered_customer_date"));
    const estimatedAt = parseOlistTime(r.get("order_estimated_delivery_date"));
    if (![purchasedAt, deliveredAt, estimatedAt].every(Number.isFinite) || deliveredAt <= purchasedAt) return;
    const state = (r.get("customer_state") ?? customerOf(r)?.get("customer_state") ?? "").trim();
    const items = itemsByOrder.get(r.get("order_id") ?? "") ?? [];
    const sellerState = (sellers.get(items[0]?.get("seller_id") ?? "")?.get("seller_state") ?? "").trim();
    const freight = r.has("order_freight_value")
      ? num(r.get("order_freight_value"))
      : items.length > 0
        ? items.reduce((s, it) => s + num(it.get("freight_value")), 0)
        : Number.NaN;
    const grams = items.map((it) => num(products.get(it.get("product_id") ?? "")?.get("product_weight_g")));
    const quantity = r.has("order_items_qty") ? num(r.get("order_items_qty")) : items.length;
    orders.push({
      id: r.get("order_id") ?? r.get("id") ?? String(index),
      purchasedAt,
      deliveredAt,
      estimatedAt,
      state,
      row: {
        warehouseId: sellerState,
        carrierId: "",
        service: "",
        distanceKm: stateDistanceKm(sellerState, state),
        destRegion: cepRegion(zipOf(r), zipWidth),
        orderedAt: purchasedAt,
        weightKg: grams.length > 0 ? grams.reduce((s, g) => s + g, 0) / 1000 : Number.NaN,
        quantity: Number.isFinite(quantity) && quantity >= 1 ? quantity : 1,
        warehouseBacklog: 0,
        hubCongestion: 0,
        cutoffHourUtc: 24,
        destArea: state,
        promisedDays: (estimatedAt - purchasedAt) / DAY_MS,
        shippingCost: freight,
      },
    });
  });
  orders.sort((a, b) => a.purchasedAt - b.purchasedAt);
  return { path, orders, rows: main.length };
}

/** Levels of a one-hot seen at least this often in the training orders get a column. */
export const MIN_LEVEL_COUNT = 10;

/**
 * The feature list a model trained on these orders uses: what the table knows for some of its rows. Chosen
 * from the training orders only (the eval's scored orders never shape it).
 */
export function olistFeatureList(orders: readonly OlistOrder[]): string[] {
  const count = (values: string[]) => {
    const counts = new Map<string, number>();
    for (const v of values) if (v !== "") counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].filter(([, n]) => n >= MIN_LEVEL_COUNT).map(([v]) => v);
  };
  const rows = orders.map((o) => o.row);
  const some = (f: (r: DeliveryRow) => boolean) => rows.some(f);
  const names = [
    "log_promised_days",
    ...Array.from({ length: 7 }, (_, d) => `order_weekday_${d}`),
    "order_hour",
    "log_quantity",
  ];
  if (some((r) => r.destRegion >= 0)) {
    names.push(...Array.from({ length: 10 }, (_, d) => `dest_region_${d}`));
    if (some((r) => r.destRegion < 0)) names.push("dest_unknown");
  }
  names.push(
    ...count(rows.map((r) => r.destArea ?? ""))
      .sort()
      .map((s) => `dest_area_${s}`),
  );
  if (some((r) => Number.isFinite(r.shippingCost))) {
    names.push("log_shipping_cost");
    if (some((r) => !Number.isFinite(r.shippingCost))) names.push("shipping_cost_missing");
  }
  names.push(
    ...count(rows.map((r) => r.warehouseId))
      .sort()
      .map((s) => `origin_${s}`),
  );
  if (some((r) => Number.isFinite(r.distanceKm))) {
    names.push("distance_1000km", "log_distance");
    if (some((r) => !Number.isFinite(r.distanceKm))) names.push("distance_missing");
  }
  if (some((r) => Number.isFinite(r.weightKg))) {
    names.push("log_weight_kg", "heavy");
    if (some((r) => !Number.isFinite(r.weightKg))) names.push("weight_missing");
  }
  return names;
}
