import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runGatewayBench, runGatewayStabilityBench } from "./gateway.bench.ts";
import { runSearchBench } from "./search.bench.ts";
import { runPlatformBench } from "./platform.bench.ts";
import { runPaymentRiskBench } from "./payment-risk.bench.ts";
import { runLogisticsBench } from "./logistics.bench.ts";
import { runPricingBench } from "./pricing.bench.ts";
import { runRecommendationBench } from "./recommendation.bench.ts";
import { runLifecycleBench } from "./product-lifecycle.bench.ts";
import { runPagesBench } from "./pages.bench.ts";
import { runScaleBench } from "./scale.bench.ts";
import { runSemiSpaceBench } from "./semi-space.bench.ts";
import { repoRoot } from "./lib/processes.ts";

/**
 * `npm run bench [-- --suite gateway --duration 10 --connections 10 --rounds 3 --soak 120]`
 * (`--suite semi-space` also takes `--semi-space default,16,32,64` and `--merging on|off`). Prints figures
 * and ratios, and writes them to bench/results/<suite>.json. Ratios of targets run side by side are what to compare
 * across machines; absolute figures depend on the box.
 */
const { values } = parseArgs({
  options: {
    suite: { type: "string", default: "all" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    soak: { type: "string", default: "120" },
    // --suite semi-space: the arms' --max-semi-space-size in MB ("default": no flag), and the gateway's merging.
    "semi-space": { type: "string", default: "default,16,32,64" },
    merging: { type: "string", default: "on" },
  },
});
const settings = {
  durationSeconds: Number(values.duration),
  connections: Number(values.connections),
  rounds: Number(values.rounds),
};
const suites: Record<string, () => Promise<unknown>> = {
  gateway: () => runGatewayBench(settings),
  "gateway-stability": () => runGatewayStabilityBench({ ...settings, soakSeconds: Number(values.soak) }),
  search: () => runSearchBench(settings),
  platform: () => runPlatformBench(),
  "payment-risk": () => runPaymentRiskBench(settings),
  logistics: () => runLogisticsBench(settings),
  pricing: () => runPricingBench(settings),
  recommendation: () => runRecommendationBench(settings),
  pages: () => runPagesBench(settings),
  "pages-processes": () => runPagesBench({ ...settings, processes: true }),
  scale: () => runScaleBench(),
  lifecycle: () => runLifecycleBench({ rounds: Math.max(settings.rounds, 10) }),
  "semi-space": () =>
    runSemiSpaceBench({
      ...settings,
      semiSpaces: values["semi-space"].split(","),
      merging: values.merging === "off" ? "off" : "on",
    }),
};
const chosen = values.suite === "all" ? Object.keys(suites) : [values.suite];
const resultsDir = join(repoRoot, "bench/results");
await mkdir(resultsDir, { recursive: true });
for (const name of chosen) {
  const suite = suites[name];
  if (suite === undefined)
    throw new Error(`Unknown suite ${name}; choose one of ${Object.keys(suites).join(", ")} or all`);
  process.stderr.write(`bench ${name}: ${JSON.stringify(settings)}\n`);
  const result = await suite();
  const record = {
    suite: name,
    at: new Date().toISOString(),
    node: process.version,
    cpus: (await import("node:os")).cpus().length,
    result,
  };
  await writeFile(join(resultsDir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
}
