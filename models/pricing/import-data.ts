import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DAY_MS, readTransactions } from "../demand/transactions.ts";
import { listPrice, pricingPanel } from "./panel.ts";
import { importFolders, linkTrainingFormat } from "../common/import-folders.ts";

/**
 * `npm run train -- pricing --data <dir>` runs this first (scripts/train.ts): it turns a retail transactions
 * table (UCI Online Retail format) into train.py's input through the panel mapping of panel.ts. A folder already
 * in the training format (`products.csv`, `history.csv`, `meta.json` from export-data.ts) is linked through.
 *
 * - `products.csv`: product_id (StockCode), category_id (panel.ts), department_id "-", list_price_minor (the
 *   median daily price over the table, in pence), cost_minor 0, first_day; the true elasticities are empty
 *   (unknown on real data: train.py then reports no recovery);
 * - `history.csv`: one row per product and trading day from its first sale: day (calendar days since the first
 *   trading day), price_minor (rounded), units, stock_start -1 (unknown);
 * - `meta.json`: `"source": "transactions"`, `"holdoutDays": 0` (train.py holds nothing out: the eval does),
 *   `"stock": false` (drivers get the neutral stock cover the subgraph uses for unknown stock).
 *
 * Usage: `tsx --conditions=aisle-source models/pricing/import-data.ts --data <dir> --out <dir>`
 */
const { dataDir, outDir } = await importFolders();
const FILES = ["products.csv", "history.csv", "meta.json"];

if (!(await linkTrainingFormat(dataDir, outDir, FILES))) {
  const table = await readTransactions(dataDir);
  const { tradingDays, products } = pricingPanel(table);
  const start = tradingDays[0] as number;
  const productLines = [
    "product_id,category_id,department_id,list_price_minor,cost_minor,first_day,true_elasticity,true_category_elasticity",
  ];
  const historyLines = ["product_id,day,price_minor,units,stock_start"];
  for (const [code, series] of products) {
    const list = listPrice(series, tradingDays.length);
    const firstDay = ((tradingDays[series.first] as number) - start) / DAY_MS;
    productLines.push(
      [JSON.stringify(code), JSON.stringify(series.category), "-", list.toFixed(2), 0, firstDay, "", ""].join(
        ",",
      ),
    );
    for (let t = series.first; t < tradingDays.length; t++) {
      const day = ((tradingDays[t] as number) - start) / DAY_MS;
      historyLines.push([JSON.stringify(code), day, series.price[t], series.units[t], -1].join(","));
    }
  }
  await writeFile(join(outDir, "products.csv"), `${productLines.join("\n")}\n`);
  await writeFile(join(outDir, "history.csv"), `${historyLines.join("\n")}\n`);
  const days = ((tradingDays.at(-1) as number) - start) / DAY_MS + 1;
  const meta = {
    source: "transactions",
    table: table.path,
    startDate: new Date(start).toISOString().slice(0, 10),
    days,
    tradingDays: tradingDays.length,
    products: products.size,
    rows: historyLines.length - 1,
    holdoutDays: 0,
    stock: false,
  };
  await writeFile(join(outDir, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
  process.stdout.write(
    `${table.path}: ${products.size} products over ${tradingDays.length} trading days, ${historyLines.length - 1} rows\n`,
  );
}
