import { describe, expect, it } from "vitest";
import { breakingChanges, parseChangelog, unrecordedChanges } from "./breaking-changes.ts";

const BEFORE = `
  type Query { product(id: ID!): Product search(query: String!): [Product!]! }
  type Product { id: ID! similar: [Product!]! legacy: String }
`;
const AFTER = `
  type Query { product(id: ID!): Product search(query: String!, first: Int!): [Product!]! }
  type Product { id: ID! similar: [Product!] }
`;

const entry = (schemas: string, coordinates: string, deprecated: string, breaks: string) => `
## ${breaks}: an entry

- Schemas: ${schemas}
- Coordinates: ${coordinates}
- Deprecated: ${deprecated}
- Breaks: ${breaks}

Free text, ignored.
`;

describe("breakingChanges", () => {
  it("finds a removed field, a nullable output and a new required argument, and nothing additive", async () => {
    const changes = await breakingChanges("partner", BEFORE, AFTER);
    expect(changes.map((c) => `${c.type} ${c.path}`).sort()).toEqual([
      "FIELD_ARGUMENT_ADDED Query.search.first",
      "FIELD_REMOVED Product.legacy",
      "FIELD_TYPE_CHANGED Product.similar",
    ]);
    expect(await breakingChanges("api", BEFORE, `${BEFORE} type Extra { id: ID }`)).toEqual([]);
  });
});

describe("parseChangelog", () => {
  it("reads schemas, backticked coordinates and dates; a malformed date is missing", () => {
    const [first, second] = parseChangelog(
      `# Head\n${entry("api, partner", "`Product.similar`, `Query.search`", "2026-10-01", "2026-11-01")}` +
        entry("api", "`Product.legacy`", "2026-13-45", "soon"),
    );
    expect(first).toEqual({
      title: "2026-11-01: an entry",
      schemas: ["api", "partner"],
      coordinates: ["Product.similar", "Query.search"],
      deprecated: "2026-10-01",
      breaks: "2026-11-01",
    });
    expect(second?.deprecated).toBeUndefined();
    expect(second?.breaks).toBeUndefined();
  });
});

describe("unrecordedChanges", () => {
  const today = "2026-12-02";
  const change = (schema: "api" | "partner", path: string) => ({
    schema,
    path,
    type: "FIELD_REMOVED",
    message: `${path} was removed`,
  });

  it("fails a breaking change that no entry names, or that an entry names for the other schema", () => {
    const changelog = parseChangelog(entry("api", "`Product.similar`", "2026-10-01", "2026-11-01"));
    expect(unrecordedChanges([change("api", "Product.legacy")], changelog, today)).toHaveLength(1);
    expect(unrecordedChanges([change("partner", "Product.similar")], changelog, today)[0]).toMatch(
      /no entry .* names `Product.similar` for partner/,
    );
    expect(unrecordedChanges([change("api", "Product.similar")], changelog, today)).toEqual([]);
  });

  it("lets a coordinate cover its children but not a sibling with the same prefix", () => {
    const changelog = parseChangelog(entry("api", "`Query.search`", "2026-10-01", "2026-11-01"));
    expect(unrecordedChanges([change("api", "Query.search.first")], changelog, today)).toEqual([]);
    expect(unrecordedChanges([change("api", "Query.searchAll")], changelog, today)).toHaveLength(1);
  });

  it("holds the partner contract to 30 days of notice and the API to recorded dates", () => {
    const short = parseChangelog(entry("api, partner", "`Product.legacy`", "2026-11-10", "2026-12-01"));
    expect(unrecordedChanges([change("partner", "Product.legacy")], short, today)[0]).toMatch(
      /gives 21 days of notice; partner needs at least 30/,
    );
    expect(unrecordedChanges([change("api", "Product.legacy")], short, today)).toEqual([]);
    const enough = parseChangelog(entry("partner", "`Product.legacy`", "2026-11-01", "2026-12-01"));
    expect(unrecordedChanges([change("partner", "Product.legacy")], enough, today)).toEqual([]);
  });

  it("fails an entry without dates, and one that breaks after today", () => {
    const undated = parseChangelog(entry("api", "`Product.legacy`", "someday", "later"));
    expect(unrecordedChanges([change("api", "Product.legacy")], undated, today)[0]).toMatch(
      /needs Deprecated/,
    );
    const early = parseChangelog(entry("partner", "`Product.legacy`", "2026-11-01", "2027-01-15"));
    expect(unrecordedChanges([change("partner", "Product.legacy")], early, today)[0]).toMatch(
      /breaks on 2027-01-15, after today/,
    );
  });

  it("finds this session's recorded changes in the committed changelog, and not its format example", async () => {
    const { readFile } = await import("node:fs/promises");
    const markdown = await readFile(new URL("../schema/CHANGELOG.md", import.meta.url), "utf8");
    const changelog = parseChangelog(markdown);
    expect(changelog.map((e) => e.title)).not.toContain("YYYY-MM-DD: what changes, in a few words");
    const recorded = [change("api", "Product.similar"), change("api", "Product.boughtTogether")];
    expect(unrecordedChanges(recorded, changelog, today)).toEqual([]);
  });
});
