import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createRng, hashString } from "@aisle/world";

/**
 * Writes the synthetic task of the platform test model as `platform-test.csv` (x0..x5, category_id, label):
 * the label is the argmax of a fixed linear map of x plus a per-category bias, with noise, so a small MLP
 * with a category embedding beats a majority-class baseline by far.
 *
 * Usage: `tsx --conditions=aisle-source models/platform-test/export-data.ts --out <dir> [--rows N]`
 */
const FEATURES = 6;
const CATEGORIES = 16;
const CLASSES = 3;

const { values } = parseArgs({
  options: { out: { type: "string" }, rows: { type: "string", default: "4000" } },
});
if (values.out === undefined) {
  process.stderr.write("usage: export-data.ts --out <dir> [--rows N]\n");
  process.exit(2);
}
const rows = Number(values.rows);
if (!Number.isInteger(rows) || rows <= 0) throw new RangeError("--rows must be a positive integer");

const rng = createRng(hashString("platform-test"));
const weights = Array.from({ length: CLASSES }, () => Array.from({ length: FEATURES }, () => rng.normal()));
const bias = Array.from({ length: CATEGORIES }, () =>
  Array.from({ length: CLASSES }, () => rng.normal(0, 1.5)),
);
const lines = [[...Array.from({ length: FEATURES }, (_, j) => `x${j}`), "category_id", "label"].join(",")];
for (let i = 0; i < rows; i += 1) {
  const x = Array.from({ length: FEATURES }, () => rng.normal());
  const category = rng.int(0, CATEGORIES - 1);
  const scores = weights.map(
    (w, k) =>
      w.reduce((sum, wj, j) => sum + wj * (x[j] ?? 0), 0) + (bias[category]?.[k] ?? 0) + rng.normal(0, 0.5),
  );
  const label = scores.indexOf(Math.max(...scores));
  lines.push([...x.map((v) => v.toFixed(5)), category, label].join(","));
}
const outDir = resolve(values.out);
await mkdir(outDir, { recursive: true });
await writeFile(join(outDir, "platform-test.csv"), `${lines.join("\n")}\n`);
process.stdout.write(`wrote ${rows} rows to ${join(outDir, "platform-test.csv")}\n`);
