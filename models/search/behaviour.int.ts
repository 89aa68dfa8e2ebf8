import { spawn } from "node:child_process";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRng, hashString } from "@aisle/world";
import { examinationProbability, judgementsFromBehaviour } from "./behaviour-log.ts";
import { readRelevanceDataset } from "./dataset.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * A catalogue where BM25 is wrong in a learnable way: for each noun, four products ARE the noun ("oak desk
 * lamp": the noun is the title's head) and four are accessories of it ("lamp cover"), whose shorter titles
 * BM25's length normalisation puts first. Shoppers want the noun itself.
 */
const NOUNS = [
  "lamp", "chair", "kettle", "table", "mirror", "blender", "toaster", "heater", "speaker", "monitor",
  "keyboard", "backpack", "tent", "helmet", "guitar", "camera", "drone", "printer", "router", "scanner",
  "projector", "mattress", "pillow", "blanket", "stroller", "crib", "scooter", "skateboard", "treadmill",
  "bicycle", "kayak", "grill", "smoker", "freezer", "dehumidifier", "humidifier", "vacuum", "sander",
  "drill", "saw", "ladder", "wheelbarrow", "mower", "trimmer", "sprinkler", "hammock", "umbrella", "clock",
]; // prettier-ignore
const MAKES = ["oak", "steel", "compact", "deluxe", "classic", "modern", "portable", "premium"];
const KINDS = ["desk", "home", "outdoor", "travel", "studio", "family", "pro", "mini"];
const PARTS = ["cover", "case", "mount", "cable", "bag", "stand", "adapter", "strap"];

interface Product {
  id: string;
  noun: string;
  title: string;
  relevant: boolean;
}

function catalogue(): Product[] {
  const rng = createRng(hashString("search-behaviour-catalogue"));
  const products: Product[] = [];
  for (const noun of NOUNS) {
    for (let i = 0; i < 4; i += 1) {
      products.push({
        id: `p${products.length + 1}`,
        noun,
        title: `${rng.pick(MAKES)} ${rng.pick(KINDS)} ${noun}`,
        relevant: true,
      });
      products.push({ id: `p${products.length + 1}`, noun, title: `${noun} ${PARTS[i]}`, relevant: false });
    }
  }
  return products;
}

const csvProducts = (products: readonly Product[]): string =>
  `product_id,product_title,product_description\n${products.map((p) => `${p.id},${p.title},`).join("\n")}\n`;

/**
 * Searches for the training nouns, each showing that noun's products in a random order (an exploration
 * bucket); shoppers examine position k with probability 1/k and click what they examine with probability
 * 0.7 when it is the noun itself, 0.05 when it is an accessory.
 */
function behaviourLog(
  products: readonly Product[],
  nouns: readonly string[],
  searchesPerNoun: number,
): string {
  const rng = createRng(hashString("search-behaviour-log"));
  const lines: string[] = [];
  let n = 0;
  for (const noun of nouns) {
    const own = products.filter((p) => p.noun === noun);
    for (let s = 0; s < searchesPerNoun; s += 1) {
      const searchId = `s${(n += 1)}`;
      lines.push(JSON.stringify({ type: "search", searchId, query: noun, userId: `u${s % 7}` }));
      const order = rng.shuffle([...own]);
      order.forEach((p, i) => {
        lines.push(JSON.stringify({ type: "impression", searchId, productId: p.id, position: i + 1 }));
        const examined = rng.next() < examinationProbability(i + 1);
        if (examined && rng.next() < (p.relevant ? 0.7 : 0.05))
          lines.push(JSON.stringify({ type: "click", searchId, productId: p.id }));
      });
    }
  }
  return `${lines.join("\n")}\n`;
}

function run(script: string, args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(
      join(REPO, "node_modules/.bin/tsx"),
      ["--conditions=aisle-source", join(REPO, script), ...args],
      { cwd: REPO, env: { ...process.env, OMP_NUM_THREADS: "1" } },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => done({ code, stderr }));
  });
}

describe("search ranking learned from logged behaviour", () => {
  let work: string;
  const products = catalogue();
  const trainNouns = NOUNS.slice(0, 36);
  const testNouns = NOUNS.slice(36);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "aisle-search-behaviour-"));
    await mkdir(join(work, "logged"));
    await mkdir(join(work, "judged"));
    await writeFile(join(work, "logged/products.csv"), csvProducts(products));
    await writeFile(join(work, "logged/events.ndjson"), behaviourLog(products, trainNouns, 12));
    // Unseen queries, judged by what the products are: the nouns never searched in the log.
    await writeFile(join(work, "judged/products.csv"), csvProducts(products));
    await writeFile(
      join(work, "judged/queries.csv"),
      `query_id,query\n${testNouns.map((noun, i) => `${i},${noun}`).join("\n")}\n`,
    );
    const qrels = testNouns.flatMap((noun, i) =>
      products.filter((p) => p.noun === noun).map((p) => `${i} 0 ${p.id} ${p.relevant ? 3 : 0}`),
    );
    await writeFile(join(work, "judged/qrels.txt"), `${qrels.join("\n")}\n`);
  });
  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it("grades engagement per expected examination: clicks deep in the list count more than clicks on top", () => {
    // x is shown first in four searches, y fourth, z second in six; x and y are each clicked twice.
    const events: object[] = [];
    for (let s = 1; s <= 6; s += 1) {
      const searchId = `s${s}`;
      events.push({ type: "search", searchId, query: s === 1 ? "  Desk  Lamp " : "desk lamp" });
      if (s <= 4) {
        events.push({ type: "impression", searchId, productId: "x", position: 1 });
        events.push({ type: "impression", searchId, productId: "y", position: 4 });
      }
      events.push({ type: "impression", searchId, productId: "z", position: 2 });
    }
    events.push(
      { type: "impression", searchId: "s1", productId: "unknown", position: 3 },
      { type: "click", searchId: "s1", productId: "x" },
      { type: "click", searchId: "s2", productId: "x" },
      { type: "click", searchId: "s3", productId: "y" },
      { type: "click", searchId: "s4", productId: "y" },
      { type: "click", searchId: "s5", productId: "x" }, // not shown in s5: not credited
    );
    const log = events.map((e) => JSON.stringify(e)).join("\n");
    const { grades, searches, skipped } = judgementsFromBehaviour(log, new Set(["x", "y", "z"]));
    expect(searches).toBe(6);
    expect(skipped).toBe(2);
    // Examinations: x 4 × 1, y 4 × ¼, z 6 × ½; the query's rate 4 / 8. Smoothed rates relative to it:
    // x (2 + 1) / (4 + 2) = 1×, y (2 + 1) / (1 + 2) = 2×, z (0 + 1) / (3 + 2) = 0.4×.
    expect(Object.fromEntries(grades.get("desk lamp")!)).toEqual({ x: 2, y: 3, z: 0 });
  });

  it("refuses a malformed log with the line that is wrong", () => {
    expect(() =>
      judgementsFromBehaviour('{"type":"search","searchId":"s1","query":"x"}\nnot json', new Set()),
    ).toThrow(/line 2: not JSON/);
    expect(() =>
      judgementsFromBehaviour('{"type":"view","searchId":"s1","productId":"a"}', new Set(["a"])),
    ).toThrow(/line 1: unknown type "view"/);
    expect(() =>
      judgementsFromBehaviour(
        '{"type":"impression","searchId":"s1","productId":"a","position":0}',
        new Set(["a"]),
      ),
    ).toThrow(/position/);
  });

  it("turns a log into graded queries: the products shoppers chose are graded above the ones they skipped", async () => {
    const ds = await readRelevanceDataset(join(work, "logged"));
    expect(ds.queries.length).toBe(trainNouns.length);
    let above = 0;
    let pairs = 0;
    for (const q of ds.queries) {
      const grades = ds.qrels.get(q.id)!;
      const own = products.filter((p) => p.noun === q.text);
      for (const r of own.filter((p) => p.relevant))
        for (const a of own.filter((p) => !p.relevant)) {
          pairs += 1;
          if ((grades.get(r.id) ?? 0) > (grades.get(a.id) ?? 0)) above += 1;
        }
    }
    expect(above / pairs).toBeGreaterThan(0.9);
  });

  it("npm run eval -- search --train <log> --data <judged>: the ranker learned from clicks beats BM25 on unseen queries", async () => {
    const out = join(work, "eval.json");
    const result = await run("models/search/eval.ts", [
      "--train",
      join(work, "logged"),
      "--data",
      join(work, "judged"),
      "--out",
      out,
      "--no-plot",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(await readFile(out, "utf8")) as {
      learned: { enabled: boolean }[];
      rows: { mode: string; ndcg10: number; vsBm25: { ci95: [number, number] } | null }[];
    };
    expect(report.learned[0]!.enabled).toBe(true);
    const bm25 = report.rows.find((r) => r.mode === "bm25")!;
    const served = report.rows.find((r) => r.mode.startsWith("served"))!;
    // BM25 puts the short accessory titles first; the clicks taught the ranker the title's head term.
    expect(bm25.ndcg10).toBeLessThan(0.8);
    expect(served.ndcg10).toBeGreaterThan(bm25.ndcg10 + 0.1);
    expect(served.vsBm25!.ci95[0]).toBeGreaterThan(0);
  }, 240_000);
});
