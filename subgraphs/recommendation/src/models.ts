import {
  BatchedModel,
  float32Rows,
  int64Rows,
  type ModelRegistry,
  rowOf,
  type BatchedModelOptions,
  type InferenceContract,
} from "@aisle/ml";

/** One user-tower row: the last events (oldest first) as ids, plus the profile features. */
export interface UserTowerRow {
  readonly itemIds: readonly number[];
  readonly attrIds: readonly (readonly number[])[];
  readonly typeIds: readonly number[];
  readonly profile: readonly number[];
}

export interface ItemTowerRow {
  readonly itemId: number;
  readonly attrIds: readonly number[];
}

export interface RankerRow {
  readonly dense: readonly number[];
  readonly catIds: readonly number[];
}

export interface RankerScore {
  readonly pClick: number;
  readonly pPurchase: number;
}

const ATTRS = 5;

function vectors(
  outputs: Record<string, { data: unknown; dims: readonly number[] }>,
  name: string,
  count: number,
) {
  const tensor = outputs[name];
  if (tensor === undefined) throw new Error(`model output ${name} is missing`);
  const out: Float32Array[] = [];
  const width = tensor.dims[1] as number;
  const data = tensor.data as Float32Array;
  for (let i = 0; i < count; i++) out.push(data.slice(i * width, (i + 1) * width));
  return out;
}

/** Right-aligns a sequence into `maxLen` slots (position maxLen-1 = most recent, 0 = padding). */
function rightAlign<T>(values: readonly T[], maxLen: number, pad: T): T[] {
  const tail = values.slice(-maxLen);
  return [...Array.from({ length: maxLen - tail.length }, () => pad), ...tail];
}

export function userTowerContract(maxLen: number): InferenceContract<UserTowerRow, Float32Array> {
  return {
    validate: (row) =>
      row.itemIds.length === row.typeIds.length && row.itemIds.length === row.attrIds.length
        ? undefined
        : "sequence ids, attributes and types differ in length",
    encode: (rows) => {
      const ids = rows.map((r) => rightAlign(r.itemIds, maxLen, 0));
      const types = rows.map((r) => rightAlign(r.typeIds, maxLen, 0));
      const attrs = rows.map((r) => rightAlign(r.attrIds, maxLen, [0, 0, 0, 0, 0]).flat());
      const attrTensor = int64Rows(attrs, maxLen * ATTRS);
      return {
        seq_item_ids: int64Rows(ids, maxLen),
        seq_attr_ids: { ...attrTensor, dims: [rows.length, maxLen, ATTRS] },
        seq_type_ids: int64Rows(types, maxLen),
        profile: float32Rows(
          rows.map((r) => [...r.profile]),
          2,
        ),
      };
    },
    decode: (outputs, count) => vectors(outputs, "user_vector", count),
  };
}

export const itemTowerContract: InferenceContract<ItemTowerRow, Float32Array> = {
  encode: (rows) => ({
    item_ids: int64Rows(
      rows.map((r) => [r.itemId]),
      1,
    ),
    attr_ids: int64Rows(
      rows.map((r) => [...r.attrIds]),
      ATTRS,
    ),
  }),
  decode: (outputs, count) => vectors(outputs, "item_vector", count),
};

export function rankerContract(features: number): InferenceContract<RankerRow, RankerScore> {
  return {
    validate: (row) =>
      row.dense.length === features && row.catIds.length === 3 ? undefined : "bad ranker row",
    encode: (rows) => ({
      dense: float32Rows(
        rows.map((r) => [...r.dense]),
        features,
      ),
      cat_ids: int64Rows(
        rows.map((r) => [...r.catIds]),
        3,
      ),
    }),
    decode: (outputs, count) => {
      const pClick = outputs["p_ctr"];
      const pBuy = outputs["p_ctcvr"];
      if (pClick === undefined || pBuy === undefined)
        throw new Error("ranker outputs p_ctr / p_ctcvr missing");
      return Array.from({ length: count }, (_, i) => ({
        pClick: rowOf(pClick, i)[0] as number,
        pPurchase: rowOf(pBuy, i)[0] as number,
      }));
    },
  };
}

/** The three models of recommendation, loaded and warmed at start. */
export interface RecommendationModels {
  readonly userTower: BatchedModel<UserTowerRow, Float32Array>;
  readonly itemTower: BatchedModel<ItemTowerRow, Float32Array>;
  readonly ranker: BatchedModel<RankerRow, RankerScore>;
  close(): Promise<void>;
}

export async function loadRecommendationModels(
  registry: ModelRegistry,
  maxLen: number,
  rankerFeatures: number,
  options: (name: string) => BatchedModelOptions,
): Promise<RecommendationModels> {
  const userTower = await BatchedModel.create(
    registry,
    "rec-user-tower",
    userTowerContract(maxLen),
    options("rec-user-tower"),
  );
  const itemTower = await BatchedModel.create(
    registry,
    "rec-item-tower",
    itemTowerContract,
    options("rec-item-tower"),
  );
  const ranker = await BatchedModel.create(
    registry,
    "rec-ranker",
    rankerContract(rankerFeatures),
    options("rec-ranker"),
  );
  return {
    userTower,
    itemTower,
    ranker,
    close: async () => {
      await Promise.all([userTower.close(), itemTower.close(), ranker.close()]);
    },
  };
}
