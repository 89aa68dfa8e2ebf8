import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { MARKET_HISTORY_DAYS, MARKET_HISTORY_START, demoMarket, demoWorld } from "@aisle/world";
import { DEMAND_FEATURES, DEMAND_HORIZON_DAYS } from "../../subgraphs/logistics/src/demand.features.ts";
import { DEMAND_ROWS_HEADER, demandRowLine } from "./training-rows.ts";

/**
 * Writes demand-forecast training rows from the demo market's daily sales (subgraphs/world/src/market.ts) for
 * models/demand/train.py: `rows.csv` with `product_id, origin_day, horizon, units` (the target),
 * `seasonal_naive, moving_average_28` (baseline forecasts), then DEMAND_FEATURES (encoded by the code the
 * subgraph serves with). Origins every 14 days from day 91; the last origin (day 337, forecasting the last 28
 * days of the history) is the held-out one. Every `--every`-th product (default 20: 500 of 10,000).
 *
 * Usage: `tsx --conditions=aisle-source models/demand/export-data.ts --out <dir> [--every 20]`
 */
const { values } = parseArgs({
  options: { out: { type: "string" }, every: { type: "string", default: "20" } },
});
if (values.out === undefined) {
  process.stderr.write("usage: export-data.ts --out <dir> [--every N]\n");
  process.exit(2);
}
const outDir = resolve(values.out);
const every = Number(values.every);
const DAY_MS = 86_400_000;
const HELDOUT_ORIGIN = MARKET_HISTORY_DAYS - DEMAND_HORIZON_DAYS;
const origins: number[] = [];
for (let o = HELDOUT_ORIGIN; o >= 91; o -= 14) origins.unshift(o);

const world = demoWorld();
const market = demoMarket();
await mkdir(outDir, { recursive: true });
const lines = [DEMAND_ROWS_HEADER];
for (let p = 0; p < world.products.length; p += every) {
  const product = world.products[p];
  const economics = product === undefined ? null : market.economics(product.id);
  if (product === undefined || economics === null) continue;
  const units = new Array<number>(MARKET_HISTORY_DAYS).fill(0);
  const prices = new Array<number>(MARKET_HISTORY_DAYS).fill(economics.listPriceMinor);
  for (const day of market.history(product.id)) {
    units[day.day] = day.units;
    prices[day.day] = day.priceMinor;
  }
  for (const origin of origins) {
    if (origin - economics.firstDay < 28) continue; // too new to forecast from its own history
    const known = units.slice(0, origin);
    const priceRatio = (prices[origin - 1] as number) / economics.listPriceMinor;
    for (let h = 1; h <= DEMAND_HORIZON_DAYS; h++) {
      const target = origin - 1 + h;
      const row = {
        units: known,
        targetMs: MARKET_HISTORY_START + target * DAY_MS,
        horizon: h,
        priceRatio,
      };
      lines.push(demandRowLine(product.id, origin, row, units[target] as number));
    }
  }
}
await writeFile(join(outDir, "rows.csv"), `${lines.join("\n")}\n`);
await writeFile(
  join(outDir, "meta.json"),
  `${JSON.stringify({ features: DEMAND_FEATURES, heldoutOrigin: HELDOUT_ORIGIN, rows: lines.length - 1 }, null, 2)}\n`,
);
process.stdout.write(`Wrote ${lines.length - 1} rows to ${outDir}\n`);
