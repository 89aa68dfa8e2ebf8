import type { InferenceContract } from "./batched-model.ts";
import { float32Rows, int64Rows, rowOf } from "./tensors.ts";

/** A row for the platform test model (models/platform-test): 6 features and a category id in [0, 16). */
export interface PlatformTestRow {
  readonly features: readonly number[];
  readonly categoryId: number;
}

export interface PlatformTestResult {
  readonly label: number;
  readonly logits: number[];
  readonly probabilities: number[];
}

/**
 * The inference contract of models/platform-test: the reference example of a contract, used by the
 * platform's own tests and the `platform` bench.
 */
export const platformTestContract: InferenceContract<PlatformTestRow, PlatformTestResult> = {
  validate: (row) =>
    row.features.length === 6 ? undefined : `expected 6 features, got ${row.features.length}`,
  encode: (rows) => ({
    features: float32Rows(
      rows.map((r) => r.features),
      6,
    ),
    category_id: int64Rows(
      rows.map((r) => [r.categoryId]),
      1,
    ),
  }),
  decode: (outputs, count) => {
    const logits = outputs["logits"];
    const probabilities = outputs["probabilities"];
    if (logits === undefined || probabilities === undefined) throw new Error("missing outputs");
    return Array.from({ length: count }, (_, i) => {
      const p = rowOf(probabilities, i);
      return { label: p.indexOf(Math.max(...p)), logits: rowOf(logits, i), probabilities: p };
    });
  },
};
