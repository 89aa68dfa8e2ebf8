import { describe, expect, it } from "vitest";
import { createLogger } from "@aisle/kit";
import { createSearchParts } from "./index.ts";
import { OpenSearchBackend } from "./backends/opensearch-backend.ts";
import { NO_FILTERS } from "./backends/backend.ts";
import type { SearchDocument } from "./retrieval/documents.ts";
import { EXIT_ALL_INDEXED, runReindexCli } from "./backends/reindex.ts";
import { searchContract } from "./search.contract.ts";

// The same contract against a real OpenSearch. Start one with `OPENSEARCH_PORT=9280 bash scripts/opensearch-start.sh`
// and run with OPENSEARCH_URL set to the URL it prints.
const url = process.env["OPENSEARCH_URL"];
if (url === undefined || url === "") {
  describe("search contract (opensearch)", () => {
    it.skip("needs OPENSEARCH_URL: OPENSEARCH_PORT=9280 bash scripts/opensearch-start.sh, then OPENSEARCH_URL=<printed URL> npx vitest run subgraphs/search/src/opensearch.int.ts", () => {});
  });
} else {
  const alias = `aisle-test-${process.pid}`;
  searchContract("opensearch", async () => {
    const parts = await createSearchParts(
      { SEARCH_BACKEND: "opensearch", OPENSEARCH_URL: url, OPENSEARCH_INDEX: alias },
      createLogger("search-test", "silent"),
    );
    const close = parts.close;
    return {
      ...parts,
      close: async () => {
        const backend = parts.engine.backend as OpenSearchBackend;
        await backend.drop();
        await close?.();
      },
    };
  });

  describe("OpenSearch indexing", () => {
    const doc = (id: string, title: string): SearchDocument => ({
      id,
      title,
      description: "",
      categoryId: "c-x",
      categoryName: "Things",
      categoryPath: ["c-x"],
      brandId: "b-x",
      brandName: "Brand",
      attributes: [],
      priceMinor: 1000,
      popularity: 0.5,
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    const unit = (k: number) => Float32Array.from({ length: 4 }, (_, j) => (j === k ? 1 : 0));

    it("reports refused documents one by one and swaps the alias to a fresh index on reindex", async () => {
      const backend = new OpenSearchBackend({
        node: url,
        alias: `aisle-test-swap-${process.pid}`,
        synonyms: [],
      });
      try {
        const progress: number[] = [];
        const first = await backend.index(
          [doc("a", "red kettle"), doc("b", "blue kettle"), doc("c", "green kettle")],
          [unit(0), Float32Array.from([1, 0]), unit(2)],
          (done) => progress.push(done),
        );
        expect(first.indexed).toBe(2);
        expect(first.errors).toEqual([{ id: "b", reason: expect.stringMatching(/dimension|vector/i) }]);
        expect(progress.at(-1)).toBe(3);
        const before = Object.keys((await backend.client.indices.getAlias({ name: backend.alias })).body);
        await backend.index([doc("d", "yellow kettle")], [unit(1)]);
        const after = Object.keys((await backend.client.indices.getAlias({ name: backend.alias })).body);
        expect(after).toHaveLength(1);
        expect(after).not.toEqual(before);
        const result = await backend.lexical({
          text: "kettle",
          expansions: [],
          filters: NO_FILTERS,
          size: 10,
          fuzzy: true,
          minimumShouldMatch: true,
          facets: false,
        });
        expect(result.hits.map((h) => h.id)).toEqual(["d"]);
        expect((await backend.vector(unit(1), NO_FILTERS, 1))[0]).toMatchObject({
          id: "d",
          similarity: expect.closeTo(1, 3),
        });
      } finally {
        await backend.drop();
        await backend.close();
      }
    });
  });

  describe("npm run search:reindex", () => {
    it("indexes the catalogue into a fresh index and points the alias at it", async () => {
      const reindexAlias = `aisle-reindex-${process.pid}`;
      const out: string[] = [];
      const io = { stdout: (t: string) => out.push(t), stderr: () => undefined, progress: null };
      const env = { OPENSEARCH_URL: url, OPENSEARCH_INDEX: reindexAlias };
      const backend = new OpenSearchBackend({ node: url, alias: reindexAlias, synonyms: [] });
      try {
        expect(await runReindexCli(["--bulk-size", "2500"], env, io)).toBe(EXIT_ALL_INDEXED);
        expect(out.join("")).toMatch(/^10000 indexed, 0 refused, \d+ ms; alias aisle-reindex-\d+ now points/);
        const aliased = await backend.client.indices.getAlias({ name: reindexAlias });
        const [index] = Object.keys(aliased.body);
        expect(index).toMatch(new RegExp(`^${reindexAlias}-\\d+$`));
        const count = await backend.client.count({ index: reindexAlias });
        expect(count.body.count).toBe(10_000);
      } finally {
        await backend.drop();
        await backend.close();
      }
      // Indexing 10,000 documents (embeddings included) takes 10-30 s on a shared 2-core machine.
    }, 120_000);
  });
}
