import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { demoWorld } from "@aisle/world";

/**
 * Writes the demo world's products as `products.csv` for the search two-tower (models/search/train.py):
 * product_id, title, category, department, brand, attributes (`Name=Value|Name=Value`). train.py synthesises
 * the queries (category names, brand + category, attribute value + category, title words) from these columns.
 *
 * Usage: `tsx --conditions=aisle-source models/search/export-data.ts --out <dir>`
 */
const { values } = parseArgs({ options: { out: { type: "string" } } });
if (values.out === undefined) {
  process.stderr.write("usage: export-data.ts --out <dir>\n");
  process.exit(2);
}
const world = demoWorld();
const categories = new Map(world.categories.map((c) => [c.id, c]));
const brands = new Map(world.brands.map((b) => [b.id, b.name]));
const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
const lines = ["product_id,title,category,department,brand,attributes"];
for (const p of world.products) {
  const category = categories.get(p.categoryId);
  const department = categories.get(category?.path[0] ?? "");
  lines.push(
    [
      p.id,
      p.title,
      category?.name ?? "",
      department?.name ?? "",
      brands.get(p.brandId) ?? "",
      p.attributes.map((a) => `${a.name}=${a.value}`).join("|"),
    ]
      .map(quote)
      .join(","),
  );
}
const outDir = resolve(values.out);
await mkdir(outDir, { recursive: true });
await writeFile(join(outDir, "products.csv"), `${lines.join("\n")}\n`);
process.stdout.write(`wrote ${world.products.length} products to ${join(outDir, "products.csv")}\n`);
