import { realpathSync } from "node:fs";
import { resolve } from "node:path";

/** The options every transactions-table eval takes (demand, pricing); spread into `parseArgs`. */
export const TABLE_EVAL_OPTIONS = {
  train: { type: "string" },
  data: { type: "string" },
  out: { type: "string" },
  seed: { type: "string", default: "7" },
  bootstrap: { type: "string", default: "2000" },
  keep: { type: "boolean", default: false },
  "no-plot": { type: "boolean", default: false },
} as const;

/**
 * `--data` and `--train` (which defaults to `--data`) resolved, and whether they are the same folder (then the
 * eval holds out by its fixed rule). Exits with `usage` when `--data` is missing.
 */
export function evalFolders(
  values: { readonly train?: string | undefined; readonly data?: string | undefined },
  usage: string,
): { dataDir: string; trainDir: string; sameFolder: boolean } {
  if (values.data === undefined) {
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(2);
  }
  const dataDir = resolve(values.data);
  const trainDir = resolve(values.train ?? values.data);
  return { dataDir, trainDir, sameFolder: realpathSync(trainDir) === realpathSync(dataDir) };
}
