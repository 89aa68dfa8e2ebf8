import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pageBodies, startSubgraphs, throwawayPublicKeyFile, type PageName } from "./gateway.bench.ts";
import { assertAnswers, load } from "./lib/load.ts";
import { freePort, repoRoot, startProcess, tsxNode, type ServerProcess } from "./lib/processes.ts";

/**
 * `npx tsx --conditions=aisle-source bench/profile-gateway.ts [--page plain|delivery --seconds 20
 * --connections 10 --merging off --out bench/results/gateway.cpuprofile]`: a CPU profile (`node --cpu-prof`)
 * of our gateway, in its own process, under a page of the gateway bench (the plain 20-product listing or the
 * 24-product delivery listing), against the catalog, pricing and logistics subgraphs in their own processes. Prints self time by where the code lives (package or Aisle folder) and the hottest
 * functions; the .cpuprofile opens in Chrome DevTools or speedscope.
 */
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    connections: { type: "string", default: "10" },
    merging: { type: "string", default: "off" },
    page: { type: "string", default: "plain" },
    out: { type: "string", default: join(repoRoot, "bench/results/gateway.cpuprofile") },
  },
});

const SECRET = "bench-internal-secret-0123456789";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a frame's code lives: an npm package, an Aisle folder, Node itself, or V8's pseudo-frames. */
function placeOf(url: string, functionName: string): string {
  if (url === "") return `(${functionName || "anonymous"})`.replace(/^\(\((.*)\)\)$/, "($1)");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg !== null) return pkg[1]!;
  if (url.startsWith("node:")) return "node internals";
  const own = /\/work\/[^/]+\/((?:gateway|subgraphs\/[^/]+|scripts|bench)\/src|[^/]+)\//.exec(url);
  return own !== null ? `aisle ${own[1]}` : url;
}

function summarise(profile: Profile): string {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const time = self.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const place = placeOf(url, functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + time);
    const fn = `${functionName || "(anonymous)"} ${place}${url === "" ? "" : `:${lineNumber + 1}`}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + time);
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1)} %`;
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, t]) => `  ${pct(t).padStart(7)}  ${k}`)
      .join("\n");
  return `self time by place (${(total / 1e6).toFixed(1)} s sampled)\n${top(byPlace, 25)}\n\nhottest functions\n${top(byFunction, 30)}\n`;
}

const started: ServerProcess[] = [];
try {
  const dir = await mkdtemp(join(tmpdir(), "aisle-profile-"));
  const { supergraphPath } = await startSubgraphs(dir, started);
  const port = await freePort();
  const node = tsxNode("gateway/src/main.ts");
  const gateway = await startProcess({
    name: "gateway",
    command: node.command,
    args: ["--cpu-prof", "--cpu-prof-dir", dir, ...node.args],
    env: {
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      AISLE_INTERNAL_SECRET: SECRET,
      HOST: "127.0.0.1",
      PORT: String(port),
      SUPERGRAPH_PATH: supergraphPath,
      AUTH_PUBLIC_KEY_FILE: await throwawayPublicKeyFile(dir),
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000000",
      SUBGRAPH_MERGE_INFLIGHT: values.merging === "on" ? "true" : "false",
    },
    url: `http://127.0.0.1:${port}/graphql`,
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  });
  started.push(gateway);
  const body = pageBodies()[values.page as PageName];
  await assertAnswers(gateway.url, body);
  const settings = { connections: Number(values.connections), durationSeconds: Number(values.seconds) };
  const result = await load("gateway", gateway.url, body, settings);
  process.stderr.write(
    `${result.requestsPerSecond} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms\n`,
  );
  await gateway.stop(); // the profile is written as the process exits
  started.pop();
  const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error(`no .cpuprofile written in ${dir}`);
  const text = await readFile(join(dir, file), "utf8");
  await writeFile(values.out, text);
  process.stdout.write(`${summarise(JSON.parse(text) as Profile)}\nprofile: ${values.out}\n`);
} finally {
  await Promise.all(started.map((s) => s.stop()));
}
