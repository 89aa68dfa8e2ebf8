import { describe, expect, it } from "vitest";
import { collectManifest, modelNames, requirePython } from "./models.ts";
import { readManifest } from "@aisle/ml";
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
});
