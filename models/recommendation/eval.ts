import { spawn } from "node:child_process";
import { existsSync, readdirSync, realpathSync, rmSync, statSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BatchedModel, ModelRegistry } from "@aisle/ml";
import { NamedItemRows, sequenceRow } from "../../subgraphs/recommendation/src/features.ts";
import { ItemIndex } from "../../subgraphs/recommendation/src/item-index.ts";
import {
  finiteVector,
  itemTowerContract,
  predictAll,
  userTowerContract,
  type ItemTowerRow,
} from "../../subgraphs/recommendation/src/models.ts";
import { byScore, rankBySequence, scoreBySequence } from "../../subgraphs/recommendation/src/ranking.ts";
import { sequenceRecall } from "../../subgraphs/recommendation/src/recall.ts";
import { Vocabulary } from "../../subgraphs/recommendation/src/vocabulary.model.ts";
import { prettifyJson } from "../../scripts/models.ts";
import { bootstrap, METRICS, userMetrics } from "./ranking-metrics.ts";
import { HOLDOUT_RULE, isHeldOut, logPath, readSequenceLog, type SequenceLog } from "./seqlog.ts";

/**
 * The sequence recommender as served, scored by full ranking on users it never trained on:
 *
 *   npm run eval -- recommendation --train <dir> --data <dir> [--dataset <name>] [--depth 100] [--expansion E] [--out <json>]
 *       [--epochs N] [--time-budget S] [--dim D] [--max-len L] [--no-plot] [--keep] [--registry <dir>]
 *
 * 1. Trains exactly as `npm run train -- recommendation --data <train> --dataset <name>` does (scripts/train.ts
 *    → train.py), into a temporary registry (`--out`). When --data is the --train folder, `--holdout-users` is
 *    passed: users with fnv1a32(user id) % 5 == 0 are never trained on, and they are the users scored here.
 *    A different --data folder (same format) is scored whole: every user in it.
 * 2. Loads that registry with @aisle/ml and runs the subgraph's own code: every item of --data through the item
 *    tower (`itemTowerContract`, `predictAll`) into the serving `ItemIndex` (usearch HNSW, inner product, the
 *    serving defaults); each user's sequence but the last item through the user encoder in batches
 *    (`sequenceRow`, `userTowerContract`: dynamic sequence length); recall with `sequenceRecall` (the feed's
 *    two-tower path) to `--depth` items with the user's history excluded; then the ranking step the feed uses
 *    when there is no ranker (`scoreBySequence`, `rankBySequence`, `byScore`). An Amazon log has no
 *    impressions, so no ESMM ranker is trained on it (train.py writes none): the sequence score ranks.
 * 3. Protocol (S3-Rec / ICLRec full ranking): per scored user the LAST item is the target, ranked against every
 *    item of --data (items in its sequences or its attribute file), the user's earlier items excluded (the
 *    target is kept when it also occurs earlier). HR@5/10/20 and NDCG@5/10/20 with 95 % bootstrap intervals
 *    over users (2,000 resamples), for the served path, for exact full ranking (same vectors, no ANN: the ANN's
 *    cost is the difference), and for popularity counted on the training users only, ranked the same way;
 *    paired bootstrap of each difference to popularity; ANN recall@depth against exact search.
 *
 * `--registry <dir>` scores a registry an earlier run trained (kept with `--keep`) instead of training again: the
 * same --train/--data decide the held-out users, and the registry's vocab must say the hold-out was applied.
 *
 * Without --train, models/recommendation/eval.py runs instead (the research evaluation of the 1.x card, which
 * trains a separate model in Python; every argument passes through).
 *
 * Writes models/recommendation/eval-<dataset>-<heldout|unseen>.json (or --out) and draws its -metrics.png with
 * models/common/plot_card.py.
 */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TSX = join(REPO, "node_modules/.bin/tsx");
const TRAIN_OPTIONS = ["epochs", "time-budget", "dim", "max-len", "patience", "batch-size", "seed"] as const;

/** Published ICLRec full-ranking figures (its README; full user set), /work/shared/datasets/amazon_seqrec/PROVENANCE.md. */
export const ICLREC: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  Beauty: {
    "HR@5": 0.05,
    "NDCG@5": 0.0326,
    "HR@10": 0.0744,
    "NDCG@10": 0.0403,
    "HR@20": 0.1058,
    "NDCG@20": 0.0483,
  },
  Sports_and_Outdoors: {
    "HR@5": 0.029,
    "NDCG@5": 0.0191,
    "HR@10": 0.0437,
    "NDCG@10": 0.0238,
    "HR@20": 0.0646,
    "NDCG@20": 0.0291,
  },
  Toys_and_Games: {
    "HR@5": 0.0598,
    "NDCG@5": 0.0404,
    "HR@10": 0.0834,
    "NDCG@10": 0.048,
    "HR@20": 0.1138,
    "NDCG@20": 0.0557,
  },
};

if (!process.argv.includes("--train")) {
  // Without --train: the research evaluation (eval.py trains its own model in Python); arguments pass through.
  const child = spawn(
    "/usr/bin/python3",
    [join(REPO, "models/recommendation/eval.py"), ...process.argv.slice(2)],
    {
      cwd: REPO,
      stdio: "inherit",
      env: { ...process.env, PYTHONPATH: join(REPO, "models"), PYTHONUNBUFFERED: "1" },
    },
  );
  child.on("exit", (code) => process.exit(code ?? 1));
  await new Promise(() => undefined);
}
const { values } = parseArgs({
  options: {
    train: { type: "string" },
    data: { type: "string" },
    dataset: { type: "string" },
    out: { type: "string" },
    depth: { type: "string", default: "100" },
    expansion: { type: "string" },
    "bootstrap-seed": { type: "string", default: "7" },
    "no-plot": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    registry: { type: "string" },
    ...Object.fromEntries(TRAIN_OPTIONS.map((o) => [o, { type: "string" as const }])),
  },
});
if (values.train === undefined || values.data === undefined) {
  process.stderr.write(
    "usage: npm run eval -- recommendation --train <dir> --data <dir> [--dataset <name>] [--depth 100] [--out <json>] [--epochs N] [--time-budget S]\n",
  );
  process.exit(2);
}
const say = (m: string) => process.stderr.write(`[eval] ${m}\n`);
const depth = Number(values.depth);
if (!Number.isInteger(depth) || depth < 20) throw new Error("--depth must be an integer of at least 20");

/** `dir`'s log for `dataset`; an unseen folder holding a single log is read whatever its name. */
async function resolveLog(dir: string, dataset: string | undefined): Promise<string> {
  try {
    return await logPath(dir, dataset);
  } catch (error) {
    if (!statSync(dir).isDirectory()) throw error;
    const logs = readdirSync(dir).filter((f) => f.endsWith(".txt"));
    if (logs.length === 1) return join(dir, logs[0] as string);
    throw error;
  }
}

const trainPath = await resolveLog(resolve(values.train), values.dataset);
const dataPath = await resolveLog(resolve(values.data), values.dataset);
const same = realpathSync(trainPath) === realpathSync(dataPath);
const split = same ? "heldout" : "unseen";
const dataset = values.dataset ?? (await readSequenceLog(dataPath)).dataset;

function runChild(command: string, args: readonly string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: REPO, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", fail);
    child.on("exit", (code, signal) =>
      code === 0
        ? done()
        : fail(new Error(`${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

// ---- 1. train as `npm run train` does, into a temporary registry ------------------------------------------
const given = values.registry === undefined ? undefined : resolve(values.registry);
const registryDir = given ?? (await mkdtemp(join(tmpdir(), "aisle-eval-recommendation-")));
process.on("exit", () => {
  if (given !== undefined) return;
  if (values.keep !== true) rmSync(registryDir, { recursive: true, force: true });
  else process.stderr.write(`[eval] registry kept in ${registryDir}\n`);
});
const trainArgs = [
  "--conditions=aisle-source",
  join(REPO, "scripts/train.ts"),
  "recommendation",
  "--data",
  trainPath,
  "--out",
  registryDir,
  ...TRAIN_OPTIONS.flatMap((o) => {
    const v = (values as Record<string, unknown>)[o];
    return typeof v === "string" ? [`--${o}`, v] : [];
  }),
  // Last: scripts/train.ts passes a flag through with the next argument when that is not an option.
  ...(same ? ["--holdout-users"] : []),
];
const trainStarted = performance.now();
if (given === undefined) {
  say(
    `training: tsx ${trainArgs
      .slice(1)
      .map((a) => relative(REPO, a) || a)
      .join(" ")}`,
  );
  await runChild(TSX, trainArgs);
} else say(`scoring the registry ${given} (no training)`);
const trainSeconds = (performance.now() - trainStarted) / 1000;

// ---- 2. the served path -----------------------------------------------------------------------------------
const rawVocab = JSON.parse(await readFile(join(registryDir, "recommendation", "vocab.json"), "utf8")) as {
  attrSlots?: number;
  defaultTypeId?: number | null;
  holdout?: { rule: string; applied: boolean; heldOutUsers: number; trainUsers: number };
};
if (same && (rawVocab.holdout?.rule !== HOLDOUT_RULE || rawVocab.holdout.applied !== true)) {
  throw new Error(
    `the trainer's held-out rule is ${JSON.stringify(rawVocab.holdout)}, not "${HOLDOUT_RULE}" applied: update seqlog.ts`,
  );
}
const vocab = await Vocabulary.load(registryDir);
const registry = await ModelRegistry.load({ modelsDir: registryDir });
const userSpec = registry.spec("rec-user-tower");
const options = { maxBatchSize: 256, timeoutMs: 300_000 };
const userTower = await BatchedModel.create(
  registry,
  "rec-user-tower",
  userTowerContract(vocab.maxLen),
  options,
);
const itemTower = await BatchedModel.create(registry, "rec-item-tower", itemTowerContract, options);
const itemRows = new NamedItemRows(vocab, rawVocab.attrSlots ?? 1);

const data: SequenceLog = await readSequenceLog(dataPath);
const trainLog: SequenceLog = same ? data : await readSequenceLog(trainPath);
const scoredUsers = data.users
  .map((user, u) => ({ user, u }))
  .filter(({ user, u }) => (!same || isHeldOut(user)) && (data.items[u]?.length ?? 0) >= 2);
if (same) {
  const held = data.users.filter(isHeldOut).length;
  if (rawVocab.holdout?.heldOutUsers !== held)
    throw new Error(`train.py held out ${rawVocab.holdout?.heldOutUsers} users, this rule gives ${held}`);
}
say(
  `${data.dataset}: ${data.users.length} users, scoring ${scoredUsers.length} (${same ? `held out: ${HOLDOUT_RULE}` : "every user of an unseen folder"})`,
);

const evalStarted = performance.now();
const allItems = [...new Set([...data.items.flat(), ...data.attributes.keys()])];
const rowOf = (id: string): ItemTowerRow => itemRows.row(id, data.attributes.get(id) ?? []);
const itemVectors = await predictAll(
  itemTower,
  allItems.map((id) => rowOf(id)),
);
const expansionSearch = values.expansion === undefined ? undefined : Number(values.expansion);
const index = new ItemIndex({
  dim: (itemVectors[0] as Float32Array).length,
  ...(expansionSearch === undefined ? {} : { expansionSearch }),
});
index.addAll(allItems.map((id, i) => [id, itemVectors[i] as Float32Array] as const));
const unknownItems = allItems.filter((id) => vocab.itemIndex(id) === 0).length;
say(`${index.size} items in the index (${unknownItems} unknown to the model: attribute-only vectors)`);

const defaultType = rawVocab.defaultTypeId ?? 4;
const userRows = scoredUsers.map(({ u }) => {
  const items = (data.items[u] as string[]).slice(0, -1);
  const types = (data.types[u] ?? []).slice(0, -1);
  return sequenceRow(
    items.map((id) => rowOf(id)),
    types.length === items.length ? types : items.map(() => defaultType),
    vocab.maxLen,
  );
});
const encodeStarted = performance.now();
const userVectors = await predictAll(userTower, userRows);
const encodeMs = performance.now() - encodeStarted;

// Popularity from the training users only, over the same items; ties by item id.
const counts = new Map<string, number>();
trainLog.users.forEach((user, u) => {
  if (same && isHeldOut(user)) return;
  for (const id of trainLog.items[u] ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
});
const popularOrder = [...allItems].sort(
  (a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0),
);

const SERVED = "served: ANN recall + sequence ranking";
const EXACT = "exact full ranking (no ANN)";
const POPULAR = "popularity (training users)";
const perUser: Record<string, Record<string, number>[]> = { [SERVED]: [], [EXACT]: [], [POPULAR]: [] };
let annOverlap = 0;
let nonFinite = 0;
let recallMs = 0;
scoredUsers.forEach(({ u }, k) => {
  const sequence = data.items[u] as string[];
  const target = sequence[sequence.length - 1] as string;
  const exclude = new Set(sequence.slice(0, -1));
  exclude.delete(target);
  const vector = finiteVector(userVectors[k] as Float32Array);
  if (vector === null) {
    nonFinite += 1;
    for (const method of [SERVED, EXACT]) perUser[method]?.push(userMetrics(null));
  } else {
    const t0 = performance.now();
    const candidates = sequenceRecall(index, vector, depth, exclude).map((n) => ({
      id: n.id,
      recallScore: n.score,
      score: 0,
    }));
    scoreBySequence(candidates, vector, (id) => index.vector(id));
    rankBySequence(candidates);
    candidates.sort(byScore);
    recallMs += performance.now() - t0;
    const served = candidates.findIndex((c) => c.id === target);
    perUser[SERVED]?.push(userMetrics(served < 0 ? null : served));
    const exact = sequenceRecall(index, vector, depth, exclude, true);
    const exactRank = exact.findIndex((n) => n.id === target);
    perUser[EXACT]?.push(userMetrics(exactRank < 0 ? null : exactRank));
    const truth = new Set(exact.map((n) => n.id));
    annOverlap += candidates.filter((c) => truth.has(c.id)).length / Math.max(1, exact.length);
  }
  let rank: number | null = null;
  let position = 0;
  for (const id of popularOrder) {
    if (position >= 20) break;
    if (exclude.has(id)) continue;
    if (id === target) {
      rank = position;
      break;
    }
    position += 1;
  }
  perUser[POPULAR]?.push(userMetrics(rank));
});
const evalSeconds = (performance.now() - evalStarted) / 1000;

// ---- 3. figures ---------------------------------------------------------------------------------------------
const seed = Number(values["bootstrap-seed"]);
const { results, paired } = bootstrap(perUser, POPULAR, seed);
const published = ICLREC[dataset];
const settings = userSpec.settings ?? {};
const protocol =
  `full ranking (S3-Rec / ICLRec): each scored user's last item against all ${index.size} items of ${data.dataset}, ` +
  `the user's earlier items excluded; ${same ? `users held out of training by ${HOLDOUT_RULE} (train.py --holdout-users)` : "every user of a folder never trained on"}; ` +
  `served = the subgraph's ItemIndex (usearch HNSW, inner product) recall of ${depth} items + sequence-score ranking (no ESMM ranker: the log has no impressions); ` +
  `popularity = interaction counts of the training users; 95 % bootstrap over users (2,000 resamples, paired)`;
// The paired differences to popularity as panels of their own in the card's figure (dotted line at 0).
const DELTA = ["HR@10", "NDCG@10"].map((m) => [m, `${m} minus popularity's, paired per user`] as const);
const plotted: Record<string, Record<string, { value: number; ci95: [number, number] }>> = {};
for (const [method, byMetric] of Object.entries(results)) plotted[method] = { ...byMetric };
for (const [label, byMetric] of Object.entries(paired)) {
  const method = label.split(" − ")[0] as string;
  for (const [metric, panel] of DELTA) {
    const e = byMetric[metric];
    if (e !== undefined) (plotted[method] ??= {})[panel] = { value: e.mean, ci95: e.ci95 };
  }
}
const report = {
  model: "recommendation",
  dataset,
  split,
  data: dataPath,
  train: trainPath,
  command: `npm run eval -- recommendation ${process.argv.slice(2).join(" ")}`,
  protocol,
  data_rows: scoredUsers.length,
  users: { inData: data.users.length, scored: scoredUsers.length, nonFiniteVectors: nonFinite },
  items: { scored: index.size, unknownToModel: unknownItems },
  training: {
    // null: this run scored a registry an earlier run trained (--registry), named here.
    seconds: given === undefined ? Math.round(trainSeconds) : null,
    registry: given ?? "temporary, trained by this run",
    version: userSpec.version,
    settings,
    metrics: userSpec.metrics ?? {},
  },
  serving: {
    depth,
    expansionSearch: expansionSearch ?? "serving default (128)",
    annRecallAtDepth:
      Math.round((annOverlap / Math.max(1, scoredUsers.length - nonFinite)) * 10_000) / 10_000,
    userEncoderRuns: userTower.stats.runs,
    userEncoderRowsPerRun: Math.round(userTower.stats.rows / Math.max(1, userTower.stats.runs)),
    encodeMsPerUser: Math.round((encodeMs / Math.max(1, scoredUsers.length)) * 1000) / 1000,
    recallAndRankMsPerUser: Math.round((recallMs / Math.max(1, scoredUsers.length)) * 1000) / 1000,
    evalSeconds: Math.round(evalSeconds),
  },
  results: plotted,
  paired,
  published: published === undefined ? null : { source: "ICLRec README (full user set)", ...published },
  goals: {
    ...(published === undefined
      ? {}
      : Object.fromEntries(METRICS.map((m) => [m, { goal: published[m], note: "ICLRec published" }]))),
    ...Object.fromEntries(DELTA.map(([, panel]) => [panel, { goal: 0, note: "no difference" }])),
  },
};
const outPath = resolve(values.out ?? join(REPO, "models/recommendation", `eval-${dataset}-${split}.json`));
await writeFile(outPath, `${JSON.stringify(report, null, 2)}\n`);
await prettifyJson([outPath]);

const f = (x: number) => x.toFixed(4);
const lines = [
  `| ${dataset} ${split} (${scoredUsers.length} users, ${index.size} items) | ${METRICS.join(" | ")} |`,
  `|---|${METRICS.map(() => "---").join("|")}|`,
  ...Object.entries(results).map(
    ([method, byMetric]) =>
      `| ${method} | ${METRICS.map((m) => {
        const e = byMetric[m];
        return e === undefined ? "–" : `${f(e.value)} (${f(e.ci95[0])}–${f(e.ci95[1])})`;
      }).join(" | ")} |`,
  ),
  ...Object.entries(paired).map(
    ([label, byMetric]) =>
      `| ${label} | ${METRICS.map((m) => {
        const e = byMetric[m];
        return e === undefined
          ? "–"
          : `${e.mean >= 0 ? "+" : ""}${f(e.mean)} (${f(e.ci95[0])}–${f(e.ci95[1])})`;
      }).join(" | ")} |`,
  ),
  ...(published === undefined
    ? []
    : [`| ICLRec (published) | ${METRICS.map((m) => f(published[m] ?? NaN)).join(" | ")} |`]),
];
process.stdout.write(
  `${lines.join("\n")}\n\nANN recall@${depth} vs exact: ${report.serving.annRecallAtDepth}. Training ${Math.round(trainSeconds)} s, scoring ${Math.round(evalSeconds)} s. Wrote ${relative(REPO, outPath) || outPath}\n`,
);
await userTower.close();
await itemTower.close();
if (values["no-plot"] !== true && existsSync("/usr/bin/python3")) {
  await runChild("/usr/bin/python3", [join(REPO, "models/common/plot_card.py"), outPath]);
}
