import { Tensor, type InferenceSession } from "onnxruntime-node";
import { Piscina } from "piscina";
import type { Feeds, TensorData } from "./tensors.ts";

/** Runs a model on plain tensors: in this thread, or in a pool of worker threads. */
export interface SessionRunner {
  readonly kind: "in-thread" | "worker-pool";
  run(feeds: Feeds): Promise<Feeds>;
  close(): Promise<void>;
}

function toOrt(feeds: Feeds): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) inputs[name] = new Tensor(t.type, t.data, t.dims);
  return inputs;
}

function fromOrt(outputs: InferenceSession.ReturnType): Feeds {
  const result: Record<string, TensorData> = {};
  for (const [name, t] of Object.entries(outputs)) {
    result[name] = {
      type: t.type as TensorData["type"],
      data: t.data as TensorData["data"],
      dims: [...t.dims],
    };
  }
  return result;
}

/** `session.run` in the calling thread: cheapest per call, but it blocks the event loop while it runs. */
export class InThreadRunner implements SessionRunner {
  readonly kind = "in-thread";

  constructor(private readonly session: InferenceSession) {}

  async run(feeds: Feeds): Promise<Feeds> {
    return fromOrt(await this.session.run(toOrt(feeds)));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export interface PoolRunnerOptions {
  readonly path: string;
  readonly workers: number;
  readonly sessionOptions: InferenceSession.SessionOptions;
  /** Runs waiting for a worker beyond this are refused at once (UNAVAILABLE) instead of queueing forever. */
  readonly maxQueue: number;
}

/**
 * `session.run` in a piscina pool of worker threads, each with its own session, so the event loop stays free.
 * Feeds' buffers are transferred to the worker (the caller must not reuse them) and outputs transferred back.
 */
export class PoolRunner implements SessionRunner {
  readonly kind = "worker-pool";
  readonly #pool: Piscina;

  constructor(options: PoolRunnerOptions) {
    this.#pool = new Piscina({
      filename: new URL("./session.worker.mjs", import.meta.url).href,
      name: "run",
      minThreads: options.workers,
      maxThreads: options.workers,
      idleTimeout: Number.POSITIVE_INFINITY,
      maxQueue: options.maxQueue,
      workerData: { path: options.path, sessionOptions: options.sessionOptions },
    });
  }

  get threads(): number {
    return this.#pool.threads.length;
  }

  run(feeds: Feeds): Promise<Feeds> {
    const transferList = [...new Set(Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer))];
    return this.#pool.run({ feeds }, { transferList }) as Promise<Feeds>;
  }

  async close(): Promise<void> {
    await this.#pool.close({ force: true });
  }
}
