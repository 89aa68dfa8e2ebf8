/**
 * Evaluates the served payment-risk model on rows it never saw, as it is served:
 *
 *   npm run eval -- payment-risk --train <dir> --data <dir> [--out <metrics.json>] [--plot <pr-curve.png>]
 *       [--holdout user|time] [--bootstrap 1000] [--seed 7] [--keep]
 *
 * 1. Trains exactly as `npm run train -- payment-risk --data <train dir>` does (scripts/train.ts, train.py,
 *    export-data.ts --table), into a temporary registry (`--out <tmp>`), never over the committed model.
 *    When --train and --data are the same folder, rows are held out by a fixed rule (fraud-table.ts
 *    `splitRows`): `--holdout user` (default) holds out user_id % 5 == 1, `--holdout time` the last 20 % by
 *    purchase time; the model is trained on a copy of the other rows, written to the temporary folder.
 * 2. Replays --train's and --data's rows together in purchase order through the subgraph's velocity store and
 *    `computeFeatures` (a deployed store has seen all earlier traffic; no label is read), and scores EVERY row
 *    of --data with the exported ONNX through @aisle/ml's ModelRegistry and BatchedModel with the subgraph's
 *    `riskModelContract`: the code the subgraph serves with.
 * 3. eval.py fits the baselines (logistic regression, xgboost with default settings) on --train's features
 *    (the same replay train.py learned from), scores the same --data rows, and reports ROC-AUC, PR-AUC, recall
 *    at precision ≥ 0.90 / ≥ 0.95 and at 1 % false-positive rate with bootstrap intervals, and paired
 *    intervals of the served model minus each baseline.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BatchedModel, ModelRegistry } from "@aisle/ml";
import { FEATURE_NAMES } from "@aisle/payment-risk";
import {
  MODELS_DIR,
  prettifyJson,
  PYTHON,
  PYTHON_ENV,
  requirePython,
  run,
  TSX,
} from "../../scripts/models.ts";
import {
  checkSpec,
  riskModelContract,
  type ModelOutput,
} from "../../subgraphs/payment-risk/src/risk-model.ts";
import {
  readFraudTable,
  replayFeatures,
  sortByTime,
  splitRows,
  type HoldoutRule,
  type TableRow,
} from "./fraud-table.ts";

const { values } = parseArgs({
  options: {
    train: { type: "string" },
    data: { type: "string" },
    out: { type: "string" },
    plot: { type: "string" },
    bootstrap: { type: "string", default: "1000" },
    seed: { type: "string", default: "7" },
    holdout: { type: "string", default: "user" },
    keep: { type: "boolean", default: false },
  },
});
if (values.holdout !== "user" && values.holdout !== "time") throw new Error("--holdout is user or time");
const rule: HoldoutRule = values.holdout;
if (values.data === undefined) {
  process.stderr.write("usage: eval.ts --train <dir> --data <dir> [--out file.json] [--plot file.png]\n");
  process.exit(2);
}
const dataDir = resolve(values.data);
const trainDir = resolve(values.train ?? values.data);
const sameFolder = realpathSync(trainDir) === realpathSync(dataDir);
const started = Date.now();
const say = (text: string) => process.stderr.write(`${text}\n`);

const trainTable = readFraudTable(trainDir);
const dataTable = sameFolder ? trainTable : readFraudTable(dataDir);
const split = sameFolder ? splitRows(trainTable.rows, rule) : undefined;
const trainRows = split?.train ?? trainTable.rows;
const dataRows = split?.heldOut ?? dataTable.rows;
const dataUsers = new Set(dataRows.map((r) => r.userId));
const overlap = sameFolder ? 0 : trainRows.filter((r) => dataUsers.has(r.userId)).length;
const RULES: Record<HoldoutRule, string> = {
  user: "rows with user_id % 5 == 1 held out",
  time: "the last 20 % by purchase time held out",
};
const protocol = sameFolder
  ? `one folder: ${RULES[rule]} (${dataRows.length}), the model trained on the other ${trainRows.length}`
  : `two folders: trained on all ${trainRows.length} rows of --train, scored on all ${dataRows.length} rows of --data`;
say(`payment-risk eval: ${protocol}`);
if (overlap > 0) {
  say(`WARNING: ${overlap} user ids of --data are also in --train: those rows are not unseen`);
}

requirePython(["torch", "onnx", "numpy", "pandas", "sklearn", "xgboost"]);
const work = await mkdtemp(join(tmpdir(), "aisle-eval-payment-risk-"));
try {
  // 1. Train as `npm run train` does, on --train (or on the non-held-out copy), into a temporary registry.
  let trainFolder = trainDir;
  if (sameFolder) {
    trainFolder = join(work, "train-table");
    await mkdir(trainFolder);
    const lines = [trainTable.header, ...trainRows.map((r) => r.line)];
    await writeFile(join(trainFolder, "Fraud_Data.csv"), `${lines.join("\n")}\n`);
  }
  const registryDir = join(work, "registry");
  await run(
    TSX,
    [
      "--conditions=aisle-source",
      join(MODELS_DIR, "..", "scripts", "train.ts"),
      "payment-risk",
      "--data",
      trainFolder,
      "--out",
      registryDir,
    ],
    { OMP_NUM_THREADS: process.env["OMP_NUM_THREADS"] ?? "1" },
  );

  // 2. The features: train rows replayed alone (what train.py learned from), --data rows replayed with all
  //    the traffic before them; then the served model through @aisle/ml.
  const trainFeatures = replayFeatures(trainRows);
  const context = sortByTime([...trainRows.filter((r) => !dataUsers.has(r.userId)), ...dataRows]);
  const scored = replayFeatures(context, (r) => dataUsers.has(r.userId));
  const registry = await ModelRegistry.load({ modelsDir: registryDir });
  checkSpec(registry.spec("payment-risk"));
  const model = await BatchedModel.create(registry, "payment-risk", riskModelContract, {
    timeoutMs: 60_000,
  });
  const outputs: ModelOutput[] = [];
  try {
    for (let start = 0; start < scored.length; start += 4096) {
      const chunk = await model.predictBatch(scored.slice(start, start + 4096).map((s) => s.features));
      for (const result of chunk) {
        if (result instanceof Error) throw result;
        outputs.push(result);
      }
    }
  } finally {
    await model.close();
  }
  say(
    `scored ${outputs.length} rows of --data with ${registry.spec("payment-risk").version} (onnxruntime-node)`,
  );

  const csv = (rows: { row: TableRow; features: Float32Array }[], scores?: ModelOutput[]) =>
    [
      [
        "user_id",
        "at",
        "fraud",
        ...FEATURE_NAMES,
        ...(scores ? ["served_probability", "served_logit"] : []),
      ].join(","),
      ...rows.map(({ row, features }, i) =>
        [
          row.userId,
          new Date(row.at).toISOString(),
          row.fraud,
          ...Array.from(features, (x) => Number(x.toFixed(6))),
          ...(scores ? [scores[i]?.probability, scores[i]?.logit] : []),
        ].join(","),
      ),
    ].join("\n") + "\n";
  await writeFile(join(work, "train.csv"), csv(trainFeatures));
  await writeFile(join(work, "data.csv"), csv(scored, outputs));

  // 3. Baselines and statistics.
  const meta = {
    command: `npm run eval -- payment-risk --train ${values.train ?? values.data} --data ${values.data}${
      sameFolder && rule !== "user" ? ` --holdout ${rule}` : ""
    }`,
    train: trainTable.path,
    data: dataTable.path,
    protocol,
    holdout_rule: sameFolder ? `${RULES[rule]} (fraud-table.ts splitRows, --holdout ${rule})` : null,
    context:
      "velocity of --data rows counts every earlier row of --train and --data (labels never read); the model's " +
      "training rows count only earlier --train rows",
    overlapping_users: overlap,
    served_model: registry.spec("payment-risk"),
  };
  await writeFile(join(work, "meta.json"), JSON.stringify(meta, null, 2));
  await run(
    PYTHON,
    [
      join(MODELS_DIR, "payment-risk", "eval.py"),
      "--work",
      work,
      "--bootstrap",
      values.bootstrap,
      "--seed",
      values.seed,
      ...(values.out ? ["--out", resolve(values.out)] : []),
      ...(values.plot ? ["--plot", resolve(values.plot)] : []),
    ],
    { ...PYTHON_ENV, OMP_NUM_THREADS: process.env["OMP_NUM_THREADS"] ?? "1" },
  );
  if (values.out) {
    await prettifyJson([resolve(values.out)]);
    // The card's figures, beside the JSON (<name>-metrics.png, -pr.png, -reliability.png).
    await run(PYTHON, [join(MODELS_DIR, "common", "plot_card.py"), resolve(values.out)], PYTHON_ENV);
  }
  say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  if (values.keep) say(`(work folder kept: ${work})`);
  else await rm(work, { recursive: true, force: true });
}
