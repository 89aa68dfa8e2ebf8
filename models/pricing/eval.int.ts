import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRng, hashString } from "@aisle/world";
import { invoiceDay } from "../demand/transactions.ts";

// Trains the pricing model through `npm run eval`'s own training and scores through onnxruntime-node (a child
// process and real files: the integration tier).
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country";
const DAYS = 19; // Monday 2011-01-03 to Friday 2011-01-21, trading Monday to Friday: 15 trading days

interface Estimate {
  wape: number;
  ci95: [number, number];
}
interface Report {
  heldout_days: string[];
  products: number;
  holdout_rows: number;
  holdout_rows_unknown_product: number;
  served_model: { name: string };
  wape_with_95ci_over_products: Record<string, Estimate>;
  median_elasticity: number;
}

/** 30 products in 3 categories, prices moved ±20 % on some days, demand falling with price (elasticity −2). */
function transactions(): string {
  const rng = createRng(hashString("pricing-eval-int"));
  const lines = [HEADER];
  let invoice = 540000;
  for (let day = 0; day < DAYS; day++) {
    const date = new Date(Date.UTC(2011, 0, 3 + day));
    if (date.getUTCDay() === 0 || date.getUTCDay() === 6) continue;
    const stamp = `${date.getUTCMonth() + 1}/${date.getUTCDate()}/11 9:30`;
    for (let item = 0; item < 30; item++) {
      const list = 1 + (item % 7) * 0.5;
      const ratio = rng.chance(0.3) ? rng.pick([0.8, 1.2]) : 1;
      const mean = (3 + (item % 5)) * ratio ** -2;
      let units = 0;
      for (let k = 0; k < 20; k++) units += rng.chance(mean / 20) ? 1 : 0;
      const word = ["MUG", "BAG", "CANDLE"][item % 3] as string;
      if (units > 0)
        lines.push(
          `${invoice++},${30000 + item},"RED, ${word}",${units},${stamp},${(list * ratio).toFixed(2)},1,UK`,
        );
    }
    lines.push(`C${invoice++},30001,RED BAG,-4,${stamp},1.5,1,UK`); // a cancellation
  }
  return `${lines.join("\n")}\n`;
}

function runEval(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(
      join(REPO, "node_modules/.bin/tsx"),
      ["--conditions=aisle-source", join(REPO, "scripts/eval.ts"), "pricing", ...args],
      { cwd: REPO, env: { ...process.env, OMP_NUM_THREADS: "1" } },
    );
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => done({ code, stderr }));
  });
}

describe("npm run eval -- pricing (a tiny transactions folder)", () => {
  let work: string;
  let kept: string | undefined;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "aisle-pricing-eval-test-"));
    await mkdir(join(work, "shop"));
    await writeFile(join(work, "shop", "transactions.csv"), transactions());
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    if (kept !== undefined) await rm(kept, { recursive: true, force: true });
  });

  it("trains before the last 3 trading days and scores them through onnxruntime-node", async () => {
    const out = join(work, "report.json");
    const run = await runEval([
      "--data",
      join(work, "shop"),
      "--out",
      out,
      "--no-plot",
      "--bootstrap",
      "200",
      "--keep",
    ]);
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(run.stderr).toMatch(/scored 90 product-days of --data with pricing@[\d.]+ \(onnxruntime-node\)/);
    kept = /work folder kept: (\S+)\)/.exec(run.stderr)?.[1];
    const report = JSON.parse(await readFile(out, "utf8")) as Report;
    expect(report.heldout_days).toEqual(["2011-01-19", "2011-01-20", "2011-01-21"]);
    const training = (await readFile(join(kept as string, "train", "transactions.csv"), "utf8"))
      .trim()
      .split("\n");
    const dates = training.slice(1).map((line) => invoiceDay(line.split(",").at(-4) as string));
    expect(dates.length).toBeGreaterThan(100);
    expect(Math.max(...dates)).toBeLessThan(Date.UTC(2011, 0, 19));
    // Every product sold before the cut and is in the trained vocabulary.
    expect(report.products).toBe(30);
    expect(report.holdout_rows).toBe(90);
    expect(report.holdout_rows_unknown_product).toBe(0);
    expect(report.served_model.name).toBe("pricing");
    const table = report.wape_with_95ci_over_products;
    expect(Object.keys(table)).toContain("model_minus_seasonal_naive");
    for (const [key, e] of Object.entries(table)) {
      expect(Number.isFinite(e.wape), key).toBe(true);
      expect(e.ci95[0]).toBeLessThanOrEqual(e.wape + 1e-9);
      expect(e.ci95[1]).toBeGreaterThanOrEqual(e.wape - 1e-9);
    }
    // Steady demand: the model is within reach of the baselines (a broken path gives WAPE far above 1).
    expect(table["model"]?.wape).toBeLessThan(0.8);
    expect(report.median_elasticity).toBeLessThan(0);
  }, 180_000);

  it("fails, naming the column, on a table without prices", async () => {
    const bad = join(work, "bad");
    await mkdir(bad);
    await writeFile(
      join(bad, "t.csv"),
      "InvoiceNo,StockCode,Quantity,InvoiceDate\n" +
        Array.from({ length: 8 }, (_, d) => `${d},30000,3,1/${3 + d}/11 9:30`).join("\n"),
    );
    const run = await runEval(["--data", bad, "--no-plot"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/missing UnitPrice/);
  }, 60_000);
});
