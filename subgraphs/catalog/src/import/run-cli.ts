import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { createLogger, databaseEnvShape, parseEnv } from "@aisle/kit";
import { demoWorld } from "@aisle/world";
import { z } from "zod";
import { openCatalog, type OpenedCatalog } from "../catalog.database.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { acceptedAsRows, toNdjson } from "./export-rows.ts";
import { importCatalog } from "./import-catalog.ts";
import { formatFromPath } from "./load.ts";
import type { ImportFormat, ImportResult } from "./types.ts";

export const EXIT_ALL_ACCEPTED = 0;
export const EXIT_USAGE_OR_IO = 1;
export const EXIT_SOME_REJECTED = 2;

const USAGE =
  "Usage: tsx --conditions=aisle-source subgraphs/catalog/src/import-cli.ts <file> " +
  "[--format ndjson|csv] [--out accepted.ndjson] [--report report.json] [--apply]\n" +
  "Validates an NDJSON or CSV catalog file against the demo world (see src/import/FORMAT.md).\n" +
  "--apply validates against the catalog database instead (DATABASE_URL and DATABASE_SCHEMA, or the PGlite\n" +
  "folder CATALOG_DATA_DIR) and writes the accepted rows to it in one transaction: all of them or none.\n" +
  "Exit codes: 0 every row accepted, 2 some rows rejected, 1 usage or I/O error.\n";

export interface CliOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs the import CLI on `argv` (without node and script) and returns the exit code. */
export async function runImportCli(
  argv: readonly string[],
  output: CliOutput = processOutput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  let file: string;
  let format: ImportFormat;
  let outPath: string | undefined;
  let reportPath: string | undefined;
  let apply: boolean;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: "string" },
        out: { type: "string" },
        report: { type: "string" },
        apply: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help === true) {
      output.stdout(USAGE);
      return EXIT_ALL_ACCEPTED;
    }
    if (positionals.length !== 1)
      throw new Error(positionals.length === 0 ? "no input file given" : "give exactly one input file");
    file = positionals[0] as string;
    const chosen = values.format ?? formatFromPath(file);
    if (chosen !== "ndjson" && chosen !== "csv") {
      throw new Error(
        values.format === undefined
          ? `cannot infer the format of ${file} from its extension; pass --format ndjson or --format csv`
          : `--format must be ndjson or csv, got ${JSON.stringify(values.format)}`,
      );
    }
    format = chosen;
    outPath = values.out;
    reportPath = values.report;
    apply = values.apply === true;
  } catch (error) {
    output.stderr(`error: ${(error as Error).message}\n${USAGE}`);
    return EXIT_USAGE_OR_IO;
  }

  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    output.stderr(`error: cannot read ${file}: ${(error as Error).message}\n`);
    return EXIT_USAGE_OR_IO;
  }

  let catalog: OpenedCatalog | undefined;
  if (apply) {
    try {
      catalog = await openCatalogFromEnv(env);
    } catch (error) {
      output.stderr(`error: cannot open the catalog database: ${(error as Error).message}\n`);
      return EXIT_USAGE_OR_IO;
    }
  }
  try {
    const base = catalog === undefined ? demoWorld() : await catalog.repository.load();
    const result = importCatalog(text, format, base);

    output.stdout(summary(file, format, result));
    for (const row of result.rejected) output.stderr(`line ${row.line}: ${row.reasons.join("; ")}\n`);
    let written: number | undefined;
    if (catalog !== undefined && result.accepted.length > 0) {
      const brands = [...result.newBrands, ...result.updatedBrands];
      try {
        const stored = await catalog.repository.writeBatch(
          result.accepted.map((product, i) => (i === 0 ? { product, brands } : { product })),
        );
        written = stored.length;
        output.stdout(
          `wrote ${written} products to the catalog database (${catalog.db.kind}) in one transaction\n`,
        );
      } catch (error) {
        output.stderr(`error: nothing written, the transaction failed: ${(error as Error).message}\n`);
        return EXIT_USAGE_OR_IO;
      }
    }
    return await writeOutputs(file, format, result, outPath, reportPath, written, output);
  } finally {
    await catalog?.db.close();
  }
}

async function openCatalogFromEnv(env: Readonly<Record<string, string | undefined>>): Promise<OpenedCatalog> {
  const config = parseEnv({ ...databaseEnvShape, CATALOG_DATA_DIR: z.string().min(1).optional() }, env);
  if (config.DATABASE_URL === undefined && config.CATALOG_DATA_DIR === undefined) {
    throw new Error("set DATABASE_URL or CATALOG_DATA_DIR (an in-memory catalog would be lost at exit)");
  }
  return openCatalog(
    {
      databaseUrl: config.DATABASE_URL,
      databaseSchema: config.DATABASE_SCHEMA,
      dataDir: config.CATALOG_DATA_DIR,
    },
    createLogger("import", "warn"),
  );
}

async function writeOutputs(
  file: string,
  format: ImportFormat,
  result: ImportResult,
  outPath: string | undefined,
  reportPath: string | undefined,
  written: number | undefined,
  output: CliOutput,
): Promise<number> {
  try {
    if (outPath !== undefined) {
      await writeFileAtomic(outPath, toNdjson(acceptedAsRows(result)));
      output.stdout(`wrote ${result.accepted.length} accepted products to ${outPath}\n`);
    }
    if (reportPath !== undefined) {
      const full = { ...report(file, format, result), ...(written === undefined ? {} : { written }) };
      await writeFileAtomic(reportPath, `${JSON.stringify(full, null, 2)}\n`);
      output.stdout(`wrote the report to ${reportPath}\n`);
    }
  } catch (error) {
    output.stderr(`error: ${(error as Error).message}\n`);
    return EXIT_USAGE_OR_IO;
  }
  return result.rejected.length > 0 ? EXIT_SOME_REJECTED : EXIT_ALL_ACCEPTED;
}

function summary(file: string, format: ImportFormat, result: ImportResult): string {
  return [
    `${file} (${format})`,
    `  total:          ${result.total}`,
    `  accepted:       ${result.accepted.length}`,
    `  replaced:       ${result.replaced.length}`,
    `  rejected:       ${result.rejected.length}`,
    `  new brands:     ${result.newBrands.length}`,
    `  updated brands: ${result.updatedBrands.length}`,
    "",
  ].join("\n");
}

function report(file: string, format: ImportFormat, result: ImportResult) {
  return {
    file,
    format,
    summary: {
      total: result.total,
      accepted: result.accepted.length,
      replaced: result.replaced.length,
      rejected: result.rejected.length,
      newBrands: result.newBrands.length,
      updatedBrands: result.updatedBrands.length,
    },
    rejected: result.rejected,
    replaced: result.replaced,
    newBrands: result.newBrands,
    updatedBrands: result.updatedBrands,
    accepted: result.accepted,
  };
}
