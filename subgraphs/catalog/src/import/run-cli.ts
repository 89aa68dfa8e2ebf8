import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { demoWorld } from "@aisle/world";
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
  "[--format ndjson|csv] [--out accepted.ndjson] [--report report.json]\n" +
  "Validates an NDJSON or CSV catalog file against the demo world (see src/import/FORMAT.md).\n" +
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
): Promise<number> {
  let file: string;
  let format: ImportFormat;
  let outPath: string | undefined;
  let reportPath: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: "string" },
        out: { type: "string" },
        report: { type: "string" },
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

  const world = demoWorld();
  const result = importCatalog(text, format, world);

  output.stdout(summary(file, format, result));
  for (const row of result.rejected) output.stderr(`line ${row.line}: ${row.reasons.join("; ")}\n`);

  try {
    if (outPath !== undefined) {
      await writeFileAtomic(outPath, toNdjson(acceptedAsRows(result)));
      output.stdout(`wrote ${result.accepted.length} accepted products to ${outPath}\n`);
    }
    if (reportPath !== undefined) {
      await writeFileAtomic(reportPath, `${JSON.stringify(report(file, format, result), null, 2)}\n`);
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
