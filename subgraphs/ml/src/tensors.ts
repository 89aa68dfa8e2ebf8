import type { TensorType } from "./manifest.ts";

/** The typed array behind each element type. */
export interface TensorArrays {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
  uint8: Uint8Array;
  int8: Int8Array;
}
export type TensorArray = TensorArrays[TensorType];

/**
 * A tensor as plain data: what `encode` returns, what `decode` receives, and what crosses to a worker thread
 * (its buffer is transferred, not copied). Axis 0 is the batch.
 */
export interface TensorData {
  readonly type: TensorType;
  readonly data: TensorArray;
  readonly dims: readonly number[];
}

/** Named tensors: the feeds of a run, or its outputs. */
export type Feeds = Readonly<Record<string, TensorData>>;

/** Builds a float32 [rows, width] tensor from per-row number arrays. */
export function float32Rows(rows: readonly (readonly number[])[], width: number): TensorData {
  const data = new Float32Array(rows.length * width);
  rows.forEach((row, i) => {
    if (row.length !== width) throw new Error(`row ${i} has ${row.length} values; expected ${width}`);
    data.set(row, i * width);
  });
  return { type: "float32", data, dims: [rows.length, width] };
}

/**
 * Builds an int64 [rows, width] tensor (BigInt64Array: onnxruntime refuses Int32Array for int64). Throws on a
 * value that is not a safe integer; BatchedModel then fails that row alone with BAD_USER_INPUT.
 */
export function int64Rows(rows: readonly (readonly number[])[], width: number): TensorData {
  const data = new BigInt64Array(rows.length * width);
  rows.forEach((row, i) => {
    if (row.length !== width) throw new Error(`row ${i} has ${row.length} values; expected ${width}`);
    row.forEach((v, j) => {
      if (!Number.isSafeInteger(v)) throw new RangeError(`value ${v} at row ${i} is not an integer id`);
      data[i * width + j] = BigInt(v);
    });
  });
  return { type: "int64", data, dims: [rows.length, width] };
}

/** Values per batch row of a tensor (product of the non-batch axes). */
export function rowWidth(tensor: TensorData): number {
  return tensor.dims.slice(1).reduce((a, b) => a * b, 1);
}

/** Row `index` of a tensor as plain numbers (int64 converted with Number). */
export function rowOf(tensor: TensorData, index: number): number[] {
  const width = rowWidth(tensor);
  const out: number[] = new Array<number>(width);
  for (let j = 0; j < width; j += 1) out[j] = Number(tensor.data[index * width + j]);
  return out;
}

/** A tensor of the given rows only (in the given order), copied. */
export function selectRows(tensor: TensorData, rows: readonly number[]): TensorData {
  const width = rowWidth(tensor);
  const Ctor = tensor.data.constructor as new (length: number) => TensorArray;
  const data = new Ctor(rows.length * width);
  rows.forEach((r, i) => {
    // Same array type on both sides; the cast only satisfies the union.
    (data as Float32Array).set((tensor.data as Float32Array).subarray(r * width, (r + 1) * width), i * width);
  });
  return { type: tensor.type, data, dims: [rows.length, ...tensor.dims.slice(1)] };
}

/** A zero tensor of a spec's shape with `batch` rows, symbolic non-batch axes taken as 1 (warm-up runs). */
export function zeroTensor(type: TensorType, shape: readonly (number | string)[], batch: number): TensorData {
  const dims = shape.map((d, i) => (i === 0 ? batch : typeof d === "number" ? d : 1));
  const size = dims.reduce((a, b) => a * b, 1);
  const data: TensorArray =
    type === "int64"
      ? new BigInt64Array(size)
      : type === "float64"
        ? new Float64Array(size)
        : type === "int32"
          ? new Int32Array(size)
          : type === "int8"
            ? new Int8Array(size)
            : type === "bool" || type === "uint8"
              ? new Uint8Array(size)
              : new Float32Array(size);
  return { type, data, dims };
}
