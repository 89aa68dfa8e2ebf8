import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as prettier from "prettier";
import { buildManifest, DEFAULT_MODELS_DIR, readModelSpec, type ModelManifest } from "@aisle/ml";

/** Shared by scripts/train.ts and scripts/eval.ts: where models live and how the python side is run. */
export const MODELS_DIR = DEFAULT_MODELS_DIR;
export const PYTHON = "/usr/bin/python3";
const REPO = join(MODELS_DIR, "..");

export const INSTALL_HINT =
  "apt-get install -y python3-torch python3-onnx python3-numpy python3-pandas python3-sklearn";

/**
 * Fails with a clear message when Debian's python or its ML packages are missing. (The `python3` first on
 * PATH may be another interpreter that does not see Debian's packages: always /usr/bin/python3.)
 */
export function requirePython(modules: readonly string[] = ["torch", "onnx", "numpy", "pandas"]): void {
  if (!existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing. Install Debian's python and ML packages:\n  ${INSTALL_HINT}`);
  }
  const probe = spawnSync(PYTHON, ["-c", `import ${modules.join(", ")}`], { encoding: "utf8" });
  if (probe.status !== 0) {
    const missing = /No module named '([^']+)'/.exec(probe.stderr)?.[1] ?? probe.stderr.trim();
    throw new Error(
      `${PYTHON} cannot import ${missing}. Install the packages (PyPI is not reachable):\n  ${INSTALL_HINT}`,
    );
  }
}

/** Model folders holding one of `scripts` (train.py; for eval, eval.py or eval.ts). */
export async function modelNames(...scripts: readonly string[]): Promise<string[]> {
  const entries = await readdir(MODELS_DIR, { withFileTypes: true });
  return entries
    .filter(
      (e) =>
        e.isDirectory() &&
        e.name !== "common" &&
        scripts.some((script) => existsSync(join(MODELS_DIR, e.name, script))),
    )
    .map((e) => e.name)
    .sort();
}

/** Runs a command with its output shown as it comes; rejects with the exit code. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO, stdio: "inherit", env: { ...process.env, ...env } });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** Environment for the python trainers: `from common import ...` works, output is not buffered. */
export const PYTHON_ENV: NodeJS.ProcessEnv = {
  PYTHONPATH: [MODELS_DIR, process.env["PYTHONPATH"]].filter(Boolean).join(":"),
  PYTHONUNBUFFERED: "1",
};

export const TSX = join(REPO, "node_modules/.bin/tsx");

/** Rewrites JSON files the python side wrote in the repository's prettier style. */
export async function prettifyJson(paths: readonly string[]): Promise<void> {
  const options = (await prettier.resolveConfig(join(REPO, "package.json"))) ?? {};
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const text = await readFile(path, "utf8");
    await writeFile(path, await prettier.format(text, { ...options, parser: "json", filepath: path }));
  }
}

/**
 * Rebuilds models/manifest.json from every models/<model>/model.json, checking each file's sha256 first.
 * Returns the manifest and the problems (a model.json whose .onnx is missing or differs is left out).
 */
export async function collectManifest(
  modelsDir: string = MODELS_DIR,
): Promise<{ manifest: ModelManifest; problems: string[] }> {
  const problems: string[] = [];
  const specs = [];
  for (const entry of await readdir(modelsDir, { withFileTypes: true })) {
    const specPath = join(modelsDir, entry.name, "model.json");
    if (!entry.isDirectory() || !existsSync(specPath)) continue;
    try {
      const spec = await readModelSpec(specPath);
      if (spec.name !== entry.name)
        throw new Error(`name ${spec.name} differs from its folder ${entry.name}`);
      const onnxPath = join(modelsDir, entry.name, spec.file);
      if (!existsSync(onnxPath)) throw new Error(`${spec.file} is missing`);
      const sha256 = createHash("sha256")
        .update(await readFile(onnxPath))
        .digest("hex");
      if (sha256 !== spec.sha256) throw new Error(`sha256 of ${spec.file} differs from model.json; retrain`);
      specs.push(spec);
    } catch (error) {
      problems.push(`${entry.name}: ${(error as Error).message}`);
    }
  }
  return { manifest: buildManifest(specs), problems };
}

/** Rebuilds and writes <modelsDir>/manifest.json (see collectManifest); default: the repository's models/. */
export async function refreshManifest(
  modelsDir: string = MODELS_DIR,
): Promise<{ manifest: ModelManifest; problems: string[] }> {
  const { manifest, problems } = await collectManifest(modelsDir);
  const path = join(modelsDir, "manifest.json");
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
  await prettifyJson([path]);
  return { manifest, problems };
}
