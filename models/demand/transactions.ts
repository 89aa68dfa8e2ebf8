import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseCsvRows, type CsvRow } from "../../subgraphs/catalog/src/import/csv.ts";
import type { DemandRow } from "../../subgraphs/logistics/src/demand.features.ts";

/**
 * A retail transactions table in the UCI "Online Retail" format (one CSV in a folder: `InvoiceNo, StockCode,
 * Quantity, InvoiceDate, UnitPrice`, other columns ignored) as the daily sales series the demand model's
 * encoder (`subgraphs/logistics/src/demand.features.ts`) reads. The mapping (models/demand/CARD.md):
 *
 * - dropped: cancellations (InvoiceNo starting with "C"), lines with Quantity ≤ 0, and non-product codes
 *   (a StockCode without a digit: POST, DOT, M, BANK CHARGES …);
 * - a day is the calendar date of InvoiceDate (`M/D/YY H:MM` as the UCI file writes it, `M/D/YYYY H:MM`, or
 *   ISO `YYYY-MM-DD HH:MM[:SS]`), taken as UTC; the series runs from the table's first to its last date, and a
 *   day without a sale of the item (a day without trading included) is 0 units;
 * - units of an item on a day = the sum of its Quantity that day.
 */
export interface TransactionTable {
  readonly path: string;
  readonly header: CsvRow;
  /** Every data row, in file order (for writing a filtered copy). */
  readonly rows: readonly CsvRow[];
  /** Epoch ms (UTC midnight) of each row's date; NaN when unreadable. */
  readonly rowDay: readonly number[];
}

export interface DailySales {
  /** UTC midnight of the first day. */
  readonly startMs: number;
  readonly days: number;
  /** StockCode → units per day (length `days`), codes sorted. */
  readonly items: ReadonlyMap<string, readonly number[]>;
}

export const DAY_MS = 86_400_000;
const REQUIRED = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate"] as const;

/** Epoch ms of the UTC midnight starting the date of an InvoiceDate cell; NaN when unreadable. */
export function invoiceDay(text: string): number {
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})\b/.exec(text.trim());
  if (us !== null) {
    const year = Number(us[3]);
    return Date.UTC(year < 100 ? 2000 + year : year, Number(us[1]) - 1, Number(us[2]));
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})\b/.exec(text.trim());
  return iso === null ? Number.NaN : Date.UTC(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]));
}

/** Reads the folder's one CSV (a folder with none or several is refused). */
export async function readTransactions(dir: string): Promise<TransactionTable> {
  const csvs = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith(".csv")).sort();
  if (csvs.length !== 1) throw new Error(`${dir}: expected exactly one CSV, found ${csvs.length}`);
  const path = join(dir, csvs[0] as string);
  const [header, ...rows] = parseCsvRows(await readFile(path, "latin1"));
  if (header === undefined) throw new Error(`${path} is empty`);
  const missing = REQUIRED.filter((c) => !header.cells.includes(c));
  if (missing.length > 0)
    throw new Error(`${path}: missing ${missing.join(", ")} (expected the UCI Online Retail format)`);
  const date = header.cells.indexOf("InvoiceDate");
  return { path, header, rows, rowDay: rows.map((r) => invoiceDay(r.cells[date] ?? "")) };
}

/** The table as daily units per item (the mapping above). */
export function dailySales(table: TransactionTable): DailySales {
  const col = (name: string) => table.header.cells.indexOf(name);
  const [invoice, code, quantity] = [col("InvoiceNo"), col("StockCode"), col("Quantity")];
  const sales: { code: string; day: number; units: number }[] = [];
  table.rows.forEach((r, i) => {
    const units = Number(r.cells[quantity]);
    const item = (r.cells[code] ?? "").trim();
    const day = table.rowDay[i] as number;
    if ((r.cells[invoice] ?? "").startsWith("C") || !(units > 0) || !/\d/.test(item)) return;
    if (Number.isFinite(day)) sales.push({ code: item, day, units });
  });
  if (sales.length === 0) throw new Error(`${table.path}: no sales lines`);
  const startMs = sales.reduce((m, s) => Math.min(m, s.day), Infinity);
  const days = (sales.reduce((m, s) => Math.max(m, s.day), -Infinity) - startMs) / DAY_MS + 1;
  const items = new Map<string, number[]>();
  for (const s of sales) {
    let series = items.get(s.code);
    if (series === undefined) items.set(s.code, (series = new Array<number>(days).fill(0)));
    series[(s.day - startMs) / DAY_MS] = (series[(s.day - startMs) / DAY_MS] as number) + s.units;
  }
  return { startMs, days, items: new Map([...items].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
}

/** A CSV cell written back (quoted when it must be). */
export const csvCell = (c: string): string => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);

/** Items with fewer units than this in the days a forecast may read are not trained on or scored. */
export const MIN_ITEM_UNITS = 5;
/** The fewest known days a training origin has. */
export const MIN_KNOWN_DAYS = 2;

/** The demand rows forecasting days `origin` … `origin + horizons - 1` (0-based) from the days before `origin`. */
export function forecastRows(
  units: readonly number[],
  origin: number,
  horizons: number,
  startMs: number,
): { row: DemandRow; target: number }[] {
  const known = units.slice(0, origin);
  return Array.from({ length: horizons }, (_, i) => ({
    // UnitPrice varies with the order size (quantity tiers), so it is not a price the shop set for the day: no
    // price signal is read (ratio 1).
    row: { units: known, targetMs: startMs + (origin + i) * DAY_MS, horizon: i + 1, priceRatio: 1 },
    target: origin + i,
  }));
}
