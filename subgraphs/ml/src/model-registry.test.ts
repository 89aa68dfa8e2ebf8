import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BatchedModel } from "./batched-model.ts";
import { DEFAULT_MODELS_DIR, readManifest, type ModelManifest, type ModelSpec } from "./manifest.ts";
import { ModelLoadError, ModelRegistry } from "./model-registry.ts";
import { platformTestContract } from "./platform-test.model.ts";

const NAME = "platform-test";
let dir: string;
let real: ModelSpec;

/** A models folder holding a copy of the real model and a manifest edited by the test. */
async function registryWith(edit: (spec: ModelSpec) => ModelSpec, copyModel = true): Promise<ModelRegistry> {
  if (copyModel) {
    await copyFile(join(DEFAULT_MODELS_DIR, real.file), join(dir, "platform-test.onnx"));
  }
  const manifest: ModelManifest = {
    formatVersion: 1,
    models: [edit({ ...real, file: "platform-test.onnx" })],
  };
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  return ModelRegistry.load({ modelsDir: dir });
}

async function failure(registry: ModelRegistry): Promise<ModelLoadError> {
  const error: unknown = await BatchedModel.create(registry, NAME, platformTestContract).then(
    async (model) => {
      await model.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelLoadError);
  return error as ModelLoadError;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aisle-ml-registry-"));
  const manifest = await readManifest(join(DEFAULT_MODELS_DIR, "manifest.json"));
  real = manifest.models.find((m) => m.name === NAME)!;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ModelRegistry", () => {
  it("loads the committed manifest and a model that matches it", async () => {
    const registry = await ModelRegistry.load();
    expect(registry.names).toContain(NAME);
    const model = await BatchedModel.create(registry, NAME, platformTestContract);
    expect(model.version).toBe(real.version);
    await model.close();
  });

  it("fails at start on a model the manifest does not list", async () => {
    const registry = await registryWith((s) => s);
    await expect(BatchedModel.create(registry, "no-such-model", platformTestContract)).rejects.toThrow(
      /Model no-such-model: not in the manifest \(known: platform-test\)/,
    );
  });

  it("fails at start on a missing file, naming the model and the file", async () => {
    const error = await failure(await registryWith((s) => s, false));
    expect(error.model).toBe(NAME);
    expect(error.message).toMatch(/^Model platform-test: file .*platform-test\.onnx is missing/);
  });

  it("fails at start on a checksum mismatch", async () => {
    const error = await failure(await registryWith((s) => ({ ...s, sha256: "0".repeat(64) })));
    expect(error.message).toMatch(
      /Model platform-test: checksum mismatch .* manifest 0{64}, file [0-9a-f]{64}/,
    );
  });

  it("fails at start when an input name differs from the model's", async () => {
    const error = await failure(
      await registryWith((s) => ({
        ...s,
        inputs: s.inputs.map((i) => (i.name === "features" ? { ...i, name: "dense" } : i)),
      })),
    );
    expect(error.problem).toBe(
      "input names differ from the manifest: manifest [dense, category_id], model [features, category_id]",
    );
  });

  it("fails at start when an output name differs", async () => {
    const error = await failure(
      await registryWith((s) => ({ ...s, outputs: s.outputs.map((o) => ({ ...o, name: `${o.name}_x` })) })),
    );
    expect(error.problem).toMatch(/^output names differ from the manifest/);
  });

  it("fails at start when a shape or dtype differs", async () => {
    const error = await failure(
      await registryWith((s) => ({
        ...s,
        inputs: s.inputs.map((i) =>
          i.name === "features" ? { ...i, shape: ["batch", 7] } : { ...i, dtype: "int32" as const },
        ),
      })),
    );
    expect(error.problem).toContain(
      "input features has shape [batch, 6] in the model, [batch, 7] in the manifest",
    );
    expect(error.problem).toContain("input category_id has dtype int64 in the model, int32 in the manifest");
  });

  it("fails at start when the manifest claims a fixed batch axis the model leaves dynamic", async () => {
    const error = await failure(
      await registryWith((s) => ({ ...s, outputs: s.outputs.map((o) => ({ ...o, shape: [8, 3] })) })),
    );
    expect(error.problem).toMatch(
      /output logits has shape \[batch, 3\] in the model, \[8, 3\] in the manifest/,
    );
  });

  it("refuses an invalid manifest with a message naming the file", async () => {
    await writeFile(
      join(dir, "manifest.json"),
      JSON.stringify({ formatVersion: 1, models: [{ name: "x" }] }),
    );
    await expect(ModelRegistry.load({ modelsDir: dir })).rejects.toThrow(
      /manifest\.json is invalid: models\.0\./,
    );
  });
});
