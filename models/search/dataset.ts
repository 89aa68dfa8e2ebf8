import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { SearchDocument } from "@aisle/search";

/**
 * Reads a relevance dataset folder in the format of /work/shared/datasets/crowdflower_search:
 * `products.csv` (product_id, product_title, product_description), `queries.csv` (query_id, query) and
 * `qrels.txt` (TREC: `query_id 0 product_id grade`). Any folder in that format works.
 */
export interface RelevanceDataset {
  readonly dir: string;
  readonly docs: SearchDocument[];
  readonly queries: { id: string; text: string }[];
  /** query id → product id → grade (0 = judged irrelevant). */
  readonly qrels: Map<string, Map<string, number>>;
  readonly maxGrade: number;
}

/** RFC 4180 CSV: quoted fields with doubled quotes, commas and newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function table(text: string, required: readonly string[], file: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (header === undefined) throw new Error(`${file} is empty`);
  for (const column of required) {
    if (!header.includes(column))
      throw new Error(`${file} has no column ${column} (columns: ${header.join(", ")})`);
  }
  return rows
    .filter((r) => r.length > 1 || (r[0] ?? "") !== "")
    .map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""])));
}

export async function readRelevanceDataset(dir: string): Promise<RelevanceDataset> {
  const products = table(
    await readFile(join(dir, "products.csv"), "utf8"),
    ["product_id", "product_title"],
    "products.csv",
  );
  const queries = table(
    await readFile(join(dir, "queries.csv"), "utf8"),
    ["query_id", "query"],
    "queries.csv",
  );
  const qrels = new Map<string, Map<string, number>>();
  let maxGrade = 0;
  for (const line of (await readFile(join(dir, "qrels.txt"), "utf8")).split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 4) continue;
    const [q, , p, g] = parts as [string, string, string, string];
    const grade = Number(g);
    if (!Number.isFinite(grade)) throw new Error(`qrels.txt: bad grade in "${line}"`);
    let judged = qrels.get(q);
    if (judged === undefined) qrels.set(q, (judged = new Map()));
    judged.set(p, grade);
    maxGrade = Math.max(maxGrade, grade);
  }
  return {
    dir,
    docs: products.map((p) => ({
      id: p["product_id"] as string,
      title: p["product_title"] as string,
      description: p["product_description"] ?? "",
      categoryId: "",
      categoryName: "",
      categoryPath: [],
      brandId: "",
      brandName: "",
      attributes: [],
      priceMinor: 0,
      popularity: 0,
      createdAt: "",
    })),
    queries: queries
      .map((q) => ({ id: q["query_id"] as string, text: q["query"] as string }))
      .filter((q) => qrels.has(q.id)),
    qrels,
    maxGrade,
  };
}
