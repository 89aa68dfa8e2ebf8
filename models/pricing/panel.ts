import type { TransactionTable } from "../demand/transactions.ts";

/**
 * A retail transactions table (UCI Online Retail format, models/demand/transactions.ts) as the pricing model's
 * daily product panel, shared by import-data.ts (training) and eval.ts (scoring). The mapping
 * (models/pricing/CARD.md):
 *
 * - dropped: cancellations (InvoiceNo starting with "C"), Quantity ≤ 0 or UnitPrice ≤ 0, non-product codes (a
 *   StockCode without a digit), unreadable dates;
 * - the panel's days are the trading days (dates with any sale); a product's rows run from its first sale to the
 *   last trading day, 0 units on trading days without a sale;
 * - price on a day = revenue / units in whole pence (at least 1), carried forward over days without a sale;
 * - category = the last word of the product's most frequent description; categories with fewer than
 *   MIN_PRODUCTS_PER_CATEGORY products are pooled as OTHER.
 */
export const MIN_PRODUCTS_PER_CATEGORY = 5;
/** A day counts as "regular price" at or above this share of the list price (models/pricing/demand.py). */
export const REGULAR_PRICE_RATIO = 0.9;

export interface ProductSeries {
  readonly category: string;
  /** Index into `tradingDays` of the first sale. */
  readonly first: number;
  /** Units and price per trading day (index into `tradingDays`; entries before `first` are unused). */
  readonly units: readonly number[];
  readonly price: readonly number[];
  /** Whether the product sold on that day. */
  readonly sold: readonly boolean[];
}

export interface Panel {
  /** UTC midnight of every trading day, ascending. */
  readonly tradingDays: readonly number[];
  readonly products: ReadonlyMap<string, ProductSeries>;
}

export function pricingPanel(table: TransactionTable): Panel {
  const col = (name: string) => table.header.cells.indexOf(name);
  const [invoice, code, quantity, unitPrice, description] = [
    col("InvoiceNo"),
    col("StockCode"),
    col("Quantity"),
    col("UnitPrice"),
    col("Description"),
  ];
  if (unitPrice < 0)
    throw new Error(`${table.path}: missing UnitPrice (expected the UCI Online Retail format)`);
  const lines: { code: string; day: number; units: number; revenue: number }[] = [];
  const words = new Map<string, Map<string, number>>();
  table.rows.forEach((r, i) => {
    const units = Number(r.cells[quantity]);
    const price = Number(r.cells[unitPrice]);
    const item = (r.cells[code] ?? "").trim();
    const day = table.rowDay[i] as number;
    if ((r.cells[invoice] ?? "").startsWith("C") || !(units > 0) || !(price > 0) || !/\d/.test(item)) return;
    if (!Number.isFinite(day)) return;
    lines.push({ code: item, day, units, revenue: units * price * 100 });
    const text = (description < 0 ? "" : (r.cells[description] ?? "")).trim();
    const counts = words.get(item) ?? new Map<string, number>();
    counts.set(text, (counts.get(text) ?? 0) + 1);
    words.set(item, counts);
  });
  if (lines.length === 0) throw new Error(`${table.path}: no sales lines`);
  const tradingDays = [...new Set(lines.map((l) => l.day))].sort((a, b) => a - b);
  const dayIndex = new Map(tradingDays.map((d, i) => [d, i]));
  const lastWord = (item: string) => {
    const [text] = [...(words.get(item) ?? new Map<string, number>())].sort(
      (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
    )[0] ?? [""];
    return text.split(/\s+/).filter(Boolean).at(-1) ?? "OTHER";
  };
  const daily = new Map<string, { units: number[]; revenue: number[] }>();
  for (const l of lines) {
    let entry = daily.get(l.code);
    if (entry === undefined) {
      entry = {
        units: new Array<number>(tradingDays.length).fill(0),
        revenue: new Array<number>(tradingDays.length).fill(0),
      };
      daily.set(l.code, entry);
    }
    const t = dayIndex.get(l.day) as number;
    entry.units[t] = (entry.units[t] as number) + l.units;
    entry.revenue[t] = (entry.revenue[t] as number) + l.revenue;
  }
  const rawCategory = new Map([...daily.keys()].map((c) => [c, lastWord(c)]));
  const productsPer = new Map<string, number>();
  for (const c of rawCategory.values()) productsPer.set(c, (productsPer.get(c) ?? 0) + 1);
  const products = new Map<string, ProductSeries>();
  for (const item of [...daily.keys()].sort()) {
    const { units, revenue } = daily.get(item) as { units: number[]; revenue: number[] };
    const first = units.findIndex((u) => u > 0);
    const price: number[] = [];
    let last = Number.NaN;
    units.forEach((u, t) => {
      if (u > 0) last = Math.max(1, Math.round((revenue[t] as number) / u));
      price.push(last);
    });
    const category = rawCategory.get(item) as string;
    products.set(item, {
      category: (productsPer.get(category) ?? 0) >= MIN_PRODUCTS_PER_CATEGORY ? category : "OTHER",
      first,
      units,
      price,
      sold: units.map((u) => u > 0),
    });
  }
  return { tradingDays, products };
}

/** Median of a product's daily prices on the days it sold, among trading days [from, to). */
export function listPrice(series: ProductSeries, to: number): number {
  const prices = series.price
    .slice(0, to)
    .filter((_, t) => series.sold[t] === true)
    .sort((a, b) => a - b);
  if (prices.length === 0) return Number.NaN;
  const mid = Math.floor(prices.length / 2);
  return prices.length % 2 === 1
    ? (prices[mid] as number)
    : ((prices[mid - 1] as number) + (prices[mid] as number)) / 2;
}

/**
 * Mean units per trading day over the `window` days before day `t` (from the product's first sale), counting only
 * days at a regular price (≥ REGULAR_PRICE_RATIO of `list`), or all of them when none was: models/pricing/demand.py
 * `lagged_means` with its regular-price mask. 0 with no earlier day.
 */
export function regularUnitsPerDay(series: ProductSeries, t: number, window: number, list: number): number {
  const from = Math.max(series.first, t - window);
  let all = 0;
  let regular = 0;
  let regularDays = 0;
  for (let s = from; s < t; s++) {
    const u = series.units[s] as number;
    all += u;
    if ((series.price[s] as number) / list >= REGULAR_PRICE_RATIO) {
      regular += u;
      regularDays++;
    }
  }
  if (t <= from) return 0;
  return regularDays > 0 ? regular / regularDays : all / (t - from);
}
