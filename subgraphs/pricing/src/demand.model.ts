import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { float32Rows, int64Rows, rowWidth, type InferenceContract, type TensorData } from "@aisle/ml";

/** One model row: a product at one candidate price. */
export interface DemandRow {
  /** 1-based index from vocab.json; 0 = unknown product (the model then answers for its category). */
  readonly productIndex: number;
  readonly categoryIndex: number;
  /** log(candidate price / list price). */
  readonly logPriceRatio: number;
  /** The 8 DRIVERS (see demand.features.ts). */
  readonly drivers: readonly number[];
}

export interface DemandPrediction {
  /** Own-price elasticity (negative). */
  readonly elasticity: number;
  /** Expected units per day at the row's price. */
  readonly demandPerDay: number;
}

export const DRIVER_COUNT = 8;

/** Product and category id → model index (position + 1; 0 is "unknown"), from models/pricing/vocab.json. */
export class DemandVocabulary {
  readonly #products: ReadonlyMap<string, number>;
  readonly #categories: ReadonlyMap<string, number>;

  constructor(products: readonly string[], categories: readonly string[]) {
    this.#products = new Map(products.map((id, i) => [id, i + 1]));
    this.#categories = new Map(categories.map((id, i) => [id, i + 1]));
  }

  static async load(modelsDir: string): Promise<DemandVocabulary> {
    const raw = JSON.parse(await readFile(join(modelsDir, "pricing", "vocab.json"), "utf8")) as {
      products?: unknown;
      categories?: unknown;
    };
    const strings = (value: unknown): string[] =>
      Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
    return new DemandVocabulary(strings(raw.products), strings(raw.categories));
  }

  product(id: string): number {
    return this.#products.get(id) ?? 0;
  }

  category(id: string): number {
    return this.#categories.get(id) ?? 0;
  }
}

function column(tensor: TensorData | undefined, name: string, count: number): number[] {
  if (tensor === undefined) throw new Error(`pricing model gave no ${name} output`);
  const width = rowWidth(tensor);
  return Array.from({ length: count }, (_, i) => Number(tensor.data[i * width]));
}

/** The inference contract of models/pricing: rows of (product, candidate price) → elasticity and demand. */
export const demandContract: InferenceContract<DemandRow, DemandPrediction> = {
  validate: (row) =>
    row.drivers.length === DRIVER_COUNT
      ? undefined
      : `expected ${DRIVER_COUNT} drivers, got ${row.drivers.length}`,
  encode: (rows) => ({
    product: {
      ...int64Rows(
        rows.map((r) => [r.productIndex]),
        1,
      ),
      dims: [rows.length],
    },
    category: {
      ...int64Rows(
        rows.map((r) => [r.categoryIndex]),
        1,
      ),
      dims: [rows.length],
    },
    log_price_ratio: {
      type: "float32",
      data: Float32Array.from(rows, (r) => r.logPriceRatio),
      dims: [rows.length],
    },
    drivers: float32Rows(
      rows.map((r) => r.drivers),
      DRIVER_COUNT,
    ),
  }),
  decode: (outputs, count) => {
    const elasticity = column(outputs["elasticity"], "elasticity", count);
    const demand = column(outputs["demand"], "demand", count);
    return elasticity.map((e, i) => ({ elasticity: e, demandPerDay: demand[i] as number }));
  },
};
