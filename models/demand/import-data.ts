import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DEMAND_FEATURES, DEMAND_HORIZON_DAYS } from "../../subgraphs/logistics/src/demand.features.ts";
import { DEMAND_ROWS_HEADER, demandRowLine } from "./training-rows.ts";
import {
  dailySales,
  forecastRows,
  MIN_ITEM_UNITS,
  MIN_KNOWN_DAYS,
  readTransactions,
} from "./transactions.ts";
import { importFolders, linkTrainingFormat } from "../common/import-folders.ts";

/**
 * `npm run train -- demand --data <dir>` runs this first (scripts/train.ts): it turns a retail transactions
 * table (UCI Online Retail format, transactions.ts) into train.py's rows, encoded by the subgraph's own
 * `encodeDemandRow`. A folder already in the training format (`rows.csv` + `meta.json` from export-data.ts) is
 * linked through unchanged.
 *
 * Rows: every item with at least MIN_ITEM_UNITS units in the table; every origin from MIN_KNOWN_DAYS known days
 * to the last day; horizons 1 … 28 whose target day is in the table. `meta.json` has `heldoutOrigin: null`
 * (train.py holds nothing out: the eval does, before this runs) and `innerHorizon` 4, the days train.py's inner
 * time split uses to choose the design.
 *
 * Usage: `tsx --conditions=aisle-source models/demand/import-data.ts --data <dir> --out <dir>`
 */
const { dataDir, outDir } = await importFolders();

if (!(await linkTrainingFormat(dataDir, outDir, ["rows.csv", "meta.json"]))) {
  const table = await readTransactions(dataDir);
  const sales = dailySales(table);
  const lines = [DEMAND_ROWS_HEADER];
  let items = 0;
  for (const [code, units] of sales.items) {
    if (units.reduce((a, b) => a + b, 0) < MIN_ITEM_UNITS) continue;
    items++;
    for (let origin = MIN_KNOWN_DAYS; origin < sales.days; origin++) {
      const horizons = Math.min(DEMAND_HORIZON_DAYS, sales.days - origin);
      for (const { row, target } of forecastRows(units, origin, horizons, sales.startMs)) {
        lines.push(demandRowLine(JSON.stringify(code), origin, row, units[target] as number));
      }
    }
  }
  if (lines.length < 2)
    throw new Error(`${table.path}: no item with ${MIN_ITEM_UNITS} units over ${sales.days} days`);
  await writeFile(join(outDir, "rows.csv"), `${lines.join("\n")}\n`);
  const meta = {
    source: "transactions",
    table: table.path,
    startDate: new Date(sales.startMs).toISOString().slice(0, 10),
    days: sales.days,
    items,
    features: DEMAND_FEATURES,
    heldoutOrigin: null,
    innerHorizon: 4,
    rows: lines.length - 1,
  };
  await writeFile(join(outDir, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
  process.stdout.write(`${table.path}: ${items} items over ${sales.days} days, ${lines.length - 1} rows\n`);
}
