import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { MARKET_HISTORY_START, demoLogistics } from "@aisle/world";
import {
  DELIVERY_FEATURES,
  encodeDeliveryRow,
  shipmentRow,
} from "../../subgraphs/logistics/src/delivery.features.ts";

/**
 * Writes the demo world's shipment history as CSV for models/logistics/train.py:
 *
 * - `shipments.csv`: one row per shipment: `order_day` (days since the history start, for the time split),
 *   `delivery_days` (order to doorstep, the target), `promised_end_days` (order to the end of the carrier's
 *   promised date: the naive promise to beat), `true_median_days` (the generator's median for that shipment,
 *   for scoring only, never a feature), `carrier`, `service`, `warehouse`, then the model features in
 *   DELIVERY_FEATURES order, encoded by the same function the subgraph serves with;
 * - `meta.json`: feature names, row count, history start.
 *
 * Usage: `tsx --conditions=aisle-source models/logistics/export-data.ts --out <dir>`
 */
const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: "string" } } });
if (values.out === undefined && positionals[0] === undefined) {
  process.stderr.write("usage: export-data.ts --out <dir>\n");
  process.exit(2);
}
const outDir = resolve(values.out ?? positionals[0] ?? "");
const DAY_MS = 86_400_000;
const logistics = demoLogistics();

await mkdir(outDir, { recursive: true });
const header = [
  "id",
  "order_day",
  "delivery_days",
  "promised_end_days",
  "true_median_days",
  "carrier",
  "service",
  "warehouse",
  ...DELIVERY_FEATURES,
];
const lines = [header.join(",")];
for (const s of logistics.shipments()) {
  const features = encodeDeliveryRow(shipmentRow(s, s));
  const orderDay = Math.floor((s.orderedAt - MARKET_HISTORY_START) / DAY_MS);
  const promisedEnd = Date.parse(`${s.promisedDate}T00:00:00Z`) + DAY_MS;
  const dispatchDays = (s.dispatchedAt - s.orderedAt) / DAY_MS;
  const transitMedian = logistics.trueTransitMedianDays(
    {
      warehouseId: s.warehouseId,
      carrierId: s.carrierId,
      service: s.service,
      distanceKm: s.distanceKm,
      destRegion: s.destRegion,
    },
    s.weightKg,
    orderDay,
    s.hubCongestion,
  );
  lines.push(
    [
      s.id,
      orderDay,
      ((s.deliveredAt - s.orderedAt) / DAY_MS).toFixed(4),
      ((promisedEnd - s.orderedAt) / DAY_MS).toFixed(4),
      (dispatchDays + transitMedian).toFixed(4),
      s.carrierId,
      s.service,
      s.warehouseId,
      ...features.map((f) => (Number.isInteger(f) ? String(f) : f.toFixed(5))),
    ].join(","),
  );
}
await writeFile(join(outDir, "shipments.csv"), `${lines.join("\n")}\n`);
await writeFile(
  join(outDir, "meta.json"),
  `${JSON.stringify({ features: DELIVERY_FEATURES, rows: lines.length - 1, historyStart: new Date(MARKET_HISTORY_START).toISOString() }, null, 2)}\n`,
);
process.stdout.write(`Wrote ${lines.length - 1} shipments to ${outDir}\n`);
