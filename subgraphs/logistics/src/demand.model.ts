import { float32Rows, rowOf, type InferenceContract } from "@aisle/ml";
import { DEMAND_FEATURES, encodeDemandRow, type DemandRow } from "./demand.features.ts";

/** Name of the demand forecaster in models/manifest.json. */
export const DEMAND_MODEL = "demand";

/** One forecast day: expected units (Poisson rate) and the 0.9 quantile. */
export interface DemandForecast {
  readonly rate: number;
  readonly upper: number;
}

export const demandContract: InferenceContract<DemandRow, DemandForecast> = {
  validate: (row) =>
    row.horizon >= 1 && row.horizon <= 28 && Number.isFinite(row.priceRatio) ? undefined : "bad demand row",
  encode(rows, spec) {
    const width = spec.inputs[0]?.features?.length ?? DEMAND_FEATURES.length;
    if (width !== DEMAND_FEATURES.length) {
      throw new Error(
        `model ${spec.name} expects ${width} features; the subgraph encodes ${DEMAND_FEATURES.length}`,
      );
    }
    return { features: float32Rows(rows.map(encodeDemandRow), width) };
  },
  decode(outputs, count) {
    const rate = outputs["rate"];
    const upper = outputs["upper"];
    if (rate === undefined || upper === undefined) throw new Error("model gave no rate/upper");
    return Array.from({ length: count }, (_, i) => {
      const r = Math.max(0, rowOf(rate, i)[0] as number);
      return { rate: r, upper: Math.max(r, rowOf(upper, i)[0] as number) };
    });
  },
};
