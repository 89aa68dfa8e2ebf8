import { describe, expect, it } from "vitest";
import { collectManifest, modelNames, requirePython } from "./models.ts";
import { readManifest } from "@aisle/ml";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODELS_DIR } from "./models.ts";

describe("model pipeline plumbing", () => {
  it("names the packages to install when python lacks a module", () => {
    expect(() => requirePython(["json", "aisle_no_such_module"])).toThrow(
      /cannot import aisle_no_such_module[\s\S]*apt-get install -y python3-torch python3-onnx/,
    );
  });

  it("finds the trainable models", async () => {
    expect(await modelNames("train.py")).toContain("platform-test");
  });

  it("keeps the committed manifest in step with the model.json files", async () => {
    const before = await readManifest(join(MODELS_DIR, "manifest.json"));
    const { manifest } = await collectManifest();
    expect(manifest.models.find((m) => m.name === "platform-test")).toEqual(
      before.models.find((m) => m.name === "platform-test"),
    );
  });

  it("builds the manifest of another registry folder (npm run train --out), checking its checksums", async () => {
    const registry = await mkdtemp(join(tmpdir(), "aisle-registry-test-"));
    try {
      await cp(join(MODELS_DIR, "platform-test"), join(registry, "platform-test"), { recursive: true });
      await cp(join(MODELS_DIR, "platform-test"), join(registry, "broken"), { recursive: true });
      await writeFile(join(registry, "broken", "model.json"), '{"name": "broken"}');
      const { manifest, problems } = await collectManifest(registry);
      expect(manifest.models.map((m) => m.name)).toEqual(["platform-test"]);
      expect(problems).toEqual([expect.stringMatching(/^broken: .*model\.json is invalid/)]);
    } finally {
      await rm(registry, { recursive: true, force: true });
    }
  });
});
