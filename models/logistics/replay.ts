import type { DeliveryDistribution } from "../../subgraphs/logistics/src/delivery.model.ts";
import {
  DeliveryRecalibrator,
  type RecalibrationSettings,
} from "../../subgraphs/logistics/src/delivery.recalibration.ts";

/** A delivered order with the served model's answer for it (trained calibration only). */
export interface Replayed {
  readonly purchasedAt: number;
  readonly deliveredAt: number;
  readonly predicted: DeliveryDistribution;
}

/**
 * Replays the subgraph's recalibration in time order: an order's outcome reaches the recalibrator only once it
 * was delivered before the request being answered (no look-ahead), as a delivered scan would. Returns, for
 * each request, the distribution the subgraph would have served at its purchase time.
 */
export function replayRecalibration(
  outcomes: readonly Replayed[],
  requests: readonly Replayed[],
  settings: RecalibrationSettings,
): DeliveryDistribution[] {
  const recalibrator = new DeliveryRecalibrator(settings);
  const arrivals = [...outcomes].sort((a, b) => a.deliveredAt - b.deliveredAt);
  const order = requests.map((_, i) => i);
  order.sort((a, b) => (requests[a] as Replayed).purchasedAt - (requests[b] as Replayed).purchasedAt);
  const served: DeliveryDistribution[] = new Array(requests.length);
  let next = 0;
  for (const i of order) {
    const request = requests[i] as Replayed;
    for (; next < arrivals.length; next++) {
      const o = arrivals[next] as Replayed;
      if (o.deliveredAt >= request.purchasedAt) break;
      recalibrator.observe(o.predicted, o.purchasedAt, o.deliveredAt);
    }
    served[i] = recalibrator.adjust(request.predicted);
  }
  return served;
}

/** The settings tried on the training folder (see CARD.md, "Recalibration"). */
export const RECALIBRATION_GRID: readonly RecalibrationSettings[] = [100, 200, 400, 800].flatMap((window) =>
  [0, 0.005, 0.01, 0.02].flatMap((step) =>
    [false, true].map((centre) => ({ window, minOutcomes: 50, step, centre })),
  ),
);

export interface GridResult {
  readonly settings: RecalibrationSettings;
  readonly p90Coverage: number;
  readonly meanP90Days: number;
  readonly maeDays: number;
}

/**
 * The rule, applied to the tuning split inside the training folder: the settings whose P90 coverage is within
 * 0.90 ± 0.01 (else the nearest to 0.90), then the lowest MAE, then the narrowest mean P90.
 */
export function chooseSettings(results: readonly GridResult[]): GridResult {
  const gap = (r: GridResult) => Math.abs(r.p90Coverage - 0.9);
  const nearest = Math.min(...results.map(gap));
  const band = Math.max(0.01, nearest);
  const candidates = results.filter((r) => gap(r) <= band + 1e-12);
  candidates.sort((a, b) => a.maeDays - b.maeDays || a.meanP90Days - b.meanP90Days);
  const chosen = candidates[0];
  if (chosen === undefined) throw new Error("no recalibration settings to choose from");
  return chosen;
}
