import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { SingleBar } from "cli-progress";
import { parseEnv } from "@aisle/kit";
import { modelOptionsFromEnv } from "@aisle/ml";
import { demoWorld } from "@aisle/world";
import type { IndexReport } from "./backend.ts";
import { documentsFromWorld } from "../retrieval/documents.ts";
import { OpenSearchBackend } from "./opensearch-backend.ts";
import { indexCorpus } from "../retrieval/retriever.ts";
import { searchEnvShape } from "../search.config.ts";
import { Synonyms } from "../understanding/synonyms.ts";
import { ENCODER_MODEL, TextEncoder } from "../understanding/text-encoder.model.ts";

export const EXIT_ALL_INDEXED = 0;
export const EXIT_USAGE_OR_FAILURE = 1;
export const EXIT_SOME_REFUSED = 2;

const USAGE =
  "Usage: npm run search:reindex -- [--bulk-size 1000] [--report refused.json]\n" +
  "Embeds the catalogue and bulk-indexes it into a fresh OpenSearch index, then swaps the alias\n" +
  "(OPENSEARCH_URL, OPENSEARCH_INDEX): searches see the old index until the swap, never a half-built one.\n" +
  "Exit codes: 0 every product indexed, 2 some refused (each listed; the rest are live), 1 usage or failure.\n";

export interface ReindexOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Where the progress bar draws; null draws none (tests). */
  readonly progress: NodeJS.WritableStream | null;
}

const processOutput: ReindexOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  progress: process.stderr,
};

/** One line per refused document, then a summary line. */
export function formatIndexReport(report: IndexReport, alias: string): string {
  const lines = report.errors.map((e) => `refused ${e.id}: ${e.reason}`);
  lines.push(
    `${report.indexed} indexed, ${report.errors.length} refused, ${Math.round(report.tookMs)} ms; ` +
      `alias ${alias} now points at the new index`,
  );
  return `${lines.join("\n")}\n`;
}

/** Runs the reindex CLI on `argv` (without node and script) against `env`, returning the exit code. */
export async function runReindexCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  output: ReindexOutput = processOutput,
): Promise<number> {
  let bulkSize: number;
  let reportPath: string | undefined;
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        "bulk-size": { type: "string" },
        report: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help === true) {
      output.stdout(USAGE);
      return EXIT_ALL_INDEXED;
    }
    bulkSize = Number(values["bulk-size"] ?? 1000);
    if (!Number.isInteger(bulkSize) || bulkSize < 1 || bulkSize > 10_000)
      throw new Error("--bulk-size must be an integer from 1 to 10000");
    reportPath = values.report;
  } catch (error) {
    output.stderr(`${(error as Error).message}\n${USAGE}`);
    return EXIT_USAGE_OR_FAILURE;
  }

  const config = parseEnv(searchEnvShape, env);
  const world = demoWorld();
  const docs = documentsFromWorld(world);
  const categories = world.categories.map((c) => ({ id: c.id, name: c.name }));
  const backend = new OpenSearchBackend({
    node: config.OPENSEARCH_URL,
    alias: config.OPENSEARCH_INDEX,
    synonyms: Synonyms.load(config.SEARCH_SYNONYMS_FILE).lines,
    bulkSize,
  });
  const encoder = await TextEncoder.load(modelOptionsFromEnv(ENCODER_MODEL, env));
  const bar =
    output.progress === null
      ? null
      : new SingleBar({
          stream: output.progress,
          format: "indexing {bar} {value}/{total} products | {eta}s left",
          noTTYOutput: true,
          notTTYSchedule: 1_000,
        });
  try {
    output.stderr(`embedding ${docs.length} products, then indexing into ${config.OPENSEARCH_URL}\n`);
    bar?.start(docs.length, 0);
    const { report } = await indexCorpus(backend, encoder, docs, categories, (done) => bar?.update(done));
    bar?.stop();
    output.stdout(formatIndexReport(report, config.OPENSEARCH_INDEX));
    if (reportPath !== undefined)
      await writeFile(
        reportPath,
        `${JSON.stringify({ alias: config.OPENSEARCH_INDEX, ...report }, null, 2)}\n`,
      );
    return report.errors.length === 0 ? EXIT_ALL_INDEXED : EXIT_SOME_REFUSED;
  } catch (error) {
    bar?.stop();
    output.stderr(`reindex failed: ${(error as Error).message}\n`);
    return EXIT_USAGE_OR_FAILURE;
  } finally {
    await Promise.allSettled([backend.close(), encoder.close()]);
  }
}
