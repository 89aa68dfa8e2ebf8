import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { demoBehaviour, demoWorld } from "@aisle/world";

/**
 * Writes the demo world's catalogue and behaviour events for the recommendation models:
 *
 * - `items.csv`: item_id, category_id, department_id, brand_id, tier, price_minor, created_at (epoch ms)
 * - `events.csv`: event_id, user_id, type (view|click|add_to_cart|purchase|search), item_id (empty for a
 *   search), at (epoch ms), device; in time order per user.
 *
 * Usage: `tsx --conditions=aisle-source models/recommendation/export-data.ts --out <dir>`
 */
const { values } = parseArgs({ options: { out: { type: "string" } } });
if (values.out === undefined) {
  process.stderr.write("usage: export-data.ts --out <dir>\n");
  process.exit(2);
}
const world = demoWorld();
const categories = new Map(world.categories.map((c) => [c.id, c]));
const brands = new Map(world.brands.map((b) => [b.id, b]));
const items = ["item_id,category_id,department_id,brand_id,tier,price_minor,created_at"];
for (const p of world.products) {
  const department = categories.get(p.categoryId)?.parentId ?? p.categoryId;
  const tier = brands.get(p.brandId)?.tier ?? "mid";
  items.push(
    [p.id, p.categoryId, department, p.brandId, tier, p.listPrice.amountMinor, Date.parse(p.createdAt)].join(
      ",",
    ),
  );
}
const events = ["event_id,user_id,type,item_id,at,device"];
for (const e of demoBehaviour().allEvents()) {
  events.push([e.id, e.userId, e.type, e.productId ?? "", e.at, e.context.device].join(","));
}
const outDir = resolve(values.out);
await mkdir(outDir, { recursive: true });
await writeFile(join(outDir, "items.csv"), `${items.join("\n")}\n`);
await writeFile(join(outDir, "events.csv"), `${events.join("\n")}\n`);
process.stdout.write(`wrote ${items.length - 1} items and ${events.length - 1} events to ${outDir}\n`);
