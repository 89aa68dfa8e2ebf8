import { existsSync } from "node:fs";
import { mkdir, symlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

/**
 * The two folders of a model's import-data.ts (`--data <dir> --out <dir>`, run by `npm run train -- <model>
 * --data <dir>` before train.py); the output folder is created. Exits with the usage when either is missing.
 */
export async function importFolders(): Promise<{ dataDir: string; outDir: string }> {
  const { values } = parseArgs({ options: { data: { type: "string" }, out: { type: "string" } } });
  if (values.data === undefined || values.out === undefined) {
    process.stderr.write("usage: import-data.ts --data <dir> --out <dir>\n");
    process.exit(2);
  }
  const outDir = resolve(values.out);
  await mkdir(outDir, { recursive: true });
  return { dataDir: resolve(values.data), outDir };
}

/**
 * When `dataDir` already holds every file of the training format (an export-data.ts folder), links them into
 * `outDir` and says so; false when it does not (the caller imports the table).
 */
export async function linkTrainingFormat(
  dataDir: string,
  outDir: string,
  files: readonly string[],
): Promise<boolean> {
  if (!files.every((name) => existsSync(join(dataDir, name)))) return false;
  for (const name of files) await symlink(join(dataDir, name), join(outDir, name));
  process.stdout.write(`${dataDir} is already in the training format; linked\n`);
  return true;
}
