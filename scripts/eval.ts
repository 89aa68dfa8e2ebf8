import { join } from "node:path";
import { MODELS_DIR, modelNames, PYTHON, PYTHON_ENV, requirePython, run } from "./models.ts";

const USAGE = `usage: npm run eval -- <model> --data <dir> [more args for eval.py]

Runs /usr/bin/python3 models/<model>/eval.py --data <dir> [...] (e.g. a real dataset under
/work/shared/datasets/<name>/, read in place). Every argument after the model is passed through.`;

async function main(): Promise<void> {
  const [model, ...rest] = process.argv.slice(2);
  const known = await modelNames("eval.py");
  if (model === undefined || model.startsWith("-"))
    throw new Error(`${USAGE}\n\nmodels with eval.py: ${known.join(", ")}`);
  if (!known.includes(model)) {
    throw new Error(`No models/${model}/eval.py (models with eval.py: ${known.join(", ") || "none"})`);
  }
  if (!rest.includes("--data")) throw new Error(`--data <dir> is required\n\n${USAGE}`);
  requirePython();
  await run(PYTHON, [join(MODELS_DIR, model, "eval.py"), ...rest], PYTHON_ENV);
}

main().catch((error: unknown) => {
  process.stderr.write(`eval: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
