import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { deliveryEncoder } from "../../subgraphs/logistics/src/delivery.features.ts";
import { olistFeatureList, readOrderTable } from "./olist.ts";
import { importFolders, linkTrainingFormat } from "../common/import-folders.ts";

/**
 * `npm run train -- logistics --data <dir>` runs this first (scripts/train.ts, for any model with an
 * import-data.ts): it turns a real order table into train.py's input, encoded by the subgraph's own encoder.
 *
 * - A folder that is already in the training format (`shipments.csv` + `meta.json` from export-data.ts, e.g.
 *   kept with --keep-data) is linked through unchanged.
 * - Otherwise the folder is read as an Olist-format order table (olist.ts: the column mapping and the
 *   feature list) and written as `shipments.csv`: `id, purchase_s, delivery_days, promised_days, state`, then the
 *   features in the model's order; `meta.json` says `"source": "olist"` and lists the features.
 *
 * Usage: `tsx --conditions=aisle-source models/logistics/import-data.ts --data <dir> --out <dir>`
 */
const { dataDir, outDir } = await importFolders();

if (!(await linkTrainingFormat(dataDir, outDir, ["shipments.csv", "meta.json"]))) {
  const table = await readOrderTable(dataDir);
  if (table.orders.length < 200) {
    throw new Error(
      `${table.path}: only ${table.orders.length} delivered orders with dates; need at least 200`,
    );
  }
  const features = olistFeatureList(table.orders);
  const encode = deliveryEncoder(features);
  const header = ["id", "purchase_s", "delivery_days", "promised_days", "state", ...features];
  const lines = [header.join(",")];
  const DAY_MS = 86_400_000;
  for (const o of table.orders) {
    lines.push(
      [
        JSON.stringify(o.id),
        (o.purchasedAt / 1000).toFixed(0),
        ((o.deliveredAt - o.purchasedAt) / DAY_MS).toFixed(5),
        ((o.estimatedAt - o.purchasedAt) / DAY_MS).toFixed(5),
        o.state,
        ...encode(o.row).map((f) => (Number.isInteger(f) ? String(f) : f.toFixed(6))),
      ].join(","),
    );
  }
  await writeFile(join(outDir, "shipments.csv"), `${lines.join("\n")}\n`);
  const meta = {
    source: "olist",
    table: table.path,
    tableRows: table.rows,
    rows: table.orders.length,
    features,
  };
  await writeFile(join(outDir, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
  process.stdout.write(
    `${table.path}: ${table.orders.length} delivered orders of ${table.rows} rows, ${features.length} features\n`,
  );
}
