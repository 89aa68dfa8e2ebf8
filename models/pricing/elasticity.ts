import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BatchedModel, DEFAULT_MODELS_DIR, ModelRegistry } from "@aisle/ml";
import { demoWorld, marketFor } from "@aisle/world";
import { demandDrivers, featuresFromMarket } from "../../subgraphs/pricing/src/demand.features.ts";
import {
  DemandVocabulary,
  demandContract,
  type DemandRow,
} from "../../subgraphs/pricing/src/demand.model.ts";

/**
 * Elasticity recovery of the SERVED pricing model on the demo world, where the true elasticities are known.
 *
 *   tsx --conditions=aisle-source models/pricing/elasticity.ts [--out <json>] [--seed 7]
 *
 * Every demo product is put through the path `Product.price` uses (the feature record the subgraph seeds,
 * `demandDrivers` on the market's "today", the vocabulary, `demandContract` and `BatchedModel` over the committed
 * ONNX) at its list price; the model's elasticity is compared with the product's true elasticity
 * (`Market.economics(id).elasticity`) and with its category's. Also answered as an unknown product (index 0),
 * which is what a product the model never saw gets. Intervals: 95 % percentile bootstrap over products.
 *
 * These are the products the model was trained on (the demo history's first 305 days); the world has no
 * others, so this measures recovery, not transfer.
 */
const { values } = parseArgs({ options: { out: { type: "string" }, seed: { type: "string" } } });
const BOOTSTRAP = 2000;

const world = demoWorld();
const market = marketFor(world);
const today = new Date(`${market.today}T00:00:00Z`);
const vocabulary = await DemandVocabulary.load(DEFAULT_MODELS_DIR);
const registry = await ModelRegistry.load();
const model = await BatchedModel.create(registry, "pricing", demandContract, {
  maxBatchSize: 4096,
  timeoutMs: 60_000,
});

interface Item {
  readonly truth: number;
  readonly category: string;
  readonly categoryTruth: number;
  readonly row: DemandRow;
}
const items: Item[] = [];
for (const product of world.products) {
  const economics = market.economics(product.id);
  const state = market.state(product.id);
  const categoryTruth = economics === null ? undefined : market.categoryTruth(economics.categoryId);
  if (economics === null || state === null || categoryTruth === null || categoryTruth === undefined) continue;
  items.push({
    truth: economics.elasticity,
    category: economics.categoryId,
    categoryTruth: categoryTruth.elasticity,
    row: {
      productIndex: vocabulary.product(product.id),
      categoryIndex: vocabulary.category(economics.categoryId),
      logPriceRatio: 0,
      drivers: demandDrivers(featuresFromMarket(state), today),
    },
  });
}
const elasticityOf = async (rows: DemandRow[]): Promise<number[]> =>
  (await model.predictBatch(rows)).map((p) => {
    if (p instanceof Error) throw p;
    return p.elasticity;
  });
const learned = await elasticityOf(items.map((i) => i.row));
const unknown = await elasticityOf(items.map((i) => ({ ...i.row, productIndex: 0 })));
await model.close();

let state = Number(values.seed ?? "7") >>> 0 || 1;
const rand = () => {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 4294967296;
};
const n = items.length;
const samples = Array.from({ length: BOOTSTRAP }, () =>
  Int32Array.from({ length: n }, () => Math.floor(rand() * n)),
);
const mean = (v: readonly number[], idx?: Int32Array) => {
  let s = 0;
  if (idx === undefined) for (const x of v) s += x;
  else for (const i of idx) s += v[i] as number;
  return s / (idx?.length ?? v.length);
};
const q = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
const withInterval = (v: readonly number[]) => {
  const boots = samples.map((idx) => mean(v, idx)).sort((a, b) => a - b);
  return { value: mean(v), ci95: [q(boots, 0.025), q(boots, 0.975)] };
};
const truthMean = mean(items.map((i) => i.truth));
const err = items.map((i, k) => (learned[k] as number) - i.truth);
const corr = (() => {
  const x = learned;
  const y = items.map((i) => i.truth);
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((xi, k) => {
    const yi = y[k] as number;
    sxy += (xi - mx) * (yi - my);
    sxx += (xi - mx) ** 2;
    syy += (yi - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
})();
const byCategory = new Map<string, { learned: number[]; truth: number }>();
items.forEach((i, k) => {
  const entry = byCategory.get(i.category) ?? { learned: [], truth: i.categoryTruth };
  entry.learned.push(learned[k] as number);
  byCategory.set(i.category, entry);
});
const report = {
  command: "tsx --conditions=aisle-source models/pricing/elasticity.ts",
  model: `${model.name}@${model.version}`,
  products: n,
  date: market.today,
  intervals: `95 % percentile bootstrap over products (${BOOTSTRAP} resamples)`,
  product_elasticity_mae: withInterval(err.map(Math.abs)),
  product_elasticity_bias: withInterval(err),
  product_elasticity_rmse: Math.sqrt(mean(err.map((e) => e * e))),
  product_elasticity_correlation: corr,
  constant_baseline_mae: withInterval(items.map((i) => Math.abs(i.truth - truthMean))),
  model_minus_constant_mae: withInterval(
    err.map((e, k) => Math.abs(e) - Math.abs((items[k] as Item).truth - truthMean)),
  ),
  category_elasticity_mae: mean([...byCategory.values()].map((c) => Math.abs(mean(c.learned) - c.truth))),
  categories: byCategory.size,
  unknown_product_vs_category_truth_mae: withInterval(
    items.map((i, k) => Math.abs((unknown[k] as number) - i.categoryTruth)),
  ),
  // Every 10th product's [true, recovered] elasticity, for the card's scatter (models/common/plot_card.py).
  sample_pairs: items
    .filter((_, k) => k % 10 === 0)
    .map((i, k) => [Number(i.truth.toFixed(3)), Number((learned[k * 10] as number).toFixed(3))]),
};
const fmt = (m: { value: number; ci95: number[] }) =>
  `${m.value.toFixed(3)} [${(m.ci95[0] as number).toFixed(3)}, ${(m.ci95[1] as number).toFixed(3)}]`;
process.stdout.write(
  `${n} products, ${report.model}, served path on ${market.today}\n` +
    `  product elasticity MAE ${fmt(report.product_elasticity_mae)} (constant at the mean truth: ${fmt(report.constant_baseline_mae)}; paired difference ${fmt(report.model_minus_constant_mae)})\n` +
    `  bias (learned − true) ${fmt(report.product_elasticity_bias)}, RMSE ${report.product_elasticity_rmse.toFixed(3)}, correlation ${corr.toFixed(3)}\n` +
    `  category MAE ${report.category_elasticity_mae.toFixed(3)} over ${byCategory.size} categories; unknown-product answer vs category truth MAE ${fmt(report.unknown_product_vs_category_truth_mae)}\n`,
);
if (values.out !== undefined) {
  await writeFile(resolve(values.out), `${JSON.stringify(report, null, 2)}\n`);
  // The card's figure beside the JSON (<name>-recovered.png).
  const plotted = spawnSync(
    "/usr/bin/python3",
    [fileURLToPath(new URL("../common/plot_card.py", import.meta.url)), resolve(values.out)],
    { stdio: "inherit" },
  );
  if (plotted.status !== 0) throw new Error(`plot_card.py failed (${plotted.status ?? plotted.signal})`);
}
