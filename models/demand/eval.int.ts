import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRng, hashString } from "@aisle/world";
import { invoiceDay } from "./transactions.ts";

// Trains the demand model through `npm run eval`'s own training and scores through onnxruntime-node (a
// child process and real files: the integration tier).
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country";
const DAYS = 19; // Monday 2011-01-03 to Friday 2011-01-21 (a table spans its first to its last sale)
const WEEKDAY_FACTOR = [0, 1.4, 1.2, 1, 1, 0.8, 0]; // Sunday … Saturday: no trading at weekends

interface Estimate {
  wape: number;
  ci95: [number, number];
}
interface Report {
  heldout_days: string[];
  items: number;
  heldout_rows: number;
  heldout_units: number;
  served_model: { name: string; version: string };
  design: string;
  wape_with_95ci_over_items: Record<string, Estimate>;
  item_total_wape_with_95ci: Record<string, Estimate>;
  upper_coverage: number;
}

/** 30 items with a weekday pattern and Poisson-ish noise, plus lines the mapping must drop. */
function transactions(): string {
  const rng = createRng(hashString("demand-eval-int"));
  const lines = [HEADER];
  let invoice = 540000;
  for (let day = 0; day < DAYS; day++) {
    const date = new Date(Date.UTC(2011, 0, 3 + day));
    const factor = WEEKDAY_FACTOR[date.getUTCDay()] as number;
    const stamp = `${date.getUTCMonth() + 1}/${date.getUTCDate()}/11 10:${String(day).padStart(2, "0")}`;
    for (let item = 0; item < 30; item++) {
      const mean = (2 + item / 3) * factor;
      let units = 0;
      for (let k = 0; k < 10; k++) units += rng.chance(mean / 10) ? 1 : 0;
      if (units > 0)
        lines.push(`${invoice++},${20000 + item},"ITEM, NO ${item}",${units},${stamp},1.25,17850,UK`);
    }
    if (factor > 0) {
      lines.push(`C${invoice++},20001,ITEM 1,-5,${stamp},1.25,17850,UK`); // a cancellation
      lines.push(`${invoice++},POST,POSTAGE,3,${stamp},18,17850,UK`); // not a product
    }
  }
  return `${lines.join("\n")}\n`;
}

function runEval(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(
      join(REPO, "node_modules/.bin/tsx"),
      ["--conditions=aisle-source", join(REPO, "scripts/eval.ts"), "demand", ...args],
      { cwd: REPO, env: { ...process.env, OMP_NUM_THREADS: "1" } },
    );
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => done({ code, stderr }));
  });
}

describe("npm run eval -- demand (a tiny transactions folder)", () => {
  let work: string;
  let kept: string | undefined;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "aisle-demand-eval-test-"));
    await mkdir(join(work, "shop"));
    await writeFile(join(work, "shop", "transactions.csv"), transactions());
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    if (kept !== undefined) await rm(kept, { recursive: true, force: true });
  });

  it("trains on the days before the last 4 and scores exactly those days through onnxruntime-node", async () => {
    const shop = join(work, "shop");
    const out = join(work, "report.json");
    const run = await runEval(["--data", shop, "--out", out, "--no-plot", "--bootstrap", "200", "--keep"]);
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(run.stderr).toMatch(/scored \d+ item-days of --data with demand@[\d.]+ \(onnxruntime-node\)/);
    kept = /work folder kept: (\S+)\)/.exec(run.stderr)?.[1];
    const report = JSON.parse(await readFile(out, "utf8")) as Report;

    // The fixed rule: 19 days, the last 4 scored (Tuesday 18 … Friday 21 January).
    expect(report.heldout_days).toEqual(["2011-01-18", "2011-01-19", "2011-01-20", "2011-01-21"]);
    const cut = Date.UTC(2011, 0, 18);
    // Training read only transactions dated before the cut.
    const training = (await readFile(join(kept as string, "train", "transactions.csv"), "utf8"))
      .trim()
      .split("\n");
    const dates = training.slice(1).map((line) => invoiceDay(line.split(",").at(-4) as string));
    expect(dates.length).toBeGreaterThan(100);
    expect(Math.max(...dates)).toBeLessThan(cut);
    // Every item sold ≥ 5 units before the cut: all 30 are scored, 4 days each; cancellations and POST dropped.
    expect(report.items).toBe(30);
    expect(report.heldout_rows).toBe(120);
    const heldUnits = transactions()
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(","))
      .filter((c) => /^\d+$/.test(c[0] as string) && /^\d+$/.test(c[1] as string))
      .filter((c) => invoiceDay(c.at(-4) as string) >= cut)
      .reduce((sum, c) => sum + Number(c.at(-5)), 0);
    expect(report.heldout_units).toBe(heldUnits);

    expect(report.served_model.name).toBe("demand");
    expect(["direct", "residual"]).toContain(report.design);
    for (const table of [report.wape_with_95ci_over_items, report.item_total_wape_with_95ci]) {
      expect(Object.keys(table).sort()).toEqual(
        [
          "model",
          "seasonal_naive",
          "moving_average_7",
          "moving_average_28",
          "model_minus_seasonal_naive",
          "model_minus_moving_average_7",
          "model_minus_moving_average_28",
        ].sort(),
      );
      for (const [key, e] of Object.entries(table)) {
        expect(Number.isFinite(e.wape), key).toBe(true);
        expect(e.ci95[0]).toBeLessThanOrEqual(e.wape + 1e-9);
        expect(e.ci95[1]).toBeGreaterThanOrEqual(e.wape - 1e-9);
      }
    }
    // On a steady weekday pattern the seasonal naive is a good forecast: WAPE well below 1.
    expect(report.wape_with_95ci_over_items["seasonal_naive"]?.wape).toBeLessThan(0.6);
    expect(report.upper_coverage).toBeGreaterThan(0);
    expect(report.upper_coverage).toBeLessThanOrEqual(1);
  }, 180_000);

  it("fails, naming the column, on a table that is not in the transactions format", async () => {
    const bad = join(work, "bad");
    await mkdir(bad);
    await writeFile(join(bad, "t.csv"), "InvoiceNo,StockCode,Quantity\n1,20000,3\n");
    const run = await runEval(["--data", bad, "--no-plot"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/missing InvoiceDate/);
  }, 60_000);
});
