import { float32Rows, rowOf, type InferenceContract, type ModelSpec } from "@aisle/ml";
import { FEATURE_NAMES } from "./features.ts";

/** The model's answer for one payment. */
export interface ModelOutput {
  readonly probability: number;
  readonly logit: number;
  /** Per-feature log-odds relative to a typical payment, in FEATURE_NAMES order. */
  readonly contributions: readonly number[];
}

/**
 * Encodes feature rows for `payment-risk.onnx` and decodes probability, logit and contributions. The
 * feature names of the manifest must equal FEATURE_NAMES (checked at start by `checkSpec`).
 */
export const riskModelContract: InferenceContract<Float32Array, ModelOutput> = {
  validate(row) {
    return row.length === FEATURE_NAMES.length
      ? undefined
      : `expected ${FEATURE_NAMES.length} features, got ${row.length}`;
  },
  encode(rows) {
    return {
      features: float32Rows(
        rows.map((r) => Array.from(r)),
        FEATURE_NAMES.length,
      ),
    };
  },
  decode(outputs, count) {
    const output = (name: string) => {
      const tensor = outputs[name];
      if (tensor === undefined) throw new Error(`the model gave no ${name} output`);
      return tensor;
    };
    const probability = output("probability");
    const logit = output("logit");
    const contributions = output("contributions");
    return Array.from({ length: count }, (_, i) => ({
      probability: Number(probability.data[i]),
      logit: Number(logit.data[i]),
      contributions: rowOf(contributions, i),
    }));
  },
};

/** Fails at start when the trained model's inputs are not the features this code computes. */
export function checkSpec(spec: ModelSpec): void {
  const names = spec.inputs.find((i) => i.name === "features")?.features ?? [];
  if (names.join(",") !== FEATURE_NAMES.join(",")) {
    throw new Error(
      `payment-risk model ${spec.version} expects features [${names.join(", ")}], the code computes [${FEATURE_NAMES.join(", ")}]: retrain with \`npm run train -- payment-risk\``,
    );
  }
}
