import type { GraphQLError } from "graphql";
import {
  badUserInput,
  codedError,
  defineLoader,
  ErrorCode,
  modelRunRows,
  modelRunSeconds,
  withDeadline,
  withSpan,
  type LoaderRegistry,
  type LoaderSpec,
  type ReadinessCheck,
} from "@aisle/kit";
import type { ModelSpec, TensorSpec } from "./manifest.ts";
import { sessionOptionsFor, type ModelRegistry, type SessionThreadOptions } from "./model-registry.ts";
import { InThreadRunner, PoolRunner, type SessionRunner } from "./session-runner.ts";
import { rowWidth, selectRows, zeroTensor, type Feeds } from "./tensors.ts";

/**
 * How one model turns application rows into tensors and back (the LitServe-like contract; `setup` is
 * `BatchedModel.create`, `predictBatch` is the DataLoader batch function).
 */
export interface InferenceContract<Row, Result> {
  /**
   * Checks one row before encoding. Return a message for a bad row: that row alone fails with BAD_USER_INPUT,
   * the rest of the batch runs. Feeds are also checked after encoding (ids within `vocabularySize`, finite
   * floats), so this is for rules the tensors cannot show (an unknown category name, a missing field).
   */
  validate?(row: Row): string | undefined;
  /** Encodes rows (already validated) into feeds: one tensor per model input, axis 0 = row. */
  encode(rows: readonly Row[], spec: ModelSpec): Feeds;
  /** Decodes the outputs of a run of `count` rows into one result per row, in row order. */
  decode(outputs: Feeds, count: number, spec: ModelSpec): Result[];
}

export interface BatchedModelOptions {
  /** Most rows in one `session.run`; bigger batches are split. Default 512. */
  readonly maxBatchSize?: number;
  /** A run (queueing included) that takes longer fails its rows with TIMEOUT. Default 1000 ms. */
  readonly timeoutMs?: number;
  /** Worker threads running the model; 0 runs it in the calling thread. Default 0. */
  readonly workers?: number;
  /** Runs waiting for a worker beyond this fail at once with UNAVAILABLE. Default 64. Pool only. */
  readonly maxQueue?: number;
  /** onnxruntime thread options; defaults: 1 intra-op thread, 1 inter-op thread, sequential. */
  readonly threads?: SessionThreadOptions;
}

/** Counters of what a model did; tests assert batching with them. Warm-up and readiness runs are not counted. */
export interface InferenceStats {
  /** `session.run` calls. */
  readonly runs: number;
  /** Rows sent to `session.run`, summed over runs. */
  readonly rows: number;
  /** Rows refused before running (BAD_USER_INPUT). */
  readonly rejectedRows: number;
  /** Runs that failed with TIMEOUT. */
  readonly timeouts: number;
  /** Runs that failed otherwise (UNAVAILABLE). */
  readonly failures: number;
}

/** Anything holding a request's loaders: the kit's RequestContext. */
export interface HasLoaders {
  readonly loaders: LoaderRegistry;
}

/** Returns, per row, the first problem of its feeds: an id outside the vocabulary or a non-finite float. */
export function checkFeedRows(spec: ModelSpec, feeds: Feeds, count: number): (string | undefined)[] {
  const problems: (string | undefined)[] = new Array<string | undefined>(count).fill(undefined);
  for (const input of spec.inputs) {
    const tensor = feeds[input.name];
    if (tensor === undefined)
      throw new Error(`encode gave no tensor for input ${input.name} of ${spec.name}`);
    checkTensorShape(spec, input, tensor.dims, count);
    if (tensor.type !== input.dtype) {
      throw new Error(
        `encode gave ${tensor.type} for input ${input.name} of ${spec.name}; expected ${input.dtype}`,
      );
    }
    const width = rowWidth(tensor);
    const data = tensor.data;
    for (let r = 0; r < count; r += 1) {
      if (problems[r] !== undefined) continue;
      for (let j = r * width; j < (r + 1) * width; j += 1) {
        const v = Number(data[j]);
        if (input.dtype === "float32" || input.dtype === "float64") {
          if (!Number.isFinite(v)) {
            const feature = input.features?.[j - r * width] ?? `${input.name}[${j - r * width}]`;
            problems[r] = `feature ${feature} is not a finite number`;
            break;
          }
        } else if (input.vocabularySize !== undefined && (v < 0 || v >= input.vocabularySize)) {
          problems[r] =
            `${input.name} id ${v} is outside the model's vocabulary [0, ${input.vocabularySize})`;
          break;
        }
      }
    }
  }
  return problems;
}

function checkTensorShape(spec: ModelSpec, input: TensorSpec, dims: readonly number[], count: number): void {
  const ok =
    dims.length === input.shape.length &&
    dims[0] === count &&
    input.shape.every((d, i) => i === 0 || typeof d !== "number" || dims[i] === d);
  if (!ok) {
    throw new Error(
      `encode gave shape [${dims.join(", ")}] for input ${input.name} of ${spec.name}; expected [${input.shape.join(", ")}] with ${count} rows`,
    );
  }
}

/**
 * A model served in batches: calls made while one GraphQL request resolves are collected by a per-request
 * DataLoader (`load(context, row)`) into one tensor and one `session.run`, then split back per caller.
 * Create it at start with `BatchedModel.create` (loads, verifies against the manifest, warms with a dummy run).
 */
export class BatchedModel<Row, Result> {
  /** The per-request loader spec; `context.loaders.get(model.loader)` gives this request's DataLoader. */
  readonly loader: LoaderSpec<Row, Result>;
  readonly maxBatchSize: number;
  readonly timeoutMs: number;
  #stats = { runs: 0, rows: 0, rejectedRows: 0, timeouts: 0, failures: 0 };
  #closed = false;

  private constructor(
    readonly spec: ModelSpec,
    private readonly contract: InferenceContract<Row, Result>,
    private readonly runner: SessionRunner,
    options: BatchedModelOptions,
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 512;
    this.timeoutMs = options.timeoutMs ?? 1_000;
    this.loader = defineLoader<Row, Result>(`ml.${spec.name}`, (rows) => this.predictBatch(rows), {
      maxBatchSize: this.maxBatchSize,
    });
  }

  /**
   * `setup`: verifies the model against the manifest (file, sha256, input/output names and shapes), creates
   * the session (or the worker pool, each worker with its own session) and warms it with one dummy run.
   * Throws ModelLoadError at start when anything is wrong.
   */
  static async create<Row, Result>(
    registry: ModelRegistry,
    name: string,
    contract: InferenceContract<Row, Result>,
    options: BatchedModelOptions = {},
  ): Promise<BatchedModel<Row, Result>> {
    const threads = options.threads ?? {};
    const workers = options.workers ?? 0;
    const { spec, path, session } = await registry.open(name, threads);
    let runner: SessionRunner;
    if (workers > 0) {
      // The main-thread session served to verify the signature; the workers each load their own.
      await session.release();
      runner = new PoolRunner({
        path,
        workers,
        sessionOptions: sessionOptionsFor(threads),
        maxQueue: options.maxQueue ?? 64,
      });
    } else {
      runner = new InThreadRunner(session);
    }
    const model = new BatchedModel(spec, contract, runner, options);
    try {
      // One dummy run per worker, concurrently, so every worker has loaded and run its session.
      await Promise.all(Array.from({ length: Math.max(1, workers) }, () => model.warm()));
    } catch (error) {
      await runner.close();
      throw error;
    }
    return model;
  }

  get name(): string {
    return this.spec.name;
  }

  get version(): string {
    return this.spec.version;
  }

  /** "in-thread" or "worker-pool". */
  get mode(): SessionRunner["kind"] {
    return this.runner.kind;
  }

  get stats(): InferenceStats {
    return { ...this.#stats };
  }

  resetStats(): void {
    this.#stats = { runs: 0, rows: 0, rejectedRows: 0, timeouts: 0, failures: 0 };
  }

  /** One row through this request's DataLoader: batched with every other `load` of the same tick. */
  async load(context: HasLoaders, row: Row): Promise<Result> {
    const result = await context.loaders.get(this.loader).load(row);
    if (result === null) throw new Error(`Model ${this.name} returned no result for a row`);
    return result;
  }

  /** Several rows through this request's DataLoader; a bad row rejects the whole call (use `load` per row to isolate). */
  async loadMany(context: HasLoaders, rows: readonly Row[]): Promise<Result[]> {
    return Promise.all(rows.map((row) => this.load(context, row)));
  }

  /**
   * The batch function: one result per row, in row order. A bad row gets a BAD_USER_INPUT error of its own;
   * a failed or slow run gives its rows UNAVAILABLE or TIMEOUT. Never throws.
   */
  async predictBatch(rows: readonly Row[]): Promise<(Result | GraphQLError | Error)[]> {
    const results: (Result | GraphQLError | Error)[] = new Array(rows.length);
    const good: number[] = [];
    rows.forEach((row, i) => {
      const problem = this.#validate(row);
      if (problem === undefined) good.push(i);
      else {
        results[i] = badUserInput(`${this.name}: ${problem}`);
        this.#stats.rejectedRows += 1;
      }
    });
    for (let start = 0; start < good.length; start += this.maxBatchSize) {
      const chunk = good.slice(start, start + this.maxBatchSize);
      const chunkResults = await this.#runChunk(chunk.map((i) => rows[i] as Row));
      chunk.forEach((rowIndex, k) => (results[rowIndex] = chunkResults[k] as Result | Error));
    }
    return results;
  }

  #validate(row: Row): string | undefined {
    try {
      return this.contract.validate?.(row);
    } catch (error) {
      return (error as Error).message;
    }
  }

  async #runChunk(rows: readonly Row[]): Promise<(Result | Error)[]> {
    const results: (Result | Error)[] = new Array(rows.length);
    let feeds: Feeds;
    let problems: (string | undefined)[];
    try {
      feeds = this.contract.encode(rows, this.spec);
      problems = checkFeedRows(this.spec, feeds, rows.length);
    } catch {
      return this.#runRowsEncodedAlone(rows);
    }
    const keep: number[] = [];
    problems.forEach((problem, i) => {
      if (problem === undefined) keep.push(i);
      else {
        results[i] = badUserInput(`${this.name}: ${problem}`);
        this.#stats.rejectedRows += 1;
      }
    });
    if (keep.length === 0) return results;
    if (keep.length < rows.length) {
      const compact: Record<string, Feeds[string]> = {};
      for (const [name, tensor] of Object.entries(feeds)) compact[name] = selectRows(tensor, keep);
      feeds = compact;
    }
    let decoded: Result[];
    try {
      const outputs = await this.#run(feeds, keep.length);
      try {
        decoded = this.contract.decode(outputs, keep.length, this.spec);
      } catch (error) {
        throw codedError(
          ErrorCode.INTERNAL_SERVER_ERROR,
          `Model ${this.name}: decode failed: ${(error as Error).message}`,
        );
      }
      if (decoded.length !== keep.length) {
        throw codedError(
          ErrorCode.INTERNAL_SERVER_ERROR,
          `Model ${this.name}: decode returned ${decoded.length} results for ${keep.length} rows`,
        );
      }
    } catch (error) {
      const failure =
        error instanceof Error && "extensions" in error
          ? error
          : codedError(ErrorCode.UNAVAILABLE, `Model ${this.name} failed: ${(error as Error).message}`);
      keep.forEach((i) => (results[i] = failure));
      return results;
    }
    keep.forEach((i, k) => (results[i] = decoded[k] as Result));
    return results;
  }

  /**
   * `encode` threw for the batch: find the rows it throws for by encoding each alone (they fail with
   * BAD_USER_INPUT carrying encode's message), then run the others together.
   */
  async #runRowsEncodedAlone(rows: readonly Row[]): Promise<(Result | Error)[]> {
    const results: (Result | Error)[] = new Array(rows.length);
    const good: number[] = [];
    rows.forEach((row, i) => {
      try {
        this.contract.encode([row], this.spec);
        good.push(i);
      } catch (error) {
        results[i] = badUserInput(`${this.name}: ${(error as Error).message}`);
        this.#stats.rejectedRows += 1;
      }
    });
    if (good.length === rows.length) {
      // Every row encodes alone but not together: a bug in encode, not bad input.
      return results.fill(codedError(ErrorCode.INTERNAL_SERVER_ERROR, `Model ${this.name}: encode failed`));
    }
    if (good.length > 0) {
      const goodResults = await this.#runChunk(good.map((i) => rows[i] as Row));
      good.forEach((rowIndex, k) => (results[rowIndex] = goodResults[k] as Result | Error));
    }
    return results;
  }

  async #run(feeds: Feeds, count: number): Promise<Feeds> {
    if (this.#closed) throw codedError(ErrorCode.UNAVAILABLE, `Model ${this.name} is shut down`);
    this.#stats.runs += 1;
    this.#stats.rows += count;
    const started = performance.now();
    let outcome = "error";
    try {
      const outputs = await withSpan(
        `model.run ${this.name}`,
        { "aisle.model": this.name, "aisle.model.batch_size": count },
        () =>
          withDeadline(this.runner.run(feeds), this.timeoutMs, () =>
            codedError(ErrorCode.TIMEOUT, `Model ${this.name} did not answer within ${this.timeoutMs} ms`),
          ),
      );
      outcome = "ok";
      return outputs;
    } catch (error) {
      if ((error as GraphQLError).extensions?.["code"] === ErrorCode.TIMEOUT) this.#stats.timeouts += 1;
      else this.#stats.failures += 1;
      throw error;
    } finally {
      modelRunRows.observe({ model: this.name }, count);
      modelRunSeconds.observe({ model: this.name, outcome }, (performance.now() - started) / 1000);
    }
  }

  /** A run of one zero row, outside the counters: warm-up and readiness. */
  async warm(): Promise<void> {
    const feeds: Record<string, Feeds[string]> = {};
    for (const input of this.spec.inputs) feeds[input.name] = zeroTensor(input.dtype, input.shape, 1);
    const outputs = await withDeadline(this.runner.run(feeds), Math.max(this.timeoutMs, 30_000), () =>
      codedError(ErrorCode.TIMEOUT, `Model ${this.name} warm-up timed out`),
    );
    for (const output of this.spec.outputs) {
      if (outputs[output.name] === undefined)
        throw new Error(`Model ${this.name} gave no output ${output.name}`);
    }
  }

  /** Ready when the model answers a dummy run; named `model:<name>`. */
  readiness(): ReadinessCheck {
    return {
      name: `model:${this.name}`,
      check: async () => {
        if (this.#closed) return false;
        await this.warm();
        return true;
      },
    };
  }

  /** Releases the session or stops the worker pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.runner.close();
  }
}
