import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { demoMarket, demoWorld, MARKET_HISTORY_DAYS } from "@aisle/world";

/**
 * Writes the demo world's pricing history as CSV for models/pricing/train.py:
 *
 * - `products.csv`: product_id, category_id, department_id, list_price_minor, cost_minor, first_day, and the
 *   TRUE elasticities (`true_elasticity`, `true_category_elasticity`), which train.py uses only to score
 *   how well the model recovered them, never as a feature;
 * - `history.csv`: product_id, day, price_minor, units, stock_start (one row per product and day on sale);
 * - `meta.json`: the date of day 0 and the number of days.
 *
 * Usage: `tsx --conditions=aisle-source models/pricing/export-data.ts --out <dir> [--products N]`
 * (N: the first N products only; default all 10,000, ~3.5 M history rows, ~75 MB).
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: "string" }, products: { type: "string" } },
});
const outDir = resolve(values.out ?? positionals[0] ?? "");
if (values.out === undefined && positionals[0] === undefined) {
  process.stderr.write("usage: export-data.ts --out <dir> [--products N]\n");
  process.exit(2);
}
const world = demoWorld();
const market = demoMarket();
const limit = values.products === undefined ? world.products.length : Number(values.products);
if (!Number.isInteger(limit) || limit <= 0) throw new RangeError("--products must be a positive integer");
const products = world.products.slice(0, limit);

await mkdir(outDir, { recursive: true });

const productLines = [
  "product_id,category_id,department_id,list_price_minor,cost_minor,first_day,true_elasticity,true_category_elasticity",
];
for (const product of products) {
  const e = market.economics(product.id);
  if (e === null) continue;
  const categoryTruth = market.categoryTruth(e.categoryId)?.elasticity ?? Number.NaN;
  productLines.push(
    [
      e.productId,
      e.categoryId,
      e.departmentId,
      e.listPriceMinor,
      e.costMinor,
      e.firstDay,
      e.elasticity.toFixed(5),
      categoryTruth.toFixed(5),
    ].join(","),
  );
}
await writeFile(join(outDir, "products.csv"), `${productLines.join("\n")}\n`);

const history = createWriteStream(join(outDir, "history.csv"));
history.write("product_id,day,price_minor,units,stock_start\n");
let rows = 0;
for (const product of products) {
  let chunk = "";
  for (const day of market.history(product.id)) {
    chunk += `${product.id},${day.day},${day.priceMinor},${day.units},${day.stockStart}\n`;
    rows++;
  }
  if (!history.write(chunk)) await once(history, "drain");
}
history.end();
await once(history, "finish");

await writeFile(
  join(outDir, "meta.json"),
  `${JSON.stringify({ startDate: market.startDate, today: market.today, days: MARKET_HISTORY_DAYS, products: products.length, rows }, null, 2)}\n`,
);
process.stdout.write(`Wrote ${products.length} products and ${rows} history rows to ${outDir}\n`);
