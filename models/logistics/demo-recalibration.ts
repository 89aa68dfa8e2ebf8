import { BatchedModel, ModelRegistry } from "@aisle/ml";
import { MARKET_HISTORY_START, demoLogistics } from "@aisle/world";
import { shipmentRow } from "../../subgraphs/logistics/src/delivery.features.ts";
import {
  DELIVERY_MODEL,
  deliveryContract,
  lastArrivalQuantile,
  Z,
  type DeliveryDistribution,
} from "../../subgraphs/logistics/src/delivery.model.ts";
import {
  recalibrationEnvShape,
  recalibrationSettings,
} from "../../subgraphs/logistics/src/delivery.recalibration.ts";
import { parseEnv } from "@aisle/kit";
import { replayRecalibration, type Replayed } from "./replay.ts";

/**
 * The demo model served as the subgraph serves it by default, recalibration included, on the demo world's
 * held-out shipments (the last 20 % of order days, as train.py holds out): does the default recalibration
 * leave a model that is right, on a world that does not drift, where it was?
 *
 *   tsx --conditions=aisle-source models/logistics/demo-recalibration.ts
 *
 * Every shipment of the history is replayed as a delivered scan, in time order (no look-ahead).
 */
const DAY_MS = 86_400_000;
const logistics = demoLogistics();
const shipments = logistics.shipments();
const rows = shipments.map((s) => shipmentRow(s, s));

const model = await BatchedModel.create(await ModelRegistry.load({}), DELIVERY_MODEL, deliveryContract, {
  maxBatchSize: 4096,
  timeoutMs: 120_000,
});
const answers = await model.predictBatch(rows);
await model.close();
const stream: Replayed[] = shipments.map((s, i) => {
  const answer = answers[i];
  if (answer === undefined || answer instanceof Error) throw answer ?? new Error(`no answer for ${s.id}`);
  return { purchasedAt: s.orderedAt, deliveredAt: s.deliveredAt, predicted: answer };
});

// train.py's time_split: the held-out rows are those from the day at 80 % of the distinct order days.
const dayOf = (t: number) => Math.floor((t - MARKET_HISTORY_START) / DAY_MS);
const days = [...new Set(shipments.map((s) => dayOf(s.orderedAt)))].sort((a, b) => a - b);
const firstHeldOut = days[Math.floor(days.length * 0.8)] as number;
const heldOut = stream.filter((r) => dayOf(r.purchasedAt) >= firstHeldOut);
const settings = recalibrationSettings(parseEnv(recalibrationEnvShape, process.env));
const served = replayRecalibration(stream, heldOut, settings);

function score(name: string, dists: readonly DeliveryDistribution[]): void {
  let covered = 0;
  let error = 0;
  let width = 0;
  dists.forEach((d, i) => {
    const r = heldOut[i] as Replayed;
    const t = (r.deliveredAt - r.purchasedAt) / DAY_MS;
    const p90 = lastArrivalQuantile([d], 0.9, Z.p90);
    covered += t <= p90 ? 1 : 0;
    width += p90;
    error += Math.abs(t - lastArrivalQuantile([d], 0.5, Z.p50));
  });
  const n = dists.length;
  process.stdout.write(
    `${name.padEnd(14)} P50 abs. error ${(error / n).toFixed(3)}  P90 coverage ${(covered / n).toFixed(3)}  mean P90 ${(width / n).toFixed(2)} d\n`,
  );
}
process.stdout.write(
  `demo world, ${heldOut.length} held-out shipments (order day ${firstHeldOut} on), ${stream.length} replayed; settings ${JSON.stringify(settings)}\n`,
);
score(
  "as trained",
  heldOut.map((r) => r.predicted),
);
score("recalibrated", served);
