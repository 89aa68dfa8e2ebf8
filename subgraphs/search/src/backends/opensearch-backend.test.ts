import { describe, expect, it } from "vitest";
import { SCORED_FIELDS } from "./backend.ts";
import { fieldScoresRequest } from "./opensearch-backend.ts";

describe("OpenSearch per-field scores request", () => {
  it("names one exact match per field on the query's distinct stems, over the candidates' ids only", () => {
    const body = fieldScoresRequest("The Red shoes, red SHOE for running", ["p-1", "p-2"]) as {
      size: number;
      query: { bool: { filter: unknown[]; should: { match: Record<string, Record<string, unknown>> }[] } };
    };
    expect(body.size).toBe(2);
    expect(body.query.bool.filter).toEqual([{ ids: { values: ["p-1", "p-2"] } }]);
    expect(body.query.bool.should.map((c) => Object.values(c.match)[0]?.["_name"])).toEqual([
      ...SCORED_FIELDS,
    ]);
    for (const clause of body.query.bool.should) {
      const [field, match] = Object.entries(clause.match)[0] as [string, Record<string, unknown>];
      // Stop words out, one word per stem (red/Red, shoes/SHOE), no fuzziness, no search-time synonyms.
      expect(match).toEqual({
        query: "red shoes running",
        analyzer: "aisle_text",
        _name: expect.any(String),
      });
      expect(["title", "description", "brand_name", "category_name", "attributes_text"]).toContain(field);
    }
  });

  it("asks nothing for a query of stop words or no candidates", () => {
    expect(fieldScoresRequest("the of and", ["p-1"])).toBeNull();
    expect(fieldScoresRequest("red shoes", [])).toBeNull();
  });
});
