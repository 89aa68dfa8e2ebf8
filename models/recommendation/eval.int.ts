import { spawn } from "node:child_process";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSubgraph } from "@aisle/kit";
import { recommendationSubgraph } from "@aisle/recommendation";
import { createRng, hashString } from "@aisle/world";
import { postGraphQL, signedAs } from "../../tests/graphql-client.ts";
import { testLog } from "../../tests/quiet-log.ts";
import { isHeldOut } from "./seqlog.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const METRICS = ["HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20"];

interface Estimate {
  value: number;
  ci95: [number, number];
}
interface Report {
  split: string;
  users: { inData: number; scored: number; nonFiniteVectors: number };
  items: { scored: number };
  serving: { depth: number; annRecallAtDepth: number; userEncoderRuns: number };
  results: Record<string, Record<string, Estimate>>;
  paired: Record<string, Record<string, { mean: number; ci95: [number, number] }>>;
}

/**
 * A tiny amazon_seqrec-format log (`user item ...`, time order, plus `<name>_item2attributes.json`): 4 taste
 * groups of 10 items, each user buying within one group, so a sequence model has something to learn.
 */
async function writeLog(dir: string, name: string, users: number, firstUser: number, seed: string) {
  const rng = createRng(hashString(seed));
  const lines: string[] = [];
  for (let u = 0; u < users; u++) {
    const group = rng.int(0, 3);
    const length = rng.int(4, 9);
    const items = Array.from({ length }, () => 1 + group * 10 + rng.int(0, 9));
    lines.push([firstUser + u, ...items].join(" "));
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.txt`), `${lines.join("\n")}\n`);
  const attributes = Object.fromEntries(
    Array.from({ length: 40 }, (_, i) => [String(i + 1), [Math.floor(i / 10), 100 + (i % 3)]]),
  );
  await writeFile(join(dir, `${name}_item2attributes.json`), JSON.stringify(attributes));
}

function runEval(args: readonly string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return runScript("models/recommendation/eval.ts", args);
}

function runScript(
  script: string,
  args: readonly string[],
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(
      join(REPO, "node_modules/.bin/tsx"),
      ["--conditions=aisle-source", join(REPO, script), ...args],
      { cwd: REPO, env: { ...process.env, OMP_NUM_THREADS: "1" } },
    );
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("exit", (code) => done({ code, stderr, stdout }));
  });
}

function checkReport(report: Report) {
  for (const method of Object.keys(report.results)) {
    for (const metric of METRICS) {
      const e = report.results[method]![metric]!;
      expect(e.value).toBeGreaterThanOrEqual(0);
      expect(e.value).toBeLessThanOrEqual(1);
      expect(e.ci95[0]).toBeLessThanOrEqual(e.value + 1e-12);
      expect(e.ci95[1]).toBeGreaterThanOrEqual(e.value - 1e-12);
    }
    // HR grows with the cut-off; NDCG never exceeds HR.
    expect(report.results[method]!["HR@5"]!.value).toBeLessThanOrEqual(
      report.results[method]!["HR@20"]!.value,
    );
    expect(report.results[method]!["NDCG@10"]!.value).toBeLessThanOrEqual(
      report.results[method]!["HR@10"]!.value,
    );
  }
  expect(Object.keys(report.paired)).toContain(
    "served: ANN recall + sequence ranking − popularity (training users)",
  );
  expect(report.items.scored).toBe(40);
  expect(report.users.nonFiniteVectors).toBe(0);
  expect(report.serving.annRecallAtDepth).toBeGreaterThan(0.8);
  // The user encoder ran in batches, not once per user.
  expect(report.serving.userEncoderRuns).toBeLessThan(report.users.scored);
}

describe("npm run eval -- recommendation (tiny synthetic log, trained for one epoch)", () => {
  let work: string;
  let registry: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "aisle-rec-eval-test-"));
    await writeLog(join(work, "train"), "Tiny", 80, 1, "rec-eval-train");
    await writeLog(join(work, "unseen"), "Tiny", 30, 1001, "rec-eval-unseen");
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    if (registry !== undefined) await rm(registry, { recursive: true, force: true });
  });

  it("trains with the held-out users left out and scores exactly them through the served path", async () => {
    const trainDir = join(work, "train");
    const out = join(work, "heldout.json");
    const run = await runEval([
      ...["--train", trainDir, "--data", trainDir, "--dataset", "Tiny", "--out", out],
      ...["--epochs", "1", "--dim", "16", "--max-len", "10", "--no-plot", "--keep"],
    ]);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    registry = /registry kept in (\S+)/.exec(run.stderr)?.[1] as string;
    const report = JSON.parse(await readFile(out, "utf8")) as Report;
    const text = await readFile(join(trainDir, "Tiny.txt"), "utf8");
    const heldOut = text
      .trim()
      .split("\n")
      .filter((line) => isHeldOut(line.split(" ")[0]!)).length;
    expect(report.split).toBe("heldout");
    expect(report.users.scored).toBe(heldOut);
    expect(heldOut).toBeGreaterThan(5);
    checkReport(report);
    expect(run.stdout).toContain("NDCG@10");
  }, 240_000);

  it("scores a folder of users it never trained on, every one of them", async () => {
    expect(registry).toBeDefined();
    const out = join(work, "unseen.json");
    const run = await runEval([
      ...["--train", join(work, "train"), "--data", join(work, "unseen"), "--dataset", "Tiny"],
      ...["--registry", registry, "--out", out, "--no-plot"],
    ]);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(await readFile(out, "utf8")) as Report;
    expect(report.split).toBe("unseen");
    expect(report.users.scored).toBe(30);
    checkReport(report);
  }, 120_000);

  it("trains the same models from an NDJSON event log (user, item, type, time)", async () => {
    const rng = createRng(hashString("rec-ndjson"));
    const lines: string[] = [];
    let time = 1_700_000_000;
    for (let u = 0; u < 60; u++) {
      const group = rng.int(0, 3);
      for (let k = rng.int(4, 8); k > 0; k--) {
        const type = (["view", "click", "add_to_cart", "purchase"] as const)[rng.int(0, 3)];
        lines.push(
          JSON.stringify({ user: `u${u}`, item: `i${group * 10 + rng.int(0, 9)}`, type, time: (time += 60) }),
        );
      }
    }
    const log = join(work, "events.ndjson");
    await writeFile(log, `${lines.join("\n")}\n`);
    const out = join(work, "ndjson-registry");
    const run = await runScript("scripts/train.ts", [
      ...["recommendation", "--data", log, "--out", out],
      ...["--epochs", "1", "--dim", "16", "--max-len", "10"],
    ]);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as {
      models: { name: string }[] | Record<string, unknown>;
    };
    const names = Array.isArray(manifest.models)
      ? manifest.models.map((m) => m.name)
      : Object.keys(manifest.models);
    expect(names.sort()).toEqual(["rec-item-tower", "rec-user-tower"]);
    const vocab = JSON.parse(await readFile(join(out, "recommendation", "vocab.json"), "utf8")) as {
      items: unknown[] | Record<string, unknown>;
    };
    const items = Array.isArray(vocab.items) ? vocab.items.length : Object.keys(vocab.items).length;
    expect(items).toBeGreaterThanOrEqual(35);
  }, 120_000);

  it("is served by the recommendation subgraph as trained: a registry without a ranker ranks by the sequence", async () => {
    expect(registry).toBeDefined();
    const server = await startSubgraph(recommendationSubgraph, {
      port: 0,
      log: testLog,
      env: { ...process.env, ML_MODELS_DIR: registry },
    });
    try {
      const query = `{ _entities(representations: [{ __typename: "User", id: "6" }]) {
        ... on User { recommendations(first: 5) { modelVersion product { id } } } } }`;
      const result = await postGraphQL(server.url, query, {}, signedAs("6", ["shopper"], "recommendation"));
      expect(result.body.errors).toBeUndefined();
      const [user] = result.body.data?.["_entities"] as { recommendations: { modelVersion: string }[] }[];
      expect(user!.recommendations).toHaveLength(5);
      // The registry's user encoder, and no ranker: the sequence score ranks.
      expect(user!.recommendations[0]!.modelVersion).toMatch(/^rec-user-tower@2\.\d+\.\d+$/);
    } finally {
      await server.close();
    }
  }, 120_000);
});
