import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI the way people do, through npx tsx from the repository root (where npx finds the local
 * tsx), and resolves with its exit code and output. Output files go to a temporary directory.
 */
function runCli(args: readonly string[]): Promise<Run> {
  const cli = join(repoRoot, "subgraphs/catalog/src/import-cli.ts");
  return new Promise((resolve) => {
    execFile(
      "npx",
      ["tsx", "--conditions=aisle-source", cli, ...args],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("import CLI", { timeout: 90_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aisle-import-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("exits 2 on malformed rows, writes the good ones and a full report", async () => {
    const run = await runCli([
      join(fixtures, "malformed.ndjson"),
      "--out",
      join(dir, "accepted.ndjson"),
      "--report",
      join(dir, "report.json"),
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/total:\s+14/);
    expect(run.stdout).toMatch(/accepted:\s+4/);
    expect(run.stdout).toMatch(/replaced:\s+1/);
    expect(run.stdout).toMatch(/rejected:\s+10/);
    expect(run.stderr).toContain("line 3: title is required\n");
    expect(run.stderr).toContain("line 11: duplicate id, first seen on line 1\n");
    expect(run.stderr).toMatch(/line 14: sku is required; title is required; brand "b-nonexistent"/);

    const written = (await readFile(join(dir, "accepted.ndjson"), "utf8")).trimEnd().split("\n");
    expect(written.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual([
      "ext-2001",
      "ext-2006",
      "ext-2013",
      "p-7",
    ]);

    const report = JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as {
      summary: Record<string, number>;
      rejected: { line: number; reasons: string[] }[];
      replaced: string[];
    };
    expect(report.summary).toEqual({
      total: 14,
      accepted: 4,
      replaced: 1,
      rejected: 10,
      newBrands: 0,
      updatedBrands: 0,
    });
    expect(report.rejected.map((r) => r.line)).toEqual([2, 3, 4, 5, 7, 8, 9, 11, 12, 14]);
    expect(report.replaced).toEqual(["p-7"]);
    // Only the two outputs: no temporary files left behind.
    expect((await readdir(dir)).sort()).toEqual(["accepted.ndjson", "report.json"]);
  });

  it("exits 0 when every row is accepted, inferring CSV from the extension", async () => {
    const good = await runCli([join(fixtures, "good.ndjson"), "--out", join(dir, "good-out.ndjson")]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/accepted:\s+5/);
    const csv = await runCli([join(fixtures, "malformed.csv"), "--out", join(dir, "csv-out.ndjson")]);
    expect(csv.code).toBe(2);
    expect(csv.stdout).toContain("(csv)");
    expect(csv.stderr).toContain("line 14: expected 11 fields as in the header, found 6\n");
    const written = (await readFile(join(dir, "csv-out.ndjson"), "utf8")).trimEnd().split("\n");
    expect(written).toHaveLength(4);
  });

  it("exits 1 on usage and I/O errors", async () => {
    const [noFile, badFormat, missing, badOut] = await Promise.all([
      runCli([]),
      runCli(["catalog.txt"]),
      runCli(["missing.ndjson"]),
      runCli([join(fixtures, "good.ndjson"), "--out", join(dir, "no/such/dir/out.ndjson")]),
    ]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain("no input file given");
    expect(badFormat.code).toBe(1);
    expect(badFormat.stderr).toContain("cannot infer the format");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read missing.ndjson");
    expect(badOut.code).toBe(1);
    expect(badOut.stderr).toMatch(/error: .*ENOENT/);
  });
});
