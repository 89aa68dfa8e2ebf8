import { mkdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { parse, printSchema } from "graphql";
import { contractSchema } from "@aisle/gateway";
import { createLogger, PARTNER_TAG } from "@aisle/kit";
import { nonNullForeignFieldProblems } from "./foreign-fields.ts";
import { undocumentedElements } from "./schema-docs.ts";
import { SUBGRAPHS } from "./subgraphs.ts";

const schemaDir = fileURLToPath(new URL("../schema/", import.meta.url));
const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });
const log = createLogger("compose", "silent");

/** Each subgraph's SDL, printed from the schema it actually serves. */
async function subgraphSdls(): Promise<{ name: string; url: string; sdl: string }[]> {
  const out = [];
  for (const definition of SUBGRAPHS) {
    const parts = await definition.create({ env: { ...process.env, NODE_ENV: "development" }, log });
    out.push({
      name: definition.name,
      url: `http://localhost:${definition.defaultPort}/graphql`,
      sdl: printSubgraphSchema(parts.schema),
    });
    await parts.close?.();
  }
  return out;
}

const subgraphs = await subgraphSdls();
const composed = composeServices(
  subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
);
if (composed.errors !== undefined) {
  process.stderr.write(`Composition failed:\n${composed.errors.map((e) => `  - ${e.message}`).join("\n")}\n`);
  process.exit(1);
}
const apiSchema = composed.schema.toAPISchema().toGraphQLJSSchema();
const files = new Map<string, string>([
  ...subgraphs.map((s) => [`${s.name}.graphql`, `${s.sdl.trim()}\n`] as const),
  ["supergraph.graphql", `${composed.supergraphSdl.trim()}\n`],
  ["api.graphql", `${printSchema(apiSchema).trim()}\n`],
  // The partner contract: the API filtered to @tag(name: "partner"); the gateway enforces the same filter.
  [
    "partner.graphql",
    `${printSchema(contractSchema(apiSchema, composed.supergraphSdl, PARTNER_TAG)).trim()}\n`,
  ],
]);

const problems: string[] = [
  ...undocumentedElements(apiSchema).map((name) => `${name} has no description`),
  ...nonNullForeignFieldProblems(subgraphs),
];
if (values.check) {
  for (const [file, content] of files) {
    const committed = await readFile(`${schemaDir}${file}`, "utf8").catch(() => "");
    if (committed !== content)
      problems.push(`schema/${file} is stale: run \`npm run compose\` and commit it`);
  }
} else {
  await mkdir(schemaDir, { recursive: true });
  for (const [file, content] of files) await writeFile(`${schemaDir}${file}`, content);
  process.stdout.write(`Wrote ${[...files.keys()].map((f) => `schema/${f}`).join(", ")}\n`);
}
if (problems.length > 0) {
  process.stderr.write(`${problems.join("\n")}\n`);
  process.exit(1);
}
if (values.check) process.stdout.write("Schema files are up to date and fully documented.\n");
