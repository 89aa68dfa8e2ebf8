import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** Element types a model input or output may have (onnxruntime-node `Tensor.Type` names). */
export const TENSOR_TYPES = ["float32", "float64", "int32", "int64", "bool", "uint8", "int8"] as const;
export type TensorType = (typeof TENSOR_TYPES)[number];

const dimension = z.union([z.number().int().positive(), z.string().min(1)]);

const tensorSpecSchema = z.object({
  /** Name of the ONNX graph input or output. */
  name: z.string().min(1),
  dtype: z.enum(TENSOR_TYPES),
  /** One entry per axis: a fixed size, or a symbolic name for a dynamic axis (axis 0 is always "batch"). */
  shape: z.array(dimension).min(1),
  /** Column names of the last axis, in order (dense feature inputs). */
  features: z.array(z.string().min(1)).optional(),
  /** For integer id inputs: ids must lie in [0, vocabularySize). A negative id would silently wrap. */
  vocabularySize: z.number().int().positive().optional(),
});

/** One input or output of a model as model.json and the manifest describe it. */
export type TensorSpec = z.infer<typeof tensorSpecSchema>;

const modelSpecShape = {
  /** Model name, equal to its folder under models/. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** Semantic version of the trained artefact; bump on any change of inputs, outputs or meaning. */
  version: z.string().min(1),
  /** The .onnx file: relative to the model folder in model.json, relative to models/ in the manifest. */
  file: z.string().min(1),
  /** Hex sha256 of the .onnx file. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  opset: z.number().int().positive(),
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
  /** Free-form summary; metrics are held-out figures written by train.py. */
  description: z.string().optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  /**
   * Serving settings learned with the model and read by the code that serves it (e.g. search's fusion weight
   * and whether its ranker beat the fallback order); pinned with the model in the manifest.
   */
  settings: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
  trainedAt: z.string().optional(),
};

export const modelSpecSchema = z.object(modelSpecShape);
/** The content of `models/<model>/model.json`, and one entry of `models/manifest.json`. */
export type ModelSpec = z.infer<typeof modelSpecSchema>;

export const manifestSchema = z.object({
  formatVersion: z.literal(1),
  models: z.array(modelSpecSchema),
});
/** The content of `models/manifest.json`: every model the subgraphs may load, sorted by name. */
export type ModelManifest = z.infer<typeof manifestSchema>;

/** The repository's `models/` folder (this file is subgraphs/ml/src/manifest.ts). */
export const DEFAULT_MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../models");

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

/** Reads and validates models/manifest.json; throws a message naming the file and the first problems. */
export async function readManifest(path: string): Promise<ModelManifest> {
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`Model manifest ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`Model manifest ${path} is invalid: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Reads and validates one models/<model>/model.json. */
export async function readModelSpec(path: string): Promise<ModelSpec> {
  const parsed = modelSpecSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) throw new Error(`${path} is invalid: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * Builds the manifest from model.json files: the `file` of each becomes relative to models/ (`<name>/<file>`).
 * Models are sorted by name so the committed file only changes when a model does.
 */
export function buildManifest(specs: readonly ModelSpec[]): ModelManifest {
  const models = [...specs]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((spec) => ({ ...spec, file: `${spec.name}/${spec.file}` }));
  return { formatVersion: 1, models };
}
