import { CriticalityLevel, diff } from "@graphql-inspector/core";
import { buildSchema } from "graphql";

/**
 * The published schemas whose clients a breaking change hurts, and the least notice each gets: the days between
 * announcing a breaking change (`Deprecated:`) and shipping it (`Breaks:`). Partners integrate on their own
 * release cycle, so the partner contract gets 30 days; the full API's clients are Aisle's own apps, released
 * with it, so its entries may say 0 days, but they must still be recorded.
 */
export const MIN_DEPRECATION_DAYS = { api: 0, partner: 30 } as const;
export type PublishedSchema = keyof typeof MIN_DEPRECATION_DAYS;
export const PUBLISHED_SCHEMAS = Object.keys(MIN_DEPRECATION_DAYS) as PublishedSchema[];

/** One breaking change inspector found, at a schema coordinate such as `Product.similar` or `Query.search.query`. */
export interface BreakingChange {
  readonly schema: PublishedSchema;
  readonly path: string;
  readonly type: string;
  readonly message: string;
}

/** One `## …` section of schema/CHANGELOG.md. */
export interface ChangelogEntry {
  readonly title: string;
  readonly schemas: readonly string[];
  readonly coordinates: readonly string[];
  /** YYYY-MM-DD, or undefined when the line is missing or not a date. */
  readonly deprecated: string | undefined;
  readonly breaks: string | undefined;
}

/** The breaking changes from `oldSdl` to `newSdl` (graphql-inspector's `Breaking` criticality). */
export async function breakingChanges(
  schema: PublishedSchema,
  oldSdl: string,
  newSdl: string,
): Promise<BreakingChange[]> {
  const changes = await diff(buildSchema(oldSdl), buildSchema(newSdl));
  return changes
    .filter((change) => change.criticality.level === CriticalityLevel.Breaking)
    .map((change) => ({
      schema,
      path: change.path ?? "",
      type: String(change.type),
      message: change.message,
    }));
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Reads schema/CHANGELOG.md: each `## title` section with `- Schemas:`, `- Coordinates:` (backticked),
 * `- Deprecated:` and `- Breaks:` lines (see the file's head for the format). Other text, and fenced code
 * blocks, are ignored.
 */
export function parseChangelog(markdown: string): ChangelogEntry[] {
  const entries: ChangelogEntry[] = [];
  // Fenced blocks (the format's example) are not entries.
  const sections = markdown
    .replace(/^```[\s\S]*?^```/gm, "")
    .split(/^## /m)
    .slice(1);
  for (const section of sections) {
    const [titleLine = "", ...lines] = section.split("\n");
    const field = (name: string): string | undefined => {
      const line = lines.find((l) => l.toLowerCase().startsWith(`- ${name.toLowerCase()}:`));
      return line?.slice(line.indexOf(":") + 1).trim();
    };
    const date = (name: string): string | undefined => {
      const value = field(name);
      return value !== undefined && DATE.test(value) && !Number.isNaN(Date.parse(value)) ? value : undefined;
    };
    entries.push({
      title: titleLine.trim(),
      schemas: (field("Schemas") ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
      coordinates: [...(field("Coordinates") ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ""),
      deprecated: date("Deprecated"),
      breaks: date("Breaks"),
    });
  }
  return entries;
}

/** True when `coordinate` names `path` or one of its parents (`Query.search` covers `Query.search.query`). */
function covers(coordinate: string, path: string): boolean {
  return path === coordinate || path.startsWith(`${coordinate}.`);
}

const DAY_MS = 86_400_000;

/**
 * What is wrong with shipping `changes` under `changelog` on `today` (YYYY-MM-DD): each breaking change needs an
 * entry naming its schema and coordinate (or a parent) with both dates, `Breaks` no earlier than `Deprecated`
 * plus the schema's minimum notice, and not later than today (it would ship before the date partners were
 * given). Returns one line per problem; empty when every change is recorded.
 */
export function unrecordedChanges(
  changes: readonly BreakingChange[],
  changelog: readonly ChangelogEntry[],
  today: string,
): string[] {
  const problems: string[] = [];
  for (const change of changes) {
    const where = `schema/${change.schema}.graphql: ${change.message} (${change.type} at ${change.path})`;
    const entry = changelog.find(
      (e) => e.schemas.includes(change.schema) && e.coordinates.some((c) => covers(c, change.path)),
    );
    if (entry === undefined) {
      problems.push(
        `${where}: no entry in schema/CHANGELOG.md names \`${change.path}\` for ${change.schema}`,
      );
      continue;
    }
    if (entry.deprecated === undefined || entry.breaks === undefined) {
      problems.push(`${where}: the entry "${entry.title}" needs Deprecated: and Breaks: dates (YYYY-MM-DD)`);
      continue;
    }
    const noticeDays = (Date.parse(entry.breaks) - Date.parse(entry.deprecated)) / DAY_MS;
    const minimum = MIN_DEPRECATION_DAYS[change.schema];
    if (noticeDays < minimum) {
      problems.push(
        `${where}: the entry "${entry.title}" gives ${noticeDays} days of notice; ${change.schema} needs at least ${minimum}`,
      );
    } else if (entry.breaks > today) {
      problems.push(
        `${where}: the entry "${entry.title}" says it breaks on ${entry.breaks}, after today (${today})`,
      );
    }
  }
  return problems;
}
