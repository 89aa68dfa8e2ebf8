// Worker-thread side of BatchedModel's pool (`workers > 0`), run by piscina. Plain JavaScript on purpose: a
// worker thread is loaded by Node itself, outside tsx/vitest transforms, so it must not need compiling.
// One session per worker, created when the worker starts; feeds arrive with their buffers transferred, and
// outputs go back the same way.
import { InferenceSession, Tensor } from "onnxruntime-node";
import { move, transferableSymbol, valueSymbol, workerData } from "piscina";

const session = await InferenceSession.create(workerData.path, workerData.sessionOptions);

/**
 * Runs the model on plain tensors ({ type, data, dims } by input name) and returns the outputs as plain tensors.
 * @param {{ feeds: Record<string, { type: string, data: ArrayBufferView, dims: number[] }> }} task
 */
export async function run(task) {
  const inputs = {};
  for (const [name, t] of Object.entries(task.feeds)) inputs[name] = new Tensor(t.type, t.data, t.dims);
  const outputs = await session.run(inputs);
  const result = {};
  const transfer = [];
  for (const [name, t] of Object.entries(outputs)) {
    let data = t.data;
    // Transfer only a buffer the array owns entirely; a view into a shared buffer is copied first.
    if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
    result[name] = { type: t.type, data, dims: [...t.dims] };
    transfer.push(data.buffer);
  }
  return move({ [transferableSymbol]: transfer, [valueSymbol]: result });
}
