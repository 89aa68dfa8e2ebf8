/**
 * `npm run check:breaking [-- --base <rev>]`: compares schema/api.graphql and schema/partner.graphql with
 * their versions at `--base` (default `$SCHEMA_BASE_REF`, else HEAD~1: what the last commit changed; on a
 * branch, pass the merge base) and fails when a breaking change is not recorded in schema/CHANGELOG.md with
 * its deprecation period (see that file and scripts/breaking-changes.ts). A base that git does not have (a
 * shallow clone, the first commit) or a schema file new since then is reported and skipped, not failed.
 */
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  breakingChanges,
  parseChangelog,
  PUBLISHED_SCHEMAS,
  unrecordedChanges,
  type BreakingChange,
} from "./breaking-changes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: { base: { type: "string", default: process.env["SCHEMA_BASE_REF"] ?? "HEAD~1" } },
});
const base = values.base;

function git(...args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return undefined;
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);
if (git("rev-parse", "--verify", "--quiet", `${base}^{commit}`) === undefined) {
  const shallow = git("rev-parse", "--is-shallow-repository")?.trim() === "true";
  say(
    `Breaking-change check skipped: ${base} is not in this clone${shallow ? " (a shallow clone: fetch with --depth=2 or more)" : " (the first commit?)"}.`,
  );
  process.exit(0);
}

const changes: BreakingChange[] = [];
for (const schema of PUBLISHED_SCHEMAS) {
  const file = `schema/${schema}.graphql`;
  const before = git("show", `${base}:${file}`);
  if (before === undefined) {
    say(`${file}: not at ${base}, nothing to compare (a new schema)`);
    continue;
  }
  const now = await readFile(`${root}${file}`, "utf8");
  const found = await breakingChanges(schema, before, now);
  say(`${file}: ${found.length} breaking change(s) since ${base}`);
  changes.push(...found);
}

const changelog = parseChangelog(await readFile(`${root}schema/CHANGELOG.md`, "utf8").catch(() => ""));
const today = new Date().toISOString().slice(0, 10);
const problems = unrecordedChanges(changes, changelog, today);
for (const change of changes) say(`  - ${change.schema}: ${change.message}`);
if (problems.length > 0) {
  process.stderr.write(
    `Breaking changes without a changelog entry and deprecation period:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
      "Record each in schema/CHANGELOG.md (format at the top of the file), or make the change additive.\n",
  );
  process.exit(1);
}
say(
  changes.length === 0 ? "No breaking changes." : "Every breaking change is recorded in schema/CHANGELOG.md.",
);
