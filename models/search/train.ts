import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_SYNONYMS_FILE, Synonyms, TextEncoder } from "@aisle/search";
import { prettifyJson } from "../../scripts/models.ts";
import { trainFromJudgments } from "./ltr.ts";

/**
 * `npm run train -- search [--judgments <dir>]... [--sample N] [--seed 7] [--out <registry dir>]`
 * (scripts/train.ts hands a model folder with a train.ts everything after the model name).
 *
 * - With `--judgments` (folders in the /work/shared/datasets/crowdflower_search format, or a `products.csv`
 *   with a logged search behaviour file `events.ndjson` (behaviour-log.ts) instead of or beside the judgements;
 *   repeat the flag for several): learns the served ranking (fusion weight, gradient-boosted ranker as ONNX, its gate) into
 *   `<registry>/search-ranker` (models/ by default) through models/search/ltr.ts. The encoder is untouched.
 * - Without: retrains the two-tower encoder (export-data.ts, train.py) and the linear re-ranker
 *   (train-reranker.ts) on the demo world, as before, then the ranker from DEFAULT_JUDGMENTS when they exist
 *   (docs/adr/0010-search-learning-to-rank.md explains this default).
 * scripts/train.ts then rebuilds the registry's manifest.json.
 */
const HERE = resolve(fileURLToPath(import.meta.url), "..");
const REPO = resolve(HERE, "../..");
/** The shared judgements the committed ranker is trained on when none are given. */
export const DEFAULT_JUDGMENTS = [
  "/work/shared/datasets/crowdflower_search",
  "/work/shared/datasets/home_depot",
];

/** Queries per default folder: bounds the run; CrowdFlower has fewer, so all of them. */
export const DEFAULT_SAMPLE = 1500;

const { values } = parseArgs({
  options: {
    judgments: { type: "string", multiple: true },
    out: { type: "string" },
    data: { type: "string" },
    sample: { type: "string" },
    seed: { type: "string", default: "7" },
  },
  allowPositionals: false,
});
const say = (m: string) => process.stderr.write(`[search train] ${m}\n`);
const registryDir = resolve(values.out ?? join(REPO, "models"));

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: REPO, stdio: "inherit" });
    child.on("error", fail);
    child.on("exit", (code) =>
      code === 0 ? done() : fail(new Error(`${command} ${args.join(" ")} failed`)),
    );
  });
}

let judgments = values.judgments ?? [];
if (judgments.length === 0) {
  if (values.out !== undefined)
    throw new Error("--out needs --judgments (the encoder trains into models/ only)");
  const tsx = join(REPO, "node_modules/.bin/tsx");
  const data = values.data ?? (await mkdtemp(join(tmpdir(), "aisle-train-search-")));
  try {
    if (values.data === undefined) {
      say(`exporting the demo world's training data into ${data}`);
      await run(tsx, ["--conditions=aisle-source", join(HERE, "export-data.ts"), "--out", data]);
    }
    say("training the two-tower encoder (train.py)");
    await run("/usr/bin/python3", [join(HERE, "train.py"), "--data", data, "--out", HERE]);
    say("training the linear re-ranker (train-reranker.ts)");
    await run(tsx, ["--conditions=aisle-source", join(HERE, "train-reranker.ts")]);
  } finally {
    if (values.data === undefined) await rm(data, { recursive: true, force: true });
  }
  judgments = DEFAULT_JUDGMENTS.filter((d) => existsSync(join(d, "qrels.txt")));
  // The committed ranker's sample (every CrowdFlower query, 1,500 of Home Depot's), so this reproduces it.
  values.sample ??= String(DEFAULT_SAMPLE);
  if (judgments.length === 0) {
    say("no judgements given and none of the default folders exist: the registry's ranker is left as it is");
    process.exit(0);
  }
}
await mkdir(registryDir, { recursive: true });
const encoder = await TextEncoder.load();
try {
  const spec = await trainFromJudgments({
    judgments,
    registryDir,
    encoder,
    synonyms: Synonyms.load(DEFAULT_SYNONYMS_FILE),
    ...(values.sample === undefined ? {} : { sample: Number(values.sample) }),
    seed: Number(values.seed),
    say,
  });
  const written = join(registryDir, "search-ranker");
  await prettifyJson([join(written, "model.json"), join(written, "parity.json")]);
  say(
    `search-ranker: ${spec.description ?? ""} settings ${JSON.stringify(spec.settings)} metrics ${JSON.stringify(spec.metrics)}`,
  );
} finally {
  await encoder.close();
}
