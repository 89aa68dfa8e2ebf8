import {
  DEMAND_FEATURES,
  demandBaselines,
  encodeDemandRow,
  type DemandRow,
} from "../../subgraphs/logistics/src/demand.features.ts";

/**
 * train.py's `rows.csv` format, written by export-data.ts (the demo market) and import-data.ts (a real
 * transactions table): the target, the two baseline forecasts, then DEMAND_FEATURES encoded by the code the
 * subgraph serves with.
 */
export const DEMAND_ROWS_HEADER = [
  "product_id",
  "origin_day",
  "horizon",
  "units",
  "seasonal_naive",
  "moving_average_28",
  ...DEMAND_FEATURES,
].join(",");

/** One line of `rows.csv`: `row` forecasts `units` for `productId` from `originDay`. */
export function demandRowLine(productId: string, originDay: number, row: DemandRow, units: number): string {
  return [
    productId,
    originDay,
    row.horizon,
    units,
    demandBaselines.seasonalNaive(row.units, row.horizon),
    demandBaselines.movingAverage28(row.units).toFixed(4),
    ...encodeDemandRow(row).map((f) => (Number.isInteger(f) ? String(f) : f.toFixed(5))),
  ].join(",");
}
