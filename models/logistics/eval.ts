import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BatchedModel, ModelRegistry } from "@aisle/ml";
import { parseCsvRows } from "../../subgraphs/catalog/src/import/csv.ts";
import {
  DELIVERY_MODEL,
  deliveryContract,
  lastArrivalQuantile,
  Z,
  type DeliveryDistribution,
} from "../../subgraphs/logistics/src/delivery.model.ts";
import { quantilePromise } from "../../subgraphs/logistics/src/promise.strategy.ts";
import { ORDER_FILES, parseOlistTime, readOrderTable, type OlistOrder } from "./olist.ts";
import {
  chooseSettings,
  RECALIBRATION_GRID,
  replayRecalibration,
  type GridResult,
  type Replayed,
} from "./replay.ts";
import { prettifyJson } from "../../scripts/models.ts";

/**
 * The delivery model as served, scored on orders it never saw.
 *
 *   npm run eval -- logistics --train <dir> --data <dir> [--file <table>] [--holdout time|interleaved] [--out <json>] [--rows <csv>]
 *
 * 1. Trains exactly as `npm run train -- logistics --data <train>` does (scripts/train.ts: import-data.ts maps the
 *    table with the subgraph's encoder, train.py/real.py fits and exports), but into a temporary registry
 *    (`--out`), so the committed demo model is untouched.
 * 2. Loads that registry with @aisle/ml and scores every delivered order of `--data` through the subgraph's
 *    `deliveryContract` (its feature encoder) and `BatchedModel` (onnxruntime-node): the served path. The P50,
 *    P90 and promise come from the subgraph's own `lastArrivalQuantile` and `quantilePromise(0.9)`.
 * 3. When `--train` and `--data` are the same folder, the last 20 % of its delivered orders by purchase time
 *    are scored and training sees only the rows purchased before the first of them (the cut is written out);
 *    with `--holdout interleaved`, the orders whose id is 1 mod 5 are scored and the other rows train (the
 *    dataset's own held-back slice, id % 5 == 0, is interleaved in time the same way).
 *
 * 4. Scores the same orders a second time as the subgraph serves them with request-time recalibration
 *    (`DeliveryRecalibrator`, replay.ts): every delivered order of either folder is replayed in time order, and an
 *    order's outcome enters the window only once it was delivered before the purchase being answered. The
 *    window, step and centring are chosen on the training folder only: a second model, trained the same way on
 *    its first 80 % by purchase time, replays the grid over its last 20 % (`recalibration` in the JSON).
 *
 * Baselines on the same orders: the per-state median and P90 of the training orders (a state with fewer than 10
 * uses the overall figure), and the marketplace's estimate at the date the data gives
 * (`order_estimated_delivery_date`, midnight starting that date; not the end of that day).
 *
 * Without `--train` this runs eval.py, the research evaluation that refits on internal windows of `--data`.
 */

const DAY_MS = 86_400_000;
const HOLDOUT_SHARE = 0.2;
/** The share of the training folder's orders (the last by purchase time) the recalibration is chosen on. */
const TUNE_SHARE = 0.2;
const BOOTSTRAP = 2000;
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TSX = join(REPO, "node_modules/.bin/tsx");

const { values, positionals } = parseArgs({
  allowPositionals: true,
  strict: false,
  options: {
    train: { type: "string" },
    data: { type: "string" },
    file: { type: "string" },
    out: { type: "string" },
    seed: { type: "string" },
    keep: { type: "boolean" },
    holdout: { type: "string" },
    rows: { type: "string" },
  },
});

function runChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: REPO, stdio: "inherit", env: { ...process.env, ...env } });
    child.on("error", fail);
    child.on("exit", (code, signal) =>
      code === 0
        ? done()
        : fail(new Error(`${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

if (values.train === undefined) {
  // The research evaluation (refits on internal windows); every argument passes through.
  await runChild("/usr/bin/python3", [join(REPO, "models/logistics/eval.py"), ...process.argv.slice(2)], {
    PYTHONPATH: join(REPO, "models"),
    PYTHONUNBUFFERED: "1",
  });
  process.exit(0);
}
if (typeof values.data !== "string" || typeof values.train !== "string" || positionals.length > 0) {
  throw new Error(
    "usage: npm run eval -- logistics --train <dir> --data <dir> [--file <table>] [--out <json>]",
  );
}
const trainDir = resolve(values.train);
const dataDir = resolve(values.data);
const file = typeof values.file === "string" ? values.file : undefined;
const seed = Number(typeof values.seed === "string" ? values.seed : "7");
const sameFolder = trainDir === dataDir;

// ---- the scored orders and the training folder -------------------------------------------------------------
const scoredTable = await readOrderTable(dataDir, file);
const mainName = basename(scoredTable.path);
const work = await mkdtemp(join(tmpdir(), "aisle-eval-logistics-"));
// The work folder (links, a filtered copy of the main table, the temporary registry) goes on any exit, failures
// included, unless --keep.
process.on("exit", () => {
  if (values.keep !== true) rmSync(work, { recursive: true, force: true });
});
let scored: OlistOrder[] = scoredTable.orders;
let cutAt: number | undefined;
let trainFolder = trainDir;

/** A folder of links to `dir`'s files except the main table, which is `main` (a link, or written text). */
async function linkFolder(dir: string, target: string, main: string, mainText?: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.endsWith(".csv")) continue;
    if ((ORDER_FILES as readonly string[]).includes(name) && name !== main) continue;
    if (name === main && mainText !== undefined) await writeFile(join(target, name), mainText);
    else await symlink(join(dir, name), join(target, name));
  }
}

const quoteCell = (c: string) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);

/** Which rows of the main table an interleaved hold-out scores: a numeric id % 5 == 1, else a hash of the id. */
function interleaved(id: string): boolean {
  if (/^\d+$/.test(id)) return Number(id) % 5 === 1;
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h % 5 === 1;
}
const holdout = typeof values.holdout === "string" ? values.holdout : "time";
if (holdout !== "time" && holdout !== "interleaved") throw new Error("--holdout is time or interleaved");

if (sameFolder) {
  const [header, ...rows] = parseCsvRows(await readFile(scoredTable.path, "utf8"));
  if (header === undefined) throw new Error(`${scoredTable.path} is empty`);
  let kept: typeof rows;
  if (holdout === "time") {
    // Fixed rule: the last HOLDOUT_SHARE of the delivered orders by purchase time are scored; training keeps the
    // rows (any status) purchased before the first of them.
    const first = Math.floor(scoredTable.orders.length * (1 - HOLDOUT_SHARE));
    cutAt = (scoredTable.orders[first] as OlistOrder).purchasedAt;
    scored = scoredTable.orders.filter((o) => o.purchasedAt >= (cutAt as number));
    const column = header.cells.indexOf("order_purchase_timestamp");
    kept = rows.filter((r) => parseOlistTime(r.cells[column]) < (cutAt as number));
  } else {
    // Interleaved in time, as the dataset's own held-back slice (id % 5 == 0) is: orders whose id is 1 mod 5
    // (or whose id hashes to 1 mod 5) are scored, every other row trains.
    scored = scoredTable.orders.filter((o) => interleaved(o.id));
    const column = header.cells.indexOf(header.cells.includes("order_id") ? "order_id" : "id");
    kept = rows.filter((r) => !interleaved(r.cells[column] ?? ""));
  }
  const text = [header, ...kept].map((r) => r.cells.map(quoteCell).join(",")).join("\n");
  trainFolder = join(work, "train");
  await mkdir(trainFolder);
  await linkFolder(dataDir, trainFolder, mainName, `${text}\n`);
} else if (file !== undefined) {
  trainFolder = join(work, "train");
  await mkdir(trainFolder);
  await linkFolder(trainDir, trainFolder, file);
}
if (!existsSync(trainFolder)) throw new Error(`${trainFolder} does not exist`);

const trainTable = await readOrderTable(trainFolder, sameFolder || file !== undefined ? mainName : undefined);

// ---- train exactly as `npm run train` does, into a temporary registry ------------------------------------
async function train(folder: string, registryDir: string): Promise<void> {
  process.stderr.write(`▶ training: npm run train -- logistics --data ${folder} --out ${registryDir}\n`);
  await runChild(
    TSX,
    [
      "--conditions=aisle-source",
      join(REPO, "scripts/train.ts"),
      "logistics",
      "--data",
      folder,
      "--out",
      registryDir,
      "--",
      "--seed",
      String(seed),
    ],
    { OMP_NUM_THREADS: process.env["OMP_NUM_THREADS"] ?? "1" },
  );
}

/** The served model's answers (trained calibration) for `orders`, through the subgraph's contract. */
async function predict(registryDir: string, orders: readonly OlistOrder[]) {
  const registry = await ModelRegistry.load({ modelsDir: registryDir });
  const served = await BatchedModel.create(registry, DELIVERY_MODEL, deliveryContract, {
    maxBatchSize: 4096,
    timeoutMs: 60_000,
  });
  const out = await served.predictBatch(orders.map((o) => o.row));
  await served.close();
  const dists = out.map((answer, i) => {
    if (answer === undefined || answer instanceof Error)
      throw answer ?? new Error(`no answer for ${orders[i]?.id}`);
    return answer;
  });
  return { dists, name: served.name, version: served.version, spec: served.spec };
}
const replayed = (orders: readonly OlistOrder[], dists: readonly DeliveryDistribution[]): Replayed[] =>
  orders.map((o, i) => ({
    purchasedAt: o.purchasedAt,
    deliveredAt: o.deliveredAt,
    predicted: dists[i] as DeliveryDistribution,
  }));
const days = (o: OlistOrder) => (o.deliveredAt - o.purchasedAt) / DAY_MS;

// ---- recalibration settings, chosen on a time split inside the training folder only ----------------------
// A model trained as `npm run train` would on the training folder's first TUNE_SHARE by purchase time; the
// recalibration is replayed over the training folder's orders and each grid setting scored on the rest.
const innerFirst = Math.floor(trainTable.orders.length * (1 - TUNE_SHARE));
const innerCut = (trainTable.orders[innerFirst] as OlistOrder).purchasedAt;
{
  const [header, ...rows] = parseCsvRows(await readFile(trainTable.path, "utf8"));
  if (header === undefined) throw new Error(`${trainTable.path} is empty`);
  const column = header.cells.indexOf("order_purchase_timestamp");
  const kept = rows.filter((r) => parseOlistTime(r.cells[column]) < innerCut);
  const text = [header, ...kept].map((r) => r.cells.map(quoteCell).join(",")).join("\n");
  await mkdir(join(work, "tune"));
  await linkFolder(trainFolder, join(work, "tune"), basename(trainTable.path), `${text}\n`);
}
await train(join(work, "tune"), join(work, "tune-registry"));
const tuneAnswers = await predict(join(work, "tune-registry"), trainTable.orders);
const tuneStream = replayed(trainTable.orders, tuneAnswers.dists);
const tuneRequests = tuneStream.slice(innerFirst);
const tuneDays = trainTable.orders.slice(innerFirst).map(days);
const grid: GridResult[] = RECALIBRATION_GRID.map((settings) => {
  const served = replayRecalibration(tuneStream, tuneRequests, settings);
  let covered = 0;
  let width = 0;
  let error = 0;
  served.forEach((d, i) => {
    const t = tuneDays[i] as number;
    const p90 = lastArrivalQuantile([d], 0.9, Z.p90);
    covered += t <= p90 ? 1 : 0;
    width += p90;
    error += Math.abs(t - lastArrivalQuantile([d], 0.5, Z.p50));
  });
  const count = served.length;
  return { settings, p90Coverage: covered / count, meanP90Days: width / count, maeDays: error / count };
});
const chosen = chooseSettings(grid);
process.stderr.write(
  `▶ recalibration chosen on the training folder's last ${TUNE_SHARE * 100} % (${tuneRequests.length} orders from ${new Date(innerCut).toISOString().slice(0, 10)}): ${JSON.stringify(chosen)}\n`,
);

// ---- score through the served path -----------------------------------------------------------------------
const registryDir = join(work, "registry");
await train(trainFolder, registryDir);
// Every delivered order either folder holds is a delivered scan the subgraph would have seen, in time.
const ids = new Set(scored.map((o) => o.id));
const history = [...trainTable.orders.filter((o) => !ids.has(o.id)), ...scored];
const served = await predict(registryDir, history);
const model = { name: served.name, version: served.version, spec: served.spec };
const answers = served.dists.slice(history.length - scored.length);
const recalibrated = replayRecalibration(
  replayed(history, served.dists),
  replayed(scored, answers),
  chosen.settings,
);
const promise = quantilePromise(0.9);

interface Forecast {
  readonly p50: number;
  readonly p90: number;
  /** Days from purchase to the end of the promised calendar day. */
  readonly promiseEnd: number;
}
const endOfDay = (purchasedAt: number, days: number) =>
  (Math.floor((purchasedAt + days * DAY_MS) / DAY_MS) * DAY_MS + DAY_MS - purchasedAt) / DAY_MS;

const forecasts = (dists: readonly DeliveryDistribution[]): Forecast[] =>
  scored.map((o, i) => {
    const d = dists[i] as DeliveryDistribution;
    return {
      p50: lastArrivalQuantile([d], 0.5, Z.p50),
      p90: lastArrivalQuantile([d], 0.9, Z.p90),
      promiseEnd: endOfDay(o.purchasedAt, promise.promiseDays([d])),
    };
  });
function quantileOf(sorted: readonly number[], q: number): number {
  // numpy's default (linear) interpolation
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}
function perState(q: number): (o: OlistOrder) => number {
  const all = trainTable.orders.map(days).sort((a, b) => a - b);
  const overall = quantileOf(all, q);
  const byState = new Map<string, number[]>();
  for (const o of trainTable.orders)
    if (o.state !== "") byState.set(o.state, [...(byState.get(o.state) ?? []), days(o)]);
  const table = new Map(
    [...byState]
      .filter(([, v]) => v.length >= 10)
      .map(([s, v]) => [
        s,
        quantileOf(
          v.sort((a, b) => a - b),
          q,
        ),
      ]),
  );
  return (o) => table.get(o.state) ?? overall;
}
const stateP50 = perState(0.5);
const stateP90 = perState(0.9);
const methods: Record<string, Forecast[]> = {
  model: forecasts(answers),
  model_recalibrated: forecasts(recalibrated),
  per_state: scored.map((o) => ({
    p50: stateP50(o),
    p90: stateP90(o),
    promiseEnd: endOfDay(o.purchasedAt, stateP90(o)),
  })),
  marketplace_estimate: scored.map((o) => {
    const estimate = (o.estimatedAt - o.purchasedAt) / DAY_MS;
    return { p50: estimate, p90: estimate, promiseEnd: endOfDay(o.purchasedAt, estimate) };
  }),
};

// ---- metrics with bootstrap intervals ---------------------------------------------------------------------
const y = scored.map(days);
type PerRow = Record<string, (i: number, f: readonly Forecast[]) => number>;
const PER_ROW: PerRow = {
  p50_mae_days: (i, f) => Math.abs((y[i] as number) - (f[i] as Forecast).p50),
  p50_coverage: (i, f) => ((y[i] as number) <= (f[i] as Forecast).p50 ? 1 : 0),
  p90_coverage: (i, f) => ((y[i] as number) <= (f[i] as Forecast).p90 ? 1 : 0),
  mean_p90_days: (i, f) => (f[i] as Forecast).p90,
  late_promise_rate: (i, f) => ((y[i] as number) > (f[i] as Forecast).promiseEnd ? 1 : 0),
};
const n = scored.length;
let state = seed >>> 0 || 1;
const rand = () => {
  // xorshift32: a seeded, reproducible bootstrap
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 4294967296;
};
const samples = Array.from({ length: BOOTSTRAP }, () =>
  Int32Array.from({ length: n }, () => Math.floor(rand() * n)),
);
const values_ = Object.fromEntries(
  Object.entries(methods).map(([name, f]) => [
    name,
    Object.fromEntries(
      Object.entries(PER_ROW).map(([metric, g]) => [
        metric,
        Float64Array.from({ length: n }, (_, i) => g(i, f)),
      ]),
    ),
  ]),
) as Record<string, Record<string, Float64Array>>;
const mean = (v: Float64Array, idx?: Int32Array) => {
  let s = 0;
  if (idx === undefined) for (const x of v) s += x;
  else for (const i of idx) s += v[i] as number;
  return s / (idx?.length ?? v.length);
};
function interval(v: Float64Array): [number, number] {
  const boots = samples.map((idx) => mean(v, idx)).sort((a, b) => a - b);
  return [quantileOf(boots, 0.025), quantileOf(boots, 0.975)];
}
const result: Record<string, unknown> = {};
for (const [name, metrics] of Object.entries(values_)) {
  result[name] = Object.fromEntries(
    Object.entries(metrics).map(([metric, v]) => [metric, { value: mean(v), ci95: interval(v) }]),
  );
}
const paired: Record<string, unknown> = {};
for (const [name, baseline] of [
  ["model", "per_state"],
  ["model", "marketplace_estimate"],
  ["model_recalibrated", "per_state"],
  ["model_recalibrated", "marketplace_estimate"],
  ["model_recalibrated", "model"],
] as const) {
  paired[`${name}_minus_${baseline}`] = Object.fromEntries(
    Object.keys(PER_ROW).map((metric) => {
      const a = values_[name]?.[metric] as Float64Array;
      const b = values_[baseline]?.[metric] as Float64Array;
      const diff = a.map((x, i) => x - (b[i] as number));
      return [metric, { value: mean(diff), ci95: interval(diff) }];
    }),
  );
}
const get = (name: string, metric: string) => (values_[name]?.[metric] ? mean(values_[name][metric]) : NaN);
const goalsOf = (name: string) => ({
  mae_at_most_half_marketplace:
    get(name, "p50_mae_days") <= 0.5 * get("marketplace_estimate", "p50_mae_days"),
  mae_below_per_state_median: get(name, "p50_mae_days") < get("per_state", "p50_mae_days"),
  p90_coverage_within_0_90_pm_0_02: Math.abs(get(name, "p90_coverage") - 0.9) <= 0.02,
  mean_p90_no_wider_than_per_state_p90: get(name, "mean_p90_days") <= get("per_state", "mean_p90_days"),
});
const goals = { model: goalsOf("model"), model_recalibrated: goalsOf("model_recalibrated") };
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
// P90 coverage per month of purchase (months with at least 20 scored orders), for the card's figure
// (models/common/plot_card.py).
const monthOf = scored.map((o) => iso(o.purchasedAt).slice(0, 7));
const months = [...new Set(monthOf)].sort().filter((m) => monthOf.filter((x) => x === m).length >= 20);
const byMonth = {
  period: months,
  orders: months.map((m) => monthOf.filter((x) => x === m).length),
  ...Object.fromEntries(
    Object.keys(methods).map((name) => {
      const covered = values_[name]?.["p90_coverage"] as Float64Array;
      return [
        name,
        months.map((m) => {
          let hit = 0;
          let count = 0;
          monthOf.forEach((x, i) => {
            if (x !== m) return;
            count += 1;
            hit += covered[i] as number;
          });
          return hit / count;
        }),
      ];
    }),
  ),
};
const report = {
  command: `npm run eval -- logistics --train ${values.train} --data ${values.data}${file ? ` --file ${file}` : ""}${holdout === "time" ? "" : ` --holdout ${holdout}`}`,
  train_table: trainTable.path,
  train_orders: trainTable.orders.length,
  train_period: [
    iso(trainTable.orders[0]?.purchasedAt ?? NaN),
    iso(trainTable.orders.at(-1)?.purchasedAt ?? NaN),
  ],
  scored_table: scoredTable.path,
  scored_orders: n,
  scored_period: [iso(scored[0]?.purchasedAt ?? NaN), iso(scored.at(-1)?.purchasedAt ?? NaN)],
  holdout_rule: !sameFolder
    ? "separate folders: every delivered order of --data scored"
    : holdout === "interleaved"
      ? "same folder, --holdout interleaved: orders whose id is 1 mod 5 (a hash of the id when it is not a number) scored; every other row trains"
      : `same folder: the last ${HOLDOUT_SHARE * 100} % of delivered orders by purchase time (from ${new Date(cutAt as number).toISOString()}) scored; training keeps rows purchased before`,
  scored_median_days: quantileOf(
    [...y].sort((a, b) => a - b),
    0.5,
  ),
  model: { name: model.name, version: model.version, features: model.spec.inputs[0]?.features },
  recalibration: {
    rule: `settings chosen on the training folder only: a model trained as npm run train would on its first ${(1 - TUNE_SHARE) * 100} % by purchase time, the recalibration replayed over its orders and scored on the last ${TUNE_SHARE * 100} % (from ${new Date(innerCut).toISOString()}); within 0.90 ± 0.01 P90 coverage (else the nearest), then the lowest MAE, then the narrowest mean P90`,
    replay:
      "in time order; an order's outcome enters the window once it was delivered before the purchase being answered",
    history_orders: history.length,
    chosen,
    grid,
  },
  intervals: `95 % percentile bootstrap over orders (${BOOTSTRAP} resamples, seed ${seed}); paired: the same resamples for both methods`,
  metrics: result,
  paired,
  goals,
  p90_coverage_by_month: byMonth,
};

interface Interval {
  readonly value: number;
  readonly ci95: [number, number];
}
const fmt = (m: Interval, digits = 2) =>
  `${m.value.toFixed(digits)} [${m.ci95[0].toFixed(digits)}, ${m.ci95[1].toFixed(digits)}]`;
process.stdout.write(
  `\n${report.holdout_rule}\ntrain: ${report.train_orders} orders ${report.train_period.join(" → ")}; scored: ${n} orders ${report.scored_period.join(" → ")} (median ${report.scored_median_days.toFixed(1)} days)\n`,
);
for (const [name, metrics] of Object.entries(result) as [string, Record<string, Interval>][]) {
  process.stdout.write(
    `  ${name.padEnd(22)} MAE ${fmt(metrics["p50_mae_days"] as Interval)}  P50 cover ${fmt(metrics["p50_coverage"] as Interval, 3)}  P90 cover ${fmt(metrics["p90_coverage"] as Interval, 3)}  mean P90 ${fmt(metrics["mean_p90_days"] as Interval, 1)}  late ${fmt(metrics["late_promise_rate"] as Interval, 3)}\n`,
  );
}
for (const [name, metrics] of Object.entries(paired) as [string, Record<string, Interval>][]) {
  process.stdout.write(
    `  ${name.padEnd(34)} MAE ${fmt(metrics["p50_mae_days"] as Interval)}  P90 cover ${fmt(metrics["p90_coverage"] as Interval, 3)}  mean P90 ${fmt(metrics["mean_p90_days"] as Interval, 1)}  late ${fmt(metrics["late_promise_rate"] as Interval, 3)}\n`,
  );
}
process.stdout.write(`  goals: ${JSON.stringify(goals)}\n`);
if (typeof values.out === "string") {
  await writeFile(resolve(values.out), `${JSON.stringify(report, null, 2)}\n`);
  await prettifyJson([resolve(values.out)]); // committed beside the card, so in the repository's format
  process.stdout.write(`  written ${values.out}\n`);
  // The card's figures beside the JSON (<name>-metrics.png, -p90-by-month.png).
  await runChild("/usr/bin/python3", [join(REPO, "models/common/plot_card.py"), resolve(values.out)]);
}
if (typeof values.rows === "string") {
  // One line per scored order, for further analysis (the card's figures come from the JSON).
  const lines = ["id,purchased,days,model_p50,model_p90,recal_p50,recal_p90,state_p50,state_p90,estimate"];
  scored.forEach((o, i) => {
    const m = methods["model"]?.[i] as Forecast;
    const r = methods["model_recalibrated"]?.[i] as Forecast;
    const s = methods["per_state"]?.[i] as Forecast;
    const e = methods["marketplace_estimate"]?.[i] as Forecast;
    lines.push(
      [JSON.stringify(o.id), iso(o.purchasedAt), y[i], m.p50, m.p90, r.p50, r.p90, s.p50, s.p90, e.p50]
        .map((v) => (typeof v === "number" ? v.toFixed(4) : v))
        .join(","),
    );
  });
  await writeFile(resolve(values.rows), `${lines.join("\n")}\n`);
}
if (values.keep === true) process.stderr.write(`(kept ${work})\n`);
