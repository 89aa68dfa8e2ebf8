/**
 * The demand forecaster's input row and its encoding, shared by models/demand/export-data.ts (training) and
 * the replenishment service (serving). A row forecasts ONE day: `horizon` days after the last known day.
 */
export interface DemandRow {
  /** Units sold per day, oldest first, up to and including the last known day (days off sale as 0). */
  readonly units: readonly number[];
  /** Epoch ms (UTC midnight) of the forecast day. */
  readonly targetMs: number;
  /** 1 = the day after the last known day … 28. */
  readonly horizon: number;
  /** Current price / list price. */
  readonly priceRatio: number;
}

export const DEMAND_HORIZON_DAYS = 28;
const DAY_MS = 86_400_000;

export const DEMAND_FEATURES: readonly string[] = [
  "log_mean7",
  "log_mean28",
  "log_mean91",
  "log_same_weekday4",
  "horizon_frac",
  "season_sin",
  "season_cos",
  "log_price_ratio",
  ...Array.from({ length: 7 }, (_, d) => `weekday_${d}`),
];

function meanOfLast(units: readonly number[], days: number): number {
  const from = Math.max(0, units.length - days);
  if (units.length === from) return 0;
  let sum = 0;
  for (let i = from; i < units.length; i++) sum += units[i] as number;
  return sum / (units.length - from);
}

/** Mean of the last (up to) four known days on the forecast day's weekday. */
export function sameWeekdayMean(units: readonly number[], horizon: number): number {
  const target = units.length - 1 + horizon;
  let sum = 0;
  let n = 0;
  for (let k = Math.ceil(horizon / 7); n < 4; k++) {
    const i = target - 7 * k;
    if (i < 0) break;
    if (i < units.length) {
      sum += units[i] as number;
      n++;
    }
  }
  return n === 0 ? 0 : sum / n;
}

export function encodeDemandRow(row: DemandRow): number[] {
  const date = new Date(row.targetMs);
  const doy = (row.targetMs - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS;
  const weekday = date.getUTCDay();
  return [
    Math.log1p(meanOfLast(row.units, 7)),
    Math.log1p(meanOfLast(row.units, 28)),
    Math.log1p(meanOfLast(row.units, 91)),
    Math.log1p(sameWeekdayMean(row.units, row.horizon)),
    row.horizon / DEMAND_HORIZON_DAYS,
    Math.sin((2 * Math.PI * doy) / 365.25),
    Math.cos((2 * Math.PI * doy) / 365.25),
    Math.log(Math.max(0.05, row.priceRatio)),
    ...Array.from({ length: 7 }, (_, d) => (d === weekday ? 1 : 0)),
  ];
}

/** Baselines the model is scored against (models/demand/CARD.md). */
export const demandBaselines = {
  seasonalNaive: (units: readonly number[], horizon: number): number => {
    const target = units.length - 1 + horizon;
    const i = target - 7 * Math.ceil(horizon / 7);
    return i >= 0 ? (units[i] as number) : 0;
  },
  movingAverage28: (units: readonly number[]): number => meanOfLast(units, 28),
};
