import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCapturingLogger } from "@aisle/kit";
import { openCatalog } from "../catalog.database.ts";
import { EXIT_ALL_ACCEPTED, EXIT_SOME_REJECTED, EXIT_USAGE_OR_IO, runImportCli } from "./run-cli.ts";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));

function capture() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    output: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) },
  };
}

describe("import CLI --apply (PGlite data directory)", { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aisle-import-apply-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses to apply without a database to write to", async () => {
    const { out, output } = capture();
    const code = await runImportCli([join(fixtures, "good.ndjson"), "--apply"], output, {});
    expect(code).toBe(EXIT_USAGE_OR_IO);
    expect(out.stderr).toMatch(/DATABASE_URL or CATALOG_DATA_DIR/);
  });

  it("writes the accepted rows in one transaction, reports them, and keeps the per-row report", async () => {
    const env = { CATALOG_DATA_DIR: join(dir, "catalog") };
    const good = capture();
    const report = join(dir, "report.json");
    expect(
      await runImportCli([join(fixtures, "good.ndjson"), "--apply", "--report", report], good.output, env),
    ).toBe(EXIT_ALL_ACCEPTED);
    expect(good.out.stdout).toMatch(/wrote 5 products to the catalog database \(pglite\)/);
    expect(JSON.parse(await readFile(report, "utf8"))).toMatchObject({
      written: 5,
      summary: { accepted: 5 },
    });

    const bad = capture();
    expect(await runImportCli([join(fixtures, "malformed.ndjson"), "--apply"], bad.output, env)).toBe(
      EXIT_SOME_REJECTED,
    );
    expect(bad.out.stderr).toMatch(/^line \d+: /m);

    const catalog = await openCatalog({ dataDir: env.CATALOG_DATA_DIR }, createCapturingLogger("t").log);
    try {
      expect(catalog.store.product("ext-1001")).toMatchObject({
        title: "Halova Air Open-Ear Earbuds, Graphite",
      });
      // p-42 is a demo product the file replaces: a second write of it.
      expect(catalog.store.version("p-42")).toBeGreaterThanOrEqual(2);
      expect(catalog.store.brand("b-lumen-loom")).not.toBeNull();
    } finally {
      await catalog.db.close();
    }
  });
});
