/**
 * The pricing demand model as served, scored on days it never saw:
 *
 *   npm run eval -- pricing [--train <dir>] --data <dir> [--out <json>] [--seed 7] [--bootstrap 2000] [--keep]
 *       [--no-plot]
 *
 * 1. Trains exactly as `npm run train -- pricing --data <train>` does (scripts/train.ts: import-data.ts maps the
 *    transactions table to a daily product panel, train.py fits and exports model and vocabulary) into a
 *    temporary registry, leaving the committed demo model untouched.
 * 2. Scores --data's last HOLDOUT_TRADING_DAYS trading days, one day ahead (each day from the days before it),
 *    through the path `Product.price` uses: the subgraph's `demandDrivers` on a feature record built from the
 *    panel (stock unknown; regular-price units per day over the last 7 and 28 trading days), the trained
 *    vocabulary (`DemandVocabulary`), `demandContract` and @aisle/ml's BatchedModel (onnxruntime-node). The
 *    price is the one known that morning: the product's last price before the day, over its list price (the
 *    median daily price before the held-out days). Products the model never saw get index 0.
 * 3. Same folder (the default without --train): training reads only the transactions dated before the first
 *    held-out trading day.
 *
 * Baselines on the same rows: seasonal naive (the units 7 calendar days earlier, 0 without trading then), last
 * value (the previous trading day), moving average of the previous ≤ 7 trading days. WAPE with 95 % bootstrap
 * intervals over products and paired model − baseline differences; MAPE on days with a sale.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
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
import { demandDrivers } from "../../subgraphs/pricing/src/demand.features.ts";
import {
  DemandVocabulary,
  demandContract,
  type DemandPrediction,
  type DemandRow,
} from "../../subgraphs/pricing/src/demand.model.ts";
import { evalFolders, TABLE_EVAL_OPTIONS } from "../common/eval-folders.ts";
import { wape, wapeIntervals } from "../common/wape.ts";
import { csvCell, DAY_MS, readTransactions } from "../demand/transactions.ts";
import { listPrice, pricingPanel, regularUnitsPerDay } from "./panel.ts";

export const HOLDOUT_TRADING_DAYS = 3;

const { values } = parseArgs({ options: { ...TABLE_EVAL_OPTIONS } });
const { dataDir, trainDir, sameFolder } = evalFolders(
  values,
  "eval.ts [--train <dir>] --data <dir> [--out <json>] [--seed 7] [--keep]",
);
const seed = Number(values.seed);
const say = (text: string) => process.stderr.write(`${text}\n`);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const dataTable = await readTransactions(dataDir);
const panel = pricingPanel(dataTable);
const days = panel.tradingDays;
const cut = days.length - HOLDOUT_TRADING_DAYS;
if (cut < 2)
  throw new Error(`${dataTable.path}: ${days.length} trading days; need ${HOLDOUT_TRADING_DAYS + 2}`);
const cutMs = days[cut] as number;

requirePython();
const work = await mkdtemp(join(tmpdir(), "aisle-eval-pricing-"));
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
  const trainArgs = ["pricing", "--data", trainFolder, "--out", registryDir, "--", "--seed", String(seed)];
  say(`▶ training: npm run train -- ${trainArgs.join(" ")}`);
  await run(TSX, ["--conditions=aisle-source", join(MODELS_DIR, "..", "scripts", "train.ts"), ...trainArgs], {
    OMP_NUM_THREADS: process.env["OMP_NUM_THREADS"] ?? "1",
  });

  // 2. The scored rows through the served path.
  const vocabulary = await DemandVocabulary.load(registryDir);
  const dayIndex = new Map(days.map((d, t) => [d, t]));
  const items: string[] = [];
  const rows: DemandRow[] = [];
  const actual: number[] = [];
  const methods: Record<string, number[]> = {
    model: [],
    seasonal_naive: [],
    last_value: [],
    moving_average_7: [],
  };
  let unknownRows = 0;
  for (const [code, series] of panel.products) {
    if (series.first < 0 || series.first >= cut) continue; // no sale before the held-out days
    const list = listPrice(series, cut);
    for (let t = cut; t < days.length; t++) {
      const features = {
        stockLevel: -1,
        regularUnitsPerDay7: regularUnitsPerDay(series, t, 7, list),
        regularUnitsPerDay28: regularUnitsPerDay(series, t, 28, list),
        lastPriceMinor: series.price[t - 1] as number,
      };
      const productIndex = vocabulary.product(code);
      if (productIndex === 0) unknownRows++;
      rows.push({
        productIndex,
        categoryIndex: vocabulary.category(series.category),
        logPriceRatio: Math.log(features.lastPriceMinor / list),
        drivers: demandDrivers(features, new Date(days[t] as number)),
      });
      items.push(code);
      actual.push(series.units[t] as number);
      const weekAgo = dayIndex.get((days[t] as number) - 7 * DAY_MS);
      methods["seasonal_naive"]?.push(
        weekAgo !== undefined && weekAgo >= series.first ? (series.units[weekAgo] as number) : 0,
      );
      methods["last_value"]?.push(series.units[t - 1] as number);
      const from = Math.max(series.first, t - 7);
      methods["moving_average_7"]?.push(series.units.slice(from, t).reduce((a, b) => a + b, 0) / (t - from));
    }
  }
  const registry = await ModelRegistry.load({ modelsDir: registryDir });
  const model = await BatchedModel.create(registry, "pricing", demandContract, { timeoutMs: 60_000 });
  const answers: DemandPrediction[] = [];
  try {
    for (let start = 0; start < rows.length; start += 4096) {
      for (const answer of await model.predictBatch(rows.slice(start, start + 4096))) {
        if (answer instanceof Error) throw answer;
        answers.push(answer);
      }
    }
  } finally {
    await model.close();
  }
  methods["model"] = answers.map((a) => a.demandPerDay);
  const spec = registry.spec("pricing");
  say(`scored ${answers.length} product-days of --data with ${spec.name}@${spec.version} (onnxruntime-node)`);

  // 3. Statistics.
  const resamples = Number(values.bootstrap);
  const scores = wapeIntervals(actual, methods, items, { resamples, seed });
  const saleDays = actual.flatMap((y, i) => (y > 0 ? [i] : []));
  const mape = (f: readonly number[]) =>
    saleDays.reduce(
      (s, i) => s + Math.abs((actual[i] as number) - (f[i] as number)) / (actual[i] as number),
      0,
    ) / saleDays.length;
  const elasticities = answers.map((a) => a.elasticity).sort((a, b) => a - b);
  const report = {
    command: `npm run eval -- pricing ${sameFolder ? "" : `--train ${values.train} `}--data ${values.data}`,
    data: dataTable.path,
    train: sameFolder ? `${dataTable.path} before ${isoDay(cutMs)}` : trainDir,
    protocol: sameFolder
      ? `one folder: the last ${HOLDOUT_TRADING_DAYS} trading days are scored one day ahead; training reads only the transactions dated before ${isoDay(cutMs)}`
      : `two folders: trained on all of --train; --data's last ${HOLDOUT_TRADING_DAYS} trading days scored one day ahead`,
    trading_days: days.length,
    heldout_days: days.slice(cut).map(isoDay),
    products: new Set(items).size,
    holdout_rows: rows.length,
    holdout_rows_with_sales: saleDays.length,
    holdout_rows_unknown_product: unknownRows,
    served_model: { name: spec.name, version: spec.version, sha256: spec.sha256 },
    wape: Object.fromEntries(Object.entries(methods).map(([k, f]) => [k, wape(actual, f)])),
    wape_with_95ci_over_products: scores,
    mape_on_sale_days: Object.fromEntries(Object.entries(methods).map(([k, f]) => [k, mape(f)])),
    median_elasticity: elasticities[Math.floor(elasticities.length / 2)],
    bootstrap: { resamples, seed, unit: "product" },
  };
  say(`${report.protocol}; ${report.products} products, ${report.holdout_rows} product-days`);
  for (const [k, v] of Object.entries(scores))
    say(`  WAPE ${k.padEnd(32)} ${v.wape.toFixed(3)}  [${v.ci95[0].toFixed(3)}, ${v.ci95[1].toFixed(3)}]`);
  say(
    `  MAPE on sale days ${JSON.stringify(report.mape_on_sale_days)}; median elasticity ${report.median_elasticity}`,
  );
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
