import {
  BatchedModel,
  float32Rows,
  int64Rows,
  type ModelRegistry,
  rowOf,
  type BatchedModelOptions,
  type Feeds,
  type InferenceContract,
  type ModelSpec,
} from "@aisle/ml";

/** One user-tower row: the user's items, oldest first (the most recent last), their attributes and event types. */
export interface UserTowerRow {
  readonly itemIds: readonly number[];
  readonly attrIds: readonly (readonly number[])[];
  readonly typeIds: readonly number[];
  /** Profile features, for a user tower that declares a `profile` input (the two-tower model of version 1). */
  readonly profile?: readonly number[];
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

/** A declared axis of an input: its size when the model fixes it, undefined when it is dynamic or absent. */
function fixedAxis(spec: ModelSpec, input: string, axis: number): number | undefined {
  const size = spec.inputs.find((i) => i.name === input)?.shape[axis];
  return typeof size === "number" ? size : undefined;
}

/**
 * Sequence length of one user-tower batch: the model's fixed length when it declares one, else the longest
 * sequence of the batch (at least 1, at most `maxLen`). A dynamic sequence axis means a batch of short
 * histories is a small tensor: the cost follows the users' history, not the longest history allowed.
 */
export function batchSequenceLength(rows: readonly UserTowerRow[], spec: ModelSpec, maxLen: number): number {
  const fixed = fixedAxis(spec, "seq_item_ids", 1);
  if (fixed !== undefined) return fixed;
  let longest = 1;
  for (const row of rows) longest = Math.max(longest, Math.min(maxLen, row.itemIds.length));
  return longest;
}

/** Left-pads (0) or truncates a sequence to `length` slots, most recent last (slot length-1). */
function rightAlign<T>(values: readonly T[], length: number, pad: T): T[] {
  const tail = values.slice(-length);
  return [...Array.from({ length: length - tail.length }, () => pad), ...tail];
}

/** `ids` cut or zero-padded to `width` (attribute slots). */
function fitWidth(ids: readonly number[], width: number): number[] {
  return Array.from({ length: width }, (_, i) => ids[i] ?? 0);
}

/**
 * The user encoder: `seq_item_ids` int64 [batch, seq], `seq_attr_ids` int64 [batch, seq, A], `seq_type_ids`
 * int64 [batch, seq] (most recent last, 0 = padding), plus `profile` float32 [batch, P] when the model has that
 * input; output `user_vector` [batch, d]. `seq` is dynamic (the batch's longest history, up to `maxLen`) unless
 * the model fixes it; A comes from the model's signature.
 */
export function userTowerContract(maxLen: number): InferenceContract<UserTowerRow, Float32Array> {
  return {
    validate: (row) =>
      row.itemIds.length === row.typeIds.length && row.itemIds.length === row.attrIds.length
        ? undefined
        : "sequence ids, attributes and types differ in length",
    encode: (rows, spec) => {
      const length = batchSequenceLength(rows, spec, maxLen);
      const width =
        fixedAxis(spec, "seq_attr_ids", 2) ??
        Math.max(1, ...rows.flatMap((r) => r.attrIds.map((a) => a.length)));
      const pad = new Array<number>(width).fill(0);
      const ids = rows.map((r) => rightAlign(r.itemIds, length, 0));
      const types = rows.map((r) => rightAlign(r.typeIds, length, 0));
      const attrs = rows.map((r) =>
        rightAlign(
          r.attrIds.map((a) => fitWidth(a, width)),
          length,
          pad,
        ).flat(),
      );
      const attrTensor = int64Rows(attrs, length * width);
      const feeds: Record<string, Feeds[string]> = {
        seq_item_ids: int64Rows(ids, length),
        seq_attr_ids: { ...attrTensor, dims: [rows.length, length, width] },
        seq_type_ids: int64Rows(types, length),
      };
      const profileWidth = fixedAxis(spec, "profile", 1);
      if (profileWidth !== undefined) {
        feeds["profile"] = float32Rows(
          rows.map((r) => fitWidth(r.profile ?? [], profileWidth)),
          profileWidth,
        );
      }
      return feeds;
    },
    decode: (outputs, count) => vectors(outputs, "user_vector", count),
  };
}

/** The item encoder: `item_ids` int64 [batch, 1] (0 = an item the model never saw), `attr_ids` int64 [batch, A]. */
export const itemTowerContract: InferenceContract<ItemTowerRow, Float32Array> = {
  encode: (rows, spec) => {
    const width = fixedAxis(spec, "attr_ids", 1) ?? Math.max(1, ...rows.map((r) => r.attrIds.length));
    return {
      item_ids: int64Rows(
        rows.map((r) => [r.itemId]),
        1,
      ),
      attr_ids: int64Rows(
        rows.map((r) => fitWidth(r.attrIds, width)),
        width,
      ),
    };
  },
  decode: (outputs, count) => vectors(outputs, "item_vector", count),
};

/**
 * Every row through a model outside any request, in runs of the model's largest batch (item vectors at start,
 * offline evaluation); the first failed row fails the whole call.
 */
export async function predictAll<Row, Result>(
  model: BatchedModel<Row, Result>,
  rows: readonly Row[],
): Promise<Result[]> {
  const results = await model.predictBatch(rows);
  return results.map((result) => {
    if (result instanceof Error) throw result;
    return result;
  });
}

/** A vector with only finite values, else null (a model answer that must not reach the index). */
export function finiteVector(vector: Float32Array): Float32Array | null {
  for (const v of vector) if (!Number.isFinite(v)) return null;
  return vector;
}

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
  /** The ESMM ranker; null when the registry holds none (trained on a log without impressions). */
  readonly ranker: BatchedModel<RankerRow, RankerScore> | null;
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
  const ranker = registry.names.includes("rec-ranker")
    ? await BatchedModel.create(registry, "rec-ranker", rankerContract(rankerFeatures), options("rec-ranker"))
    : null;
  return {
    userTower,
    itemTower,
    ranker,
    close: async () => {
      await Promise.all([userTower.close(), itemTower.close(), ranker?.close()]);
    },
  };
}
