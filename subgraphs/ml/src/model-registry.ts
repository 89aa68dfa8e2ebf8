import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InferenceSession } from "onnxruntime-node";
import {
  DEFAULT_MODELS_DIR,
  readManifest,
  type ModelManifest,
  type ModelSpec,
  type TensorSpec,
} from "./manifest.ts";

/** A model that cannot be served, found at start: names the model and the problem. */
export class ModelLoadError extends Error {
  constructor(
    readonly model: string,
    readonly problem: string,
  ) {
    super(`Model ${model}: ${problem}`);
    this.name = "ModelLoadError";
  }
}

/** onnxruntime session thread options; small models do best with few threads (see README). */
export interface SessionThreadOptions {
  /** Threads inside one operator. Default 1 (the batch is the parallelism; 2 cores are shared). */
  readonly intraOpNumThreads?: number;
  /** Threads across independent operators (only with executionMode "parallel"). Default 1. */
  readonly interOpNumThreads?: number;
  /** Default "sequential". */
  readonly executionMode?: "sequential" | "parallel";
}

/** A verified model: its manifest entry, its absolute path and its bytes' checksum already checked. */
export interface VerifiedModel {
  readonly spec: ModelSpec;
  readonly path: string;
}

export interface ModelRegistryOptions {
  /** Folder holding manifest.json and the model folders. Default: the repository's models/. */
  readonly modelsDir?: string;
}

function sameDims(declared: readonly (number | string)[], actual: readonly (number | string)[]): boolean {
  if (actual.length === 0) return true; // onnxruntime reports no shape when the graph leaves it undefined
  if (declared.length !== actual.length) return false;
  return declared.every((d, i) => {
    const a = actual[i];
    return typeof d === "number" ? a === d : typeof a !== "number" || a < 0;
  });
}

/** Compares the manifest's declared tensors with what the session reports; returns the problems. */
export function compareSignature(
  kind: "input" | "output",
  declared: readonly TensorSpec[],
  names: readonly string[],
  metadata: readonly InferenceSession.ValueMetadata[],
): string[] {
  const problems: string[] = [];
  const declaredNames = declared.map((t) => t.name);
  if (declaredNames.join("\u0000") !== names.join("\u0000")) {
    problems.push(
      `${kind} names differ from the manifest: manifest [${declaredNames.join(", ")}], model [${names.join(", ")}]`,
    );
    return problems;
  }
  declared.forEach((spec, i) => {
    const meta = metadata[i];
    if (meta === undefined || !meta.isTensor) {
      problems.push(`${kind} ${spec.name} is not a tensor in the model`);
      return;
    }
    if (meta.type !== spec.dtype) {
      problems.push(
        `${kind} ${spec.name} has dtype ${meta.type} in the model, ${spec.dtype} in the manifest`,
      );
    }
    if (!sameDims(spec.shape, meta.shape)) {
      problems.push(
        `${kind} ${spec.name} has shape [${meta.shape.join(", ")}] in the model, [${spec.shape.join(", ")}] in the manifest`,
      );
    }
    if (spec.features !== undefined && spec.features.length !== spec.shape.at(-1)) {
      problems.push(
        `${kind} ${spec.name} lists ${spec.features.length} features for a last axis of ${spec.shape.at(-1)}`,
      );
    }
  });
  return problems;
}

/**
 * The models a process may load, as `models/manifest.json` lists them. `open` verifies the file (present,
 * sha256) and the session's signature (input/output names, dtypes, shapes) against the manifest, and throws a
 * ModelLoadError naming the model and the problem, so a bad deployment fails at start, not at the first request.
 */
export class ModelRegistry {
  private constructor(
    readonly modelsDir: string,
    readonly manifest: ModelManifest,
  ) {}

  static async load(options: ModelRegistryOptions = {}): Promise<ModelRegistry> {
    const modelsDir = options.modelsDir ?? DEFAULT_MODELS_DIR;
    return new ModelRegistry(modelsDir, await readManifest(join(modelsDir, "manifest.json")));
  }

  /** A registry over an in-memory manifest (tests, tools). */
  static fromManifest(manifest: ModelManifest, modelsDir: string = DEFAULT_MODELS_DIR): ModelRegistry {
    return new ModelRegistry(modelsDir, manifest);
  }

  get names(): string[] {
    return this.manifest.models.map((m) => m.name);
  }

  /** The manifest entry of a model; throws ModelLoadError when it is not listed. */
  spec(name: string): ModelSpec {
    const spec = this.manifest.models.find((m) => m.name === name);
    if (spec === undefined) {
      throw new ModelLoadError(name, `not in the manifest (known: ${this.names.join(", ") || "none"})`);
    }
    return spec;
  }

  /** Checks the file exists and its sha256 matches the manifest. */
  async verifyFile(name: string): Promise<VerifiedModel> {
    const spec = this.spec(name);
    const path = join(this.modelsDir, spec.file);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      throw new ModelLoadError(name, `file ${path} is missing; run \`npm run train -- ${name}\``);
    }
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (sha256 !== spec.sha256) {
      throw new ModelLoadError(
        name,
        `checksum mismatch for ${path}: manifest ${spec.sha256}, file ${sha256} (retrain, or refresh the manifest with \`npm run train -- --manifest-only\`)`,
      );
    }
    return { spec, path };
  }

  /** Checks a session's inputs and outputs against the manifest entry. */
  verifySession(spec: ModelSpec, session: InferenceSession): void {
    const problems = [
      ...compareSignature("input", spec.inputs, session.inputNames, session.inputMetadata),
      ...compareSignature("output", spec.outputs, session.outputNames, session.outputMetadata),
    ];
    if (problems.length > 0) throw new ModelLoadError(spec.name, problems.join("; "));
  }

  /** Verifies the file, creates a session with the thread options, and verifies its signature. */
  async open(
    name: string,
    threads: SessionThreadOptions = {},
  ): Promise<{ readonly spec: ModelSpec; readonly path: string; readonly session: InferenceSession }> {
    const { spec, path } = await this.verifyFile(name);
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(path, sessionOptionsFor(threads));
    } catch (error) {
      throw new ModelLoadError(name, `onnxruntime cannot load ${path}: ${(error as Error).message}`);
    }
    try {
      this.verifySession(spec, session);
    } catch (error) {
      await session.release();
      throw error;
    }
    return { spec, path, session };
  }
}

/** onnxruntime session options from the platform's thread options (defaults tuned for small models). */
export function sessionOptionsFor(threads: SessionThreadOptions): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads.intraOpNumThreads ?? 1,
    interOpNumThreads: threads.interOpNumThreads ?? 1,
    executionMode: threads.executionMode ?? "sequential",
    graphOptimizationLevel: "all",
  };
}
