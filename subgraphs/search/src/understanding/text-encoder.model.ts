import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  BatchedModel,
  buildManifest,
  DEFAULT_MODELS_DIR,
  ModelRegistry,
  readManifest,
  readModelSpec,
  type BatchedModelOptions,
  type Feeds,
  type HasLoaders,
  type InferenceContract,
  type ModelSpec,
} from "@aisle/ml";
import { hashedTokenIds } from "./text.ts";

/** Name of the two-tower model in models/ (models/search/). */
export const ENCODER_MODEL = "search";
/** Longest id sequence fed for a query (models/search/features.py QUERY_LENGTH). */
export const QUERY_LENGTH = 64;
/** Longest id sequence fed for a product text (features.py ITEM_LENGTH). */
export const ITEM_LENGTH = 96;

/** A text to embed, and which side of the two-tower it is (they share weights; only the length cap differs). */
export interface EncoderRow {
  readonly text: string;
  readonly side: "query" | "item";
}

function bucketsOf(spec: ModelSpec): number {
  const size = spec.inputs.find((i) => i.name === "ids")?.vocabularySize;
  if (size === undefined) throw new Error(`model ${spec.name} declares no vocabularySize for its ids input`);
  return size;
}

/** The encoder's inference contract: hashed ids padded to the batch's longest row, with a mask; unit vectors out. */
export const textEncoderContract: InferenceContract<EncoderRow, Float32Array> = {
  validate(row) {
    return row.text.length > 10_000 ? "text longer than 10,000 characters" : undefined;
  },
  encode(rows, spec): Feeds {
    const buckets = bucketsOf(spec);
    const lists = rows.map((r) =>
      hashedTokenIds(r.text, buckets, r.side === "query" ? QUERY_LENGTH : ITEM_LENGTH),
    );
    const width = Math.max(1, ...lists.map((l) => l.length));
    const ids = new BigInt64Array(rows.length * width);
    const mask = new Float32Array(rows.length * width);
    lists.forEach((list, i) => {
      list.forEach((id, j) => {
        ids[i * width + j] = BigInt(id);
        mask[i * width + j] = 1;
      });
    });
    return {
      ids: { type: "int64", data: ids, dims: [rows.length, width] },
      mask: { type: "float32", data: mask, dims: [rows.length, width] },
    };
  },
  decode(outputs, count): Float32Array[] {
    const embedding = outputs["embedding"];
    if (embedding === undefined) throw new Error("the encoder gave no embedding output");
    const dim = embedding.dims[1] as number;
    const data = embedding.data as Float32Array;
    return Array.from({ length: count }, (_, i) => data.slice(i * dim, (i + 1) * dim));
  },
};

/**
 * The two-tower encoder served through @aisle/ml: a query's embedding goes through the request's DataLoader
 * (one `session.run` per request however many resolvers ask), product embeddings are computed in large
 * batches at index time.
 */
export class TextEncoder {
  private constructor(readonly model: BatchedModel<EncoderRow, Float32Array>) {}

  /**
   * Loads the model from models/manifest.json, or from models/search/model.json when the manifest does not
   * list it yet (the manifest is rebuilt by `npm run train`).
   */
  static async load(options: BatchedModelOptions & { modelsDir?: string } = {}): Promise<TextEncoder> {
    const modelsDir = options.modelsDir ?? DEFAULT_MODELS_DIR;
    let registry: ModelRegistry;
    try {
      const manifest = await readManifest(join(modelsDir, "manifest.json"));
      if (!manifest.models.some((m) => m.name === ENCODER_MODEL)) throw new Error("not listed");
      registry = ModelRegistry.fromManifest(manifest, modelsDir);
    } catch {
      const spec = await readModelSpec(join(modelsDir, ENCODER_MODEL, "model.json"));
      registry = ModelRegistry.fromManifest(buildManifest([spec]), modelsDir);
    }
    return new TextEncoder(await BatchedModel.create(registry, ENCODER_MODEL, textEncoderContract, options));
  }

  get dimensions(): number {
    return Number(this.model.spec.outputs[0]?.shape[1] ?? 0);
  }

  /** The query's embedding through this request's loader (batched with any other query text of the request). */
  query(context: HasLoaders, text: string): Promise<Float32Array> {
    return this.model.load(context, { text, side: "query" });
  }

  /** Embeddings of many texts outside any request (index time, evaluation), in chunks of the model's batch size. */
  async embedAll(texts: readonly string[], side: EncoderRow["side"]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.model.maxBatchSize) {
      const rows = texts.slice(start, start + this.model.maxBatchSize).map((text) => ({ text, side }));
      const results = await this.model.predictBatch(rows);
      for (const r of results) {
        if (r instanceof Error) throw r;
        out.push(r);
      }
    }
    return out;
  }

  close(): Promise<void> {
    return this.model.close();
  }
}

/** Reads models/search/model.json (figures for the README and the eval). */
export async function encoderModelCard(modelsDir = DEFAULT_MODELS_DIR): Promise<ModelSpec> {
  return JSON.parse(await readFile(join(modelsDir, ENCODER_MODEL, "model.json"), "utf8")) as ModelSpec;
}
