import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchedModel, ModelRegistry } from "@aisle/ml";
import { computeFeatures, FEATURE_NAMES } from "./features.ts";
import { checkSpec, riskModelContract, type ModelOutput } from "./risk-model.ts";
import { emptySnapshot } from "./velocity.store.ts";

/** Rows torch scored at export (models/common's export_onnx writes them): flat data with dims. */
interface Tensor {
  dims: number[];
  data: number[];
}
const parity = JSON.parse(
  readFileSync(new URL("../../../models/payment-risk/parity.json", import.meta.url), "utf8"),
) as {
  tolerance: number;
  inputs: { features: Tensor };
  outputs: Record<"probability" | "logit" | "contributions", Tensor>;
};
const rowsOf = (t: Tensor): number[][] => {
  const width = t.dims[1] ?? 1;
  return Array.from({ length: t.dims[0] ?? 0 }, (_, i) => t.data.slice(i * width, (i + 1) * width));
};
const golden = {
  features: rowsOf(parity.inputs.features),
  probability: parity.outputs.probability.data,
  logit: parity.outputs.logit.data,
  contributions: rowsOf(parity.outputs.contributions),
};

/** Within the export's tolerance, relative for large values (float32 logits reach tens). */
function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(parity.tolerance * Math.max(1, Math.abs(expected)));
}

let model: BatchedModel<Float32Array, ModelOutput>;
beforeAll(async () => {
  const registry = await ModelRegistry.load();
  checkSpec(registry.spec("payment-risk"));
  model = await BatchedModel.create(registry, "payment-risk", riskModelContract);
});
afterAll(() => model?.close());

describe("payment-risk model through @aisle/ml", () => {
  it("reproduces torch's outputs on the export's sample rows in one batched run", async () => {
    model.resetStats();
    const results = await model.predictBatch(golden.features.map((f) => Float32Array.from(f)));
    expect(model.stats.runs).toBe(1);
    results.forEach((result, i) => {
      const out = result as ModelOutput;
      expectClose(out.probability, golden.probability[i]!);
      expectClose(out.logit, golden.logit[i]!);
      out.contributions.forEach((c, j) => expectClose(c, golden.contributions[i]![j]!));
    });
  });

  it("is additive: logit minus the sum of contributions is the same bias for every row", async () => {
    const results = (await model.predictBatch(
      golden.features.map((f) => Float32Array.from(f)),
    )) as ModelOutput[];
    const biases = results.map((r) => r.logit - r.contributions.reduce((a, b) => a + b, 0));
    for (const b of biases) expect(b).toBeCloseTo(biases[0]!, 3);
  });

  it("scores a typical payment low and a card-testing burst high", async () => {
    const typical = computeFeatures({
      amountMinorUsd: 6_000,
      accountAgeDays: 400,
      billingCountry: "US",
      shippingCountry: "US",
      ipCountry: "US",
      emailDisposable: false,
      itemCount: 2,
      velocity: emptySnapshot(),
    });
    const burst = emptySnapshot() as unknown as {
      paymentMethod: { count: Record<string, number>; links: number };
    };
    burst.paymentMethod.count = { "1h": 9, "24h": 9, "7d": 9 };
    burst.paymentMethod.links = 4;
    const risky = computeFeatures({
      amountMinorUsd: 900,
      accountAgeDays: 2,
      billingCountry: "RO",
      shippingCountry: "US",
      ipCountry: "RO",
      emailDisposable: true,
      itemCount: 1,
      velocity: burst as never,
    });
    expect(typical).toHaveLength(FEATURE_NAMES.length);
    const [low, high] = (await model.predictBatch([typical, risky])) as ModelOutput[];
    expect(low!.probability).toBeLessThan(0.1);
    expect(high!.probability).toBeGreaterThan(0.8);
  });
});
