// Checks that onnxruntime-node (what the subgraphs run) gives the outputs torch gave on a sample.
// Usage: node models/common/parity.mjs <model.onnx> <parity.json>. Called by models/common/export.py.
import { readFile } from "node:fs/promises";
import { InferenceSession, Tensor } from "onnxruntime-node";

const [onnxPath, parityPath] = process.argv.slice(2);
if (onnxPath === undefined || parityPath === undefined) {
  console.error("usage: node models/common/parity.mjs <model.onnx> <parity.json>");
  process.exit(2);
}
const parity = JSON.parse(await readFile(parityPath, "utf8"));
const arrays = {
  float32: (d) => Float32Array.from(d),
  float64: (d) => Float64Array.from(d),
  int32: (d) => Int32Array.from(d),
  int64: (d) => BigInt64Array.from(d.map((v) => BigInt(v))),
  bool: (d) => Uint8Array.from(d.map((v) => (v ? 1 : 0))),
};
const session = await InferenceSession.create(onnxPath);
const feeds = {};
for (const [name, t] of Object.entries(parity.inputs))
  feeds[name] = new Tensor(t.dtype, arrays[t.dtype](t.data), t.dims);
const outputs = await session.run(feeds);
let worst = 0;
const problems = [];
for (const [name, t] of Object.entries(parity.outputs)) {
  const got = outputs[name];
  if (got === undefined) {
    problems.push(`output ${name} missing`);
    continue;
  }
  if (got.dims.join(",") !== t.dims.join(","))
    problems.push(`output ${name} dims ${got.dims} vs torch ${t.dims}`);
  t.data.forEach((v, i) => {
    const diff = Math.abs(Number(got.data[i]) - Number(v));
    if (!(diff <= worst)) worst = Number.isNaN(diff) ? Infinity : diff;
  });
}
if (worst > parity.tolerance) problems.push(`max abs difference ${worst} > tolerance ${parity.tolerance}`);
const rows = Object.values(parity.inputs)[0]?.dims[0];
if (problems.length > 0) {
  console.log(`FAILED on ${rows} rows: ${problems.join("; ")}`);
  process.exit(1);
}
console.log(`onnxruntime matches torch on ${rows} rows (max abs difference ${worst.toExponential(2)})`);
