import { existsSync } from "node:fs";
import { join } from "node:path";
import { Tensor, type InferenceSession } from "onnxruntime-node";
import { DEFAULT_MODELS_DIR, ModelLoadError, ModelRegistry, readManifest, type ModelSpec } from "@aisle/ml";
import type { Candidate } from "./reranker.ts";
import { LTR_FEATURES, ltrFeatureRows, type FieldStats, type LtrQuery } from "./ranking-features.ts";

/** The learned ranker's name in the model registry (models/search-ranker, written by `npm run train -- search`). */
export const RANKER_MODEL = "search-ranker";

/** What the registry entry's `settings` hold (written with the model by models/search/train_ltr.py). */
export interface RankerSettings {
  /** Weight of the semantic list in reciprocal rank fusion (lexical 1): the candidates' order without the model. */
  readonly semanticWeight: number;
  /**
   * Whether the model beat that fused order on validation queries of its training judgements. When false the
   * fused order is served and the model is not run: a ranker that did not help is never shipped by accident.
   */
  readonly enabled: boolean;
}

export function parseRankerSettings(spec: ModelSpec): RankerSettings {
  const s = spec.settings ?? {};
  const semanticWeight = s["semanticWeight"];
  const enabled = s["enabled"];
  if (typeof semanticWeight !== "number" || !(semanticWeight >= 0) || typeof enabled !== "boolean") {
    throw new ModelLoadError(
      spec.name,
      `settings must hold semanticWeight (number ≥ 0) and enabled (boolean): ${JSON.stringify(s)}`,
    );
  }
  const declared = spec.inputs[0]?.features ?? [];
  if (declared.join(",") !== LTR_FEATURES.join(",")) {
    throw new ModelLoadError(
      spec.name,
      `features [${declared.join(", ")}] differ from the serving code's [${LTR_FEATURES.join(", ")}]; retrain with npm run train -- search`,
    );
  }
  return { semanticWeight, enabled };
}

/**
 * The learned-to-rank model (gradient-boosted trees exported as an ONNX TreeEnsembleRegressor): scores every
 * candidate of one search in a single `session.run` over the feature rows of {@link ltrFeatureRows}.
 */
export class LtrRanker {
  readonly name = "gbdt-lambdarank";

  private constructor(
    readonly spec: ModelSpec,
    readonly settings: RankerSettings,
    private readonly session: InferenceSession,
  ) {}

  /**
   * The ranker the registry in `modelsDir` holds, or null when it holds none (the search subgraph then serves
   * its fallback order). A listed model that fails its checks (file, sha256, signature, features) throws.
   */
  static async load(modelsDir: string = DEFAULT_MODELS_DIR): Promise<LtrRanker | null> {
    const manifestPath = join(modelsDir, "manifest.json");
    if (!existsSync(manifestPath)) return null;
    const manifest = await readManifest(manifestPath);
    if (!manifest.models.some((m) => m.name === RANKER_MODEL)) return null;
    const registry = ModelRegistry.fromManifest(manifest, modelsDir);
    const spec = registry.spec(RANKER_MODEL);
    const settings = parseRankerSettings(spec);
    const { session } = await registry.open(RANKER_MODEL);
    return new LtrRanker(spec, settings, session);
  }

  /** Scores feature rows (row-major, LTR_FEATURES wide): one session run for the whole batch. */
  async scoreRows(rows: Float32Array): Promise<Float32Array> {
    const count = rows.length / LTR_FEATURES.length;
    if (count === 0) return new Float32Array(0);
    const outputs = await this.session.run({
      features: new Tensor("float32", rows, [count, LTR_FEATURES.length]),
    });
    const score = outputs["score"];
    if (score === undefined) throw new Error(`${RANKER_MODEL} gave no score output`);
    return score.data as Float32Array;
  }

  /** Scores one search's candidates (features computed by the serving code, then one batched run). */
  score(candidates: readonly Candidate[], query: LtrQuery, stats: FieldStats): Promise<Float32Array> {
    return this.scoreRows(ltrFeatureRows(candidates, query, stats));
  }

  close(): Promise<void> {
    return this.session.release();
  }
}
