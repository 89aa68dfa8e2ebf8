import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  MODELS_DIR,
  modelNames,
  prettifyJson,
  PYTHON,
  PYTHON_ENV,
  refreshManifest,
  requirePython,
  run,
  TSX,
} from "./models.ts";

const USAGE = `usage: npm run train -- <model>|all [--data <dir>] [--out <registry dir>] [--keep-data] [-- <args for train.py>]
       npm run train -- --manifest-only

For each model: runs models/<model>/export-data.ts into a temporary folder (when present; --data uses a folder
you give instead, first mapped by models/<model>/import-data.ts into a temporary folder when the model has
one, e.g. logistics from an Olist order table, demand and pricing from a retail transactions table), then /usr/bin/python3 models/<model>/train.py --data <dir> --out models/<model>, then
any models/<model>/train-*.ts steps (e.g. search's re-ranker, trained on the exported model's outputs),
then rebuilds models/manifest.json from every model.json. A model folder with its own train.ts (search:
npm run train -- search --judgments <dir> learns the served ranking) is trained by it instead, with every argument.
--out trains into <registry dir>/<model> and writes <registry dir>/manifest.json instead, leaving the
committed models untouched (evaluations train there; models with train-*.ts steps are refused).

recommendation: npm run train -- recommendation [--data <log>] [--dataset <name>] [--holdout-users] [--out <dir>]
  --data: the demo world when absent; else an amazon_seqrec folder (<name>.txt: "user item item ..." in time
  order, optional <name>_item2attributes.json; --dataset <name> picks one) or <name>.txt, or NDJSON events
  ({"user","item","type","time"} per line; type view|click|add_to_cart|purchase). Read in place.
  --holdout-users: users with fnv1a32(user id) % 5 == 0 are never trained on (the eval scores them).
  Also --epochs, --time-budget <s>, --negatives <n> (0 = full softmax), --cold-start-eval yes|no (see
  models/recommendation/train.py --help). A real log trains no rec-ranker (no impressions).`;

interface TrainArgs {
  readonly models: string[];
  readonly data: string | undefined;
  /** A registry folder to train into instead of models/ (undefined: models/). */
  readonly out: string | undefined;
  readonly keepData: boolean;
  readonly manifestOnly: boolean;
  readonly passThrough: string[];
}

function parse(argv: readonly string[]): TrainArgs {
  const dashDash = argv.indexOf("--");
  const own = dashDash === -1 ? argv : argv.slice(0, dashDash);
  const passThrough = dashDash === -1 ? [] : argv.slice(dashDash + 1);
  const models: string[] = [];
  let data: string | undefined;
  let out: string | undefined;
  let keepData = false;
  let manifestOnly = false;
  for (let i = 0; i < own.length; i += 1) {
    const arg = own[i] as string;
    if (arg === "--data") data = own[++i];
    else if (arg === "--out") out = resolve(own[++i] ?? "");
    else if (arg === "--keep-data") keepData = true;
    else if (arg === "--manifest-only") manifestOnly = true;
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg.startsWith("-"))
      passThrough.push(arg, ...(own[i + 1]?.startsWith("-") === false ? [own[++i] as string] : []));
    else models.push(arg);
  }
  return { models, data, out, keepData, manifestOnly, passThrough };
}

async function trainOne(model: string, args: TrainArgs): Promise<number> {
  const started = Date.now();
  const modelDir = join(MODELS_DIR, model);
  const outDir = args.out === undefined ? modelDir : join(args.out, model);
  const ownTrainer = join(modelDir, "train.ts");
  if (existsSync(ownTrainer)) {
    // A model with its own train.ts (e.g. search: encoder, then learning to rank from --judgments) gets
    // every argument after the model name; the manifest is rebuilt below as for the others.
    process.stderr.write(`\n▶ ${model}: models/${model}/train.ts\n`);
    const own = [
      ...(args.data === undefined ? [] : ["--data", args.data]),
      ...(args.out === undefined ? [] : ["--out", args.out]),
    ];
    await run(TSX, ["--conditions=aisle-source", ownTrainer, ...own, ...args.passThrough]);
    return (Date.now() - started) / 1000;
  }
  const exporter = join(modelDir, "export-data.ts");
  const importer = join(modelDir, "import-data.ts");
  let dataDir = args.data;
  let temporary: string | undefined;
  if (dataDir !== undefined && existsSync(importer)) {
    // A model that trains on real tables maps the folder to its training format with the serving encoder.
    temporary = await mkdtemp(join(tmpdir(), `aisle-train-${model}-`));
    process.stderr.write(`\n▶ ${model}: importing ${dataDir} into ${temporary}\n`);
    await run(TSX, ["--conditions=aisle-source", importer, "--data", resolve(dataDir), "--out", temporary]);
    dataDir = temporary;
  } else if (dataDir === undefined) {
    temporary = await mkdtemp(join(tmpdir(), `aisle-train-${model}-`));
    dataDir = temporary;
    if (existsSync(exporter)) {
      process.stderr.write(`\n▶ ${model}: exporting training data into ${dataDir}\n`);
      await run(TSX, ["--conditions=aisle-source", exporter, "--out", dataDir]);
    } else {
      process.stderr.write(`\n▶ ${model}: no export-data.ts; train.py gets an empty --data folder\n`);
    }
  }
  try {
    process.stderr.write(`▶ ${model}: training (${PYTHON} models/${model}/train.py)\n`);
    await run(
      PYTHON,
      [join(modelDir, "train.py"), "--data", dataDir, "--out", outDir, ...args.passThrough],
      PYTHON_ENV,
    );
    await prettifyJson([join(outDir, "model.json"), join(outDir, "parity.json")]);
    const steps = (await readdir(modelDir)).filter((f) => /^train-.+\.ts$/.test(f)).sort();
    if (steps.length > 0 && args.out !== undefined)
      throw new Error(`${model}: --out is not supported with train-*.ts steps (${steps.join(", ")})`);
    for (const step of steps) {
      process.stderr.write(`▶ ${model}: ${step}\n`);
      await run(TSX, ["--conditions=aisle-source", join(modelDir, step)]);
    }
  } finally {
    if (temporary !== undefined && !args.keepData) await rm(temporary, { recursive: true, force: true });
    else if (temporary !== undefined) process.stderr.write(`  (training data kept in ${temporary})\n`);
  }
  return (Date.now() - started) / 1000;
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  if (!args.manifestOnly) {
    const known = await modelNames("train.py");
    if (args.models.length === 0) throw new Error(`${USAGE}\n\nmodels: ${known.join(", ")}`);
    const chosen = args.models.includes("all") ? known : args.models;
    const unknown = chosen.filter((m) => !known.includes(m));
    if (unknown.length > 0) {
      throw new Error(`No models/<model>/train.py for: ${unknown.join(", ")} (models: ${known.join(", ")})`);
    }
    requirePython();
    if (args.out !== undefined) await mkdir(args.out, { recursive: true });
    const timings: string[] = [];
    for (const model of chosen) timings.push(`${model} ${(await trainOne(model, args)).toFixed(1)} s`);
    process.stderr.write(`\n✔ trained: ${timings.join(", ")}\n`);
  }
  const { manifest, problems } = await refreshManifest(args.out);
  process.stderr.write(
    `✔ ${args.out === undefined ? "models/manifest.json" : join(args.out, "manifest.json")}: ${manifest.models.map((m) => `${m.name}@${m.version}`).join(", ") || "no models"}\n`,
  );
  if (problems.length > 0) {
    throw new Error(`Left out of the manifest:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\ntrain: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
