import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";

/**
 * An interaction log as the evaluation reads it: per user, items in time order with their event type ids, and
 * each item's attribute names. The same formats and naming as models/recommendation/data.py (the trainer):
 *
 * - amazon_seqrec: `<name>.txt`, one user per line `user item item ...` (time order, every event a purchase,
 *   type 4), optional `<name>_item2attributes.json` (item -> attribute ids, named `attr:<id>`, first 8 kept);
 * - NDJSON: one event per line `{"user","item","type","time"}` (type view / click / add_to_cart / purchase;
 *   others skipped), optional `"attributes": [names]` (first line per item wins, first 8 kept).
 */
export interface SequenceLog {
  readonly source: "amazon_seqrec" | "ndjson";
  readonly dataset: string;
  readonly path: string;
  readonly users: readonly string[];
  readonly items: readonly (readonly string[])[];
  readonly types: readonly (readonly number[])[];
  readonly attributes: ReadonlyMap<string, readonly string[]>;
  readonly skipped: number;
}

export const TYPE_IDS: Readonly<Record<string, number>> = { view: 1, click: 2, add_to_cart: 3, purchase: 4 };
const ATTR_SLOTS = 8;

/** The log file of `data` (a folder holding `<dataset>.txt`, a `.txt`, or an `.ndjson` / `.jsonl` file). */
export async function logPath(data: string, dataset: string | undefined): Promise<string> {
  if ((await stat(data)).isDirectory()) {
    const names = (await readdir(data)).filter((f) => f.endsWith(".txt")).map((f) => f.slice(0, -4));
    const name = dataset ?? (names.length === 1 ? names[0] : undefined);
    if (name === undefined)
      throw new Error(`${data} holds ${names.join(", ") || "no <name>.txt"}: name one with --dataset`);
    if (!names.includes(name))
      throw new Error(`no ${name}.txt in ${data} (found: ${names.join(", ") || "none"})`);
    return join(data, `${name}.txt`);
  }
  return data;
}

export async function readSequenceLog(path: string): Promise<SequenceLog> {
  const ext = extname(path);
  if (ext === ".txt") return readAmazon(path);
  if (ext === ".ndjson" || ext === ".jsonl" || ext === ".json") return readNdjson(path);
  throw new Error(`${path}: expected a <name>.txt (amazon_seqrec) or an .ndjson / .jsonl file`);
}

async function readAmazon(path: string): Promise<SequenceLog> {
  const name = basename(path, ".txt");
  const users: string[] = [];
  const items: string[][] = [];
  const lines = (await readFile(path, "utf8")).split("\n");
  lines.forEach((line, i) => {
    const parts = line.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) return;
    if (parts.length < 2 || !parts.every((p) => /^\d+$/.test(p)))
      throw new Error(`${path}:${i + 1}: expected \`user item ...\` with integer ids`);
    users.push(parts[0] as string);
    items.push(parts.slice(1));
  });
  const attributes = new Map<string, string[]>();
  const attrPath = join(dirname(path), `${name}_item2attributes.json`);
  if (existsSync(attrPath)) {
    const raw = JSON.parse(await readFile(attrPath, "utf8")) as Record<string, number[]>;
    for (const [item, ids] of Object.entries(raw))
      attributes.set(
        String(item),
        ids.slice(0, ATTR_SLOTS).map((v) => `attr:${v}`),
      );
  }
  return {
    source: "amazon_seqrec",
    dataset: name,
    path,
    users,
    items,
    types: items.map((s) => s.map(() => TYPE_IDS["purchase"] as number)),
    attributes,
    skipped: 0,
  };
}

async function readNdjson(path: string): Promise<SequenceLog> {
  const byUser = new Map<string, { time: number; line: number; item: string; type: number }[]>();
  const attributes = new Map<string, string[]>();
  let skipped = 0;
  (await readFile(path, "utf8")).split("\n").forEach((text, i) => {
    const line = text.trim();
    if (line === "") return;
    let event: { user?: unknown; item?: unknown; type?: unknown; time?: unknown; attributes?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      skipped += 1;
      return;
    }
    const type = typeof event.type === "string" ? TYPE_IDS[event.type] : undefined;
    const time = typeof event.time === "string" ? Date.parse(event.time) : event.time;
    if (
      event.user === undefined ||
      event.item === undefined ||
      type === undefined ||
      typeof time !== "number" ||
      Number.isNaN(time)
    ) {
      skipped += 1;
      return;
    }
    const item = String(event.item);
    if (!attributes.has(item) && Array.isArray(event.attributes))
      attributes.set(item, event.attributes.slice(0, ATTR_SLOTS).map(String));
    const user = String(event.user);
    const rows = byUser.get(user) ?? [];
    rows.push({ time, line: i, item, type });
    byUser.set(user, rows);
  });
  const users: string[] = [];
  const items: string[][] = [];
  const types: number[][] = [];
  for (const [user, rows] of byUser) {
    rows.sort((a, b) => a.time - b.time || a.line - b.line);
    users.push(user);
    items.push(rows.map((r) => r.item));
    types.push(rows.map((r) => r.type));
  }
  return {
    source: "ndjson",
    dataset: basename(path, extname(path)),
    path,
    users,
    items,
    types,
    attributes,
    skipped,
  };
}

/**
 * The fixed held-out rule of `npm run train -- recommendation --holdout-users` (data.py `holdout_user`):
 * FNV-1a 32-bit of the user id's UTF-8 bytes, % 5 == 0.
 */
export const HOLDOUT_RULE = "fnv1a32(utf8(user id)) % 5 == 0";
export function isHeldOut(user: string): boolean {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(user, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 5 === 0;
}
