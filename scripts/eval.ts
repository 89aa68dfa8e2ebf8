import { join } from "node:path";
import { existsSync } from "node:fs";
import { MODELS_DIR, modelNames, PYTHON, PYTHON_ENV, requirePython, run, TSX } from "./models.ts";

const USAGE = `usage: npm run eval -- <model> --data <dir> [more args for the evaluator]

Runs models/<model>/eval.ts with tsx when the model has one (its evaluation uses the serving code, e.g.
search), else /usr/bin/python3 models/<model>/eval.py --data <dir> [...] (e.g. a real dataset under
/work/shared/datasets/<name>/, read in place). Every argument after the model is passed through.`;

async function main(): Promise<void> {
  const [model, ...rest] = process.argv.slice(2);
  const known = await modelNames("eval.py", "eval.ts");
  if (model === undefined || model.startsWith("-"))
    throw new Error(`${USAGE}\n\nmodels with an evaluator: ${known.join(", ")}`);
  if (!known.includes(model)) {
    throw new Error(`No models/${model}/eval.ts or eval.py (models with one: ${known.join(", ") || "none"})`);
  }
  if (!rest.includes("--data")) throw new Error(`--data <dir> is required\n\n${USAGE}`);
  const tsEvaluator = join(MODELS_DIR, model, "eval.ts");
  if (existsSync(tsEvaluator)) {
    await run(TSX, ["--conditions=aisle-source", tsEvaluator, ...rest]);
    return;
  }
  requirePython();
  await run(PYTHON, [join(MODELS_DIR, model, "eval.py"), ...rest], PYTHON_ENV);
}

main().catch((error: unknown) => {
  process.stderr.write(`eval: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
