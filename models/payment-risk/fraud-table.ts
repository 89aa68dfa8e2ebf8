/**
 * A real e-commerce fraud table (the `Fraud_Data.csv` format) mapped to what `assessPayment` knows at request
 * time, and replayed in purchase order through the subgraph's own `MemoryVelocityStore` and `computeFeatures`,
 * so a model trained on it sees exactly the features the subgraph computes when it serves.
 *
 * | table column            | request field (AssessPaymentInput / the account)   | features it feeds                               |
 * | ----------------------- | -------------------------------------------------- | ----------------------------------------------- |
 * | purchase_time           | the moment of the request (`at`)                   | the velocity windows                            |
 * | signup_time             | the account's `signupAt`                           | account_age_log (purchase_time − signup_time)   |
 * | purchase_value          | amountMinor, in USD (× 100)                        | amount_log                                      |
 * | user_id                 | userId                                             | user_* velocity, devices_per_account            |
 * | device_id               | deviceId                                           | device_count_1h/24h, accounts_per_device        |
 * | ip_address (if present) | ip                                                 | ip_count_1h/24h, accounts_per_ip                |
 * | class                   | the label (a later `reportOutcome`), never a feature |                                                |
 *
 * Not known to the request, so NOT used: source, browser, sex, age. Not in the table, so held constant: the
 * payment-method fingerprint and the e-mail domain (a value of their own per row: counts 0, one account),
 * the billing, shipping and IP countries (equal: no mismatch), the disposable-domain flag (false) and the
 * item count (1); without ip_address (the shared copy has none) the IP is a value of its own per row too.
 *
 * Causality: rows are replayed in purchase_time order (file order within the same minute) and each row's
 * velocity sees only the rows recorded before it, as the subgraph's counters do; nothing is counted over
 * the whole table.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  computeFeatures,
  MemoryVelocityStore,
  type FeatureInput,
  type VelocityEvent,
} from "@aisle/payment-risk";

/** The columns a table must have (`ip_address` is optional; source, browser, sex and age are ignored). */
export const REQUIRED_COLUMNS = [
  "user_id",
  "signup_time",
  "purchase_time",
  "purchase_value",
  "device_id",
  "class",
] as const;

/** One row of the table, as the request would carry it. */
export interface TableRow {
  readonly userId: string;
  /** Epoch milliseconds (the table's timestamps are read as UTC). */
  readonly signupAt: number;
  readonly at: number;
  readonly amountMinorUsd: number;
  readonly deviceId: string;
  /** Null when the table has no ip_address column. */
  readonly ip: string | null;
  readonly fraud: 0 | 1;
  /** The row's text in the file (to write a subset of the table in the same format). */
  readonly line: string;
}

export interface FraudTable {
  readonly path: string;
  readonly header: string;
  /** Sorted by purchase time; rows of the same minute keep their file order. */
  readonly rows: readonly TableRow[];
}

/** `<dir>/Fraud_Data.csv`, or the folder's only CSV. */
export function findTableFile(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith(".csv"));
  if (files.includes("Fraud_Data.csv")) return join(dir, "Fraud_Data.csv");
  if (files.length !== 1) {
    throw new Error(`${dir}: expected Fraud_Data.csv or exactly one CSV, found [${files.join(", ")}]`);
  }
  return join(dir, files[0] as string);
}

/** True when the folder holds a fraud table (a CSV with the required columns). */
export function hasFraudTable(dir: string): boolean {
  try {
    const header = readFileSync(findTableFile(dir), "utf8").split("\n", 1)[0] ?? "";
    const columns = header.trim().split(",");
    return REQUIRED_COLUMNS.every((c) => columns.includes(c));
  } catch {
    return false;
  }
}

const US_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** `M/D/YY H:MM` (the shared copy) or an ISO-like `YYYY-MM-DD HH:MM:SS`, read as UTC; NaN otherwise. */
export function parseTableTime(text: string): number {
  const us = US_TIME.exec(text.trim());
  if (us !== null) {
    const [month, day, year, hour, minute, second] = us.slice(1).map((part) => Number(part ?? 0));
    const fullYear = (year as number) < 100 ? 2000 + (year as number) : (year as number);
    return Date.UTC(fullYear, (month as number) - 1, day, hour, minute, second);
  }
  const iso = text.trim().replace(" ", "T");
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso) ? Date.parse(`${iso}Z`) : NaN;
}

/** Reads and validates the table; throws naming the file, the line and the problem. */
export function readFraudTable(dir: string): FraudTable {
  const path = findTableFile(dir);
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  const header = (lines[0] ?? "").trim();
  const columns = header.split(",");
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new Error(`${path}: missing columns ${missing.join(", ")}`);
  const col = (name: string) => columns.indexOf(name);
  const [iUser, iSignup, iAt, iValue, iDevice, iClass] = REQUIRED_COLUMNS.map(col) as number[];
  const iIp = col("ip_address");
  const rows: TableRow[] = [];
  lines.slice(1).forEach((raw, k) => {
    const line = raw.trim();
    if (line === "") return;
    if (line.includes('"')) throw new Error(`${path}:${k + 2}: quoted fields are not supported`);
    const cells = line.split(",");
    const cell = (i: number) => cells[i] ?? "";
    const signupAt = parseTableTime(cell(iSignup as number));
    const at = parseTableTime(cell(iAt as number));
    const value = Number(cell(iValue as number));
    const label = cell(iClass as number);
    const problem =
      cells.length !== columns.length
        ? `${cells.length} fields for ${columns.length} columns`
        : Number.isNaN(signupAt) || Number.isNaN(at)
          ? "a timestamp is not M/D/YY H:MM or YYYY-MM-DD HH:MM:SS"
          : !Number.isFinite(value) || value < 0
            ? "purchase_value is not a non-negative number"
            : label !== "0" && label !== "1"
              ? "class is not 0 or 1"
              : cell(iUser as number) === "" || cell(iDevice as number) === ""
                ? "user_id or device_id is empty"
                : undefined;
    if (problem !== undefined) throw new Error(`${path}:${k + 2}: ${problem}`);
    rows.push({
      userId: cell(iUser as number),
      signupAt,
      at,
      amountMinorUsd: Math.round(value * 100),
      deviceId: cell(iDevice as number),
      ip: iIp === -1 || cell(iIp) === "" ? null : cell(iIp),
      fraud: label === "1" ? 1 : 0,
      line,
    });
  });
  return { path, header, rows: sortByTime(rows) };
}

/** Stable sort by purchase time. */
export function sortByTime<T extends { readonly at: number }>(rows: readonly T[]): T[] {
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => a.row.at - b.row.at || a.i - b.i)
    .map((x) => x.row);
}

/**
 * The rule that holds rows out when one folder is both --train and --data: a row is held out when its
 * numeric user_id % 5 == 1 (the shared copy already lacks user_id % 5 == 0, held back by its curator), or,
 * for a non-numeric id, when the FNV-1a hash of the id % 5 == 1. Each user appears once in the table, so
 * no user is on both sides.
 */
export function isHeldOut(userId: string): boolean {
  return residue(userId, 5) === 1;
}

/** How one folder is split into training rows and held-out rows (see isHeldOut). */
export type HoldoutRule = "user" | "time";

/**
 * Splits a table's rows (sorted by time) into training and held-out rows: `user` holds out isHeldOut's
 * users (across the whole period); `time` holds out the last 20 % by purchase time (the training rows are
 * all earlier: what a deployment retrained on the past faces).
 */
export function splitRows<T extends TableRow>(
  rows: readonly T[],
  rule: HoldoutRule,
): { train: T[]; heldOut: T[] } {
  if (rule === "time") {
    const cut = Math.floor(rows.length * 0.8);
    return { train: rows.slice(0, cut), heldOut: rows.slice(cut) };
  }
  return {
    train: rows.filter((r) => !isHeldOut(r.userId)),
    heldOut: rows.filter((r) => isHeldOut(r.userId)),
  };
}

/**
 * A second, independent bucket in [0, 100) for train.py's internal split (train / validation / internal
 * test), from the FNV-1a hash of the user id, so the internal validation is drawn like the held-out rows
 * (by user, across the whole period) but never chooses them.
 */
export function splitBucket(userId: string): number {
  return fnv1a(`split:${userId}`) % 100;
}

function residue(userId: string, m: number): number {
  return /^\d+$/.test(userId) ? Number(BigInt(userId) % BigInt(m)) : fnv1a(userId) % m;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The velocity event and the feature input the subgraph would build for this row (see the table above). */
export function requestOf(
  row: TableRow,
  index: number,
): { event: VelocityEvent; input: Omit<FeatureInput, "velocity"> } {
  const own = `table:${row.userId}:${index}`;
  const ip = row.ip ?? `${own}:ip`;
  return {
    event: {
      id: own,
      at: row.at,
      amountMinor: row.amountMinorUsd,
      keys: {
        user: row.userId,
        paymentMethod: `${own}:payment-method`,
        device: row.deviceId,
        ip,
        emailDomain: `${own}:email-domain`,
      },
      links: {
        user: row.deviceId,
        paymentMethod: row.userId,
        device: row.userId,
        ip: row.userId,
        emailDomain: "",
      },
    },
    input: {
      amountMinorUsd: row.amountMinorUsd,
      accountAgeDays: Math.max(0, (row.at - row.signupAt) / 86_400_000),
      billingCountry: "ZZ",
      shippingCountry: "ZZ",
      ipCountry: null,
      emailDisposable: false,
      itemCount: 1,
    },
  };
}

/**
 * Replays rows (sorted by time) through a fresh MemoryVelocityStore and computeFeatures; returns the
 * feature rows of the rows `keep` selects (all by default), in replay order. Rows not kept still count in
 * the velocity of later rows (they are traffic the store saw).
 */
export function replayFeatures<T extends TableRow>(
  rows: readonly T[],
  keep: (row: T) => boolean = () => true,
): { row: T; features: Float32Array }[] {
  const velocity = new MemoryVelocityStore();
  const out: { row: T; features: Float32Array }[] = [];
  rows.forEach((row, i) => {
    const { event, input } = requestOf(row, i);
    const snapshot = velocity.recordAndReadSync(event);
    if (keep(row)) out.push({ row, features: computeFeatures({ ...input, velocity: snapshot }) });
  });
  return out;
}
