import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { SearchDocument } from "@aisle/search";
import { normaliseQuery, readBehaviourJudgements } from "./behaviour-log.ts";

/**
 * Reads a relevance dataset folder in the format of /work/shared/datasets/crowdflower_search:
 * `products.csv` (product_id, product_title, product_description), `queries.csv` (query_id, query) and
 * `qrels.txt` (TREC: `query_id 0 product_id grade`). Any folder in that format works.
 *
 * Instead of (or beside) the judgements, a folder may hold `events.ndjson`, a logged search behaviour file
 * (behaviour-log.ts): its queries are graded from shoppers' engagement, and a query judged in `qrels.txt`
 * keeps its human judgements.
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

/** Reads `queries.csv` and `qrels.txt` into query id → product id → grade. */
async function readJudgements(dir: string): Promise<{
  queries: { id: string; text: string }[];
  qrels: Map<string, Map<string, number>>;
}> {
  const queries = table(
    await readFile(join(dir, "queries.csv"), "utf8"),
    ["query_id", "query"],
    "queries.csv",
  );
  const qrels = new Map<string, Map<string, number>>();
  for (const line of (await readFile(join(dir, "qrels.txt"), "utf8")).split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 4) continue;
    const [q, , p, g] = parts as [string, string, string, string];
    const grade = Number(g);
    if (!Number.isFinite(grade)) throw new Error(`qrels.txt: bad grade in "${line}"`);
    let judged = qrels.get(q);
    if (judged === undefined) qrels.set(q, (judged = new Map()));
    judged.set(p, grade);
  }
  return {
    queries: queries.map((q) => ({ id: q["query_id"] as string, text: q["query"] as string })),
    qrels,
  };
}

export async function readRelevanceDataset(dir: string): Promise<RelevanceDataset> {
  const products = table(
    await readFile(join(dir, "products.csv"), "utf8"),
    ["product_id", "product_title"],
    "products.csv",
  );
  const judged = existsSync(join(dir, "qrels.txt"));
  const logged = existsSync(join(dir, "events.ndjson"));
  if (!judged && !logged)
    throw new Error(`${dir} holds neither qrels.txt (with queries.csv) nor events.ndjson`);
  const { queries, qrels } = judged
    ? await readJudgements(dir)
    : { queries: [] as { id: string; text: string }[], qrels: new Map<string, Map<string, number>>() };
  if (logged) {
    const known = new Set(products.map((p) => p["product_id"] as string));
    const behaviour = await readBehaviourJudgements(join(dir, "events.ndjson"), known);
    const judgedTexts = new Set(queries.filter((q) => qrels.has(q.id)).map((q) => normaliseQuery(q.text)));
    for (const [text, grades] of behaviour.grades) {
      if (judgedTexts.has(text)) continue;
      const id = `behaviour:${text}`;
      queries.push({ id, text });
      qrels.set(id, grades);
    }
  }
  let maxGrade = 0;
  for (const grades of qrels.values()) for (const g of grades.values()) maxGrade = Math.max(maxGrade, g);
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
    queries: queries.filter((q) => qrels.has(q.id)),
    qrels,
    maxGrade,
  };
}
