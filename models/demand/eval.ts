/**
 * The demand model as served, scored on days it never saw:
 *
 *   npm run eval -- demand --train <dir> --data <dir> [--out <json>] [--seed 7] [--bootstrap 2000] [--keep]
 *       [--no-plot] [--design auto|direct|residual]
 *
 * 1. Trains exactly as `npm run train -- demand --data <train>` does (scripts/train.ts: import-data.ts maps the
 *    transactions table to daily rows with the subgraph's encoder, train.py chooses the design on an inner time
 *    split of those rows and fits it) into a temporary registry, leaving the committed demo model untouched.
 * 2. Scores `--data` through the served path: @aisle/ml's ModelRegistry and BatchedModel (onnxruntime-node) with
 *    the subgraph's `demandContract`. The scored rows: the last HOLDOUT_DAYS calendar days of --data, forecast
 *    (horizons 1 … 4) from --data's own earlier days, for every item with at least MIN_ITEM_UNITS units in those
 *    earlier days.
 * 3. Same folder for both (the default without --train): the fixed rule is that training reads only the
 *    transactions dated before the first held-out day (a filtered copy of the table).
 *
 * Baselines on the same rows: seasonal naive (the same weekday a week earlier), the moving averages of the last 7
 * and 28 known days (with fewer known days, all of them). WAPE of the daily forecasts and of each item's total
 * over the held-out days, with 95 % bootstrap intervals over items and paired model − baseline differences.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BatchedModel, ModelRegistry } from "@aisle/ml";
import {
  MODELS_DIR,
  prettifyJson,
  PYTHON,
  PYTHON_ENV,
  requirePython,
  run,
  TSX,
} from "../../scripts/models.ts";
import { demandBaselines } from "../../subgraphs/logistics/src/demand.features.ts";
import {
  DEMAND_MODEL,
  demandContract,
  type DemandForecast,
} from "../../subgraphs/logistics/src/demand.model.ts";
import { evalFolders, TABLE_EVAL_OPTIONS } from "../common/eval-folders.ts";
import { wapeIntervals } from "../common/wape.ts";
import {
  csvCell,
  dailySales,
  DAY_MS,
  forecastRows,
  MIN_ITEM_UNITS,
  readTransactions,
} from "./transactions.ts";

export const HOLDOUT_DAYS = 4;

const { values } = parseArgs({
  options: { ...TABLE_EVAL_OPTIONS, design: { type: "string", default: "auto" } },
});
const { dataDir, trainDir, sameFolder } = evalFolders(
  values,
  "eval.ts [--train <dir>] --data <dir> [--out <json>] [--seed 7] [--keep]",
);
const seed = Number(values.seed);
const say = (text: string) => process.stderr.write(`${text}\n`);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const dataTable = await readTransactions(dataDir);
const sales = dailySales(dataTable);
const origin = sales.days - HOLDOUT_DAYS;
if (origin < 2) throw new Error(`${dataTable.path}: ${sales.days} days; need at least ${HOLDOUT_DAYS + 2}`);
const cutMs = sales.startMs + origin * DAY_MS;

requirePython();
const work = await mkdtemp(join(tmpdir(), "aisle-eval-demand-"));
try {
  // 1. Train as `npm run train` does into a temporary registry; one folder: on the transactions before the cut.
  let trainFolder = trainDir;
  if (sameFolder) {
    trainFolder = join(work, "train");
    await mkdir(trainFolder);
    const kept = dataTable.rows.filter((_, i) => (dataTable.rowDay[i] as number) < cutMs);
    const text = [dataTable.header, ...kept].map((r) => r.cells.map(csvCell).join(",")).join("\n");
    await writeFile(join(trainFolder, "transactions.csv"), `${text}\n`);
  }
  const registryDir = join(work, "registry");
  // --design direct|residual forces train.py's design (a check of its choice, never a way to pick one).
  const trainArgs = [
    ...["demand", "--data", trainFolder, "--out", registryDir, "--", "--seed", String(seed)],
    ...["--design", values.design],
  ];
  say(`▶ training: npm run train -- ${trainArgs.join(" ")}`);
  await run(TSX, ["--conditions=aisle-source", join(MODELS_DIR, "..", "scripts", "train.ts"), ...trainArgs], {
    OMP_NUM_THREADS: process.env["OMP_NUM_THREADS"] ?? "1",
  });
  const trainMetrics = JSON.parse(
    await readFile(join(registryDir, DEMAND_MODEL, "metrics.json"), "utf8"),
  ) as Record<string, unknown>;

  // 2. The scored rows, through the served path.
  const items: string[] = [];
  const rows: ReturnType<typeof forecastRows> = [];
  const actual: number[] = [];
  for (const [code, units] of sales.items) {
    if (units.slice(0, origin).reduce((a, b) => a + b, 0) < MIN_ITEM_UNITS) continue;
    for (const r of forecastRows(units, origin, HOLDOUT_DAYS, sales.startMs)) {
      items.push(code);
      rows.push(r);
      actual.push(units[r.target] as number);
    }
  }
  const registry = await ModelRegistry.load({ modelsDir: registryDir });
  const model = await BatchedModel.create(registry, DEMAND_MODEL, demandContract, { timeoutMs: 60_000 });
  const forecasts: DemandForecast[] = [];
  try {
    for (let start = 0; start < rows.length; start += 4096) {
      for (const answer of await model.predictBatch(rows.slice(start, start + 4096).map((r) => r.row))) {
        if (answer instanceof Error) throw answer;
        forecasts.push(answer);
      }
    }
  } finally {
    await model.close();
  }
  const spec = registry.spec(DEMAND_MODEL);
  say(`scored ${forecasts.length} item-days of --data with ${spec.name}@${spec.version} (onnxruntime-node)`);

  // 3. Baselines on the same rows and the statistics.
  const meanOfLast = (units: readonly number[], days: number) => {
    const part = units.slice(Math.max(0, units.length - days));
    return part.length === 0 ? 0 : part.reduce((a, b) => a + b, 0) / part.length;
  };
  const methods: Record<string, number[]> = {
    model: forecasts.map((f) => f.rate),
    seasonal_naive: rows.map((r) => demandBaselines.seasonalNaive(r.row.units, r.row.horizon)),
    moving_average_7: rows.map((r) => meanOfLast(r.row.units, 7)),
    moving_average_28: rows.map((r) => demandBaselines.movingAverage28(r.row.units)),
  };
  const resamples = Number(values.bootstrap);
  const daily = wapeIntervals(actual, methods, items, { resamples, seed });
  // Each item's total over the held-out days (what a reorder decision reads).
  const totalOf = (values: readonly number[]) => {
    const sums = new Map<string, number>();
    values.forEach((v, i) => sums.set(items[i] as string, (sums.get(items[i] as string) ?? 0) + v));
    return [...sums.values()];
  };
  const itemCodes = [...new Set(items)];
  const totals = wapeIntervals(
    totalOf(actual),
    Object.fromEntries(Object.entries(methods).map(([k, v]) => [k, totalOf(v)])),
    itemCodes,
    { resamples, seed },
  );
  const covered = forecasts.filter((f, i) => (actual[i] as number) <= f.upper).length / forecasts.length;
  const sum = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);
  const report = {
    command: `npm run eval -- demand ${sameFolder ? "" : `--train ${values.train} `}--data ${values.data}${
      values.design === "auto" ? "" : ` --design ${values.design}`
    }`,
    data: dataTable.path,
    train: sameFolder ? `${dataTable.path} before ${isoDay(cutMs)}` : trainDir,
    protocol: sameFolder
      ? `one folder: the last ${HOLDOUT_DAYS} calendar days are scored; training reads only the transactions dated before ${isoDay(cutMs)}`
      : `two folders: trained on all of --train; --data's last ${HOLDOUT_DAYS} calendar days scored from its earlier days`,
    days: [isoDay(sales.startMs), isoDay(sales.startMs + (sales.days - 1) * DAY_MS)],
    heldout_days: Array.from({ length: HOLDOUT_DAYS }, (_, h) => isoDay(cutMs + h * DAY_MS)),
    items: itemCodes.length,
    heldout_rows: rows.length,
    heldout_units: sum(actual),
    served_model: { name: spec.name, version: spec.version, sha256: spec.sha256 },
    design: trainMetrics["design"],
    design_choice: Object.fromEntries(Object.entries(trainMetrics).filter(([k]) => k.startsWith("inner_"))),
    wape_with_95ci_over_items: daily,
    item_total_wape_with_95ci: totals,
    bias: Object.fromEntries(Object.entries(methods).map(([k, v]) => [k, sum(v) / sum(actual) - 1])),
    // Units sold and forecast per held-out day (where a bias comes from).
    units_by_day: Array.from({ length: HOLDOUT_DAYS }, (_, h) => {
      const day = (v: readonly number[]) => sum(v.filter((_, i) => rows[i]?.row.horizon === h + 1));
      return {
        day: isoDay(cutMs + h * DAY_MS),
        actual: day(actual),
        ...Object.fromEntries(Object.entries(methods).map(([k, v]) => [k, Math.round(day(v))])),
      };
    }),
    upper_coverage: covered,
    bootstrap: { resamples, seed, unit: "item" },
  };
  say(
    `${report.protocol}; ${report.items} items, ${report.heldout_rows} item-days; design ${String(report.design)}`,
  );
  for (const [k, v] of Object.entries(daily))
    say(`  WAPE ${k.padEnd(32)} ${v.wape.toFixed(3)}  [${v.ci95[0].toFixed(3)}, ${v.ci95[1].toFixed(3)}]`);
  for (const [k, v] of Object.entries(totals))
    say(
      `  item-total WAPE ${k.padEnd(26)} ${v.wape.toFixed(3)}  [${v.ci95[0].toFixed(3)}, ${v.ci95[1].toFixed(3)}]`,
    );
  say(`  upper (0.9) coverage ${covered.toFixed(3)}`);
  if (values.out !== undefined) {
    const out = resolve(values.out);
    await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    await prettifyJson([out]);
    if (!values["no-plot"]) await run(PYTHON, [join(MODELS_DIR, "common", "plot_card.py"), out], PYTHON_ENV);
  }
} finally {
  if (values.keep) say(`(work folder kept: ${work})`);
  else await rm(work, { recursive: true, force: true });
}
