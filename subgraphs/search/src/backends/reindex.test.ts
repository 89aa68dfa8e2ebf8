import { describe, expect, it } from "vitest";
import { closedPort } from "@aisle/kit/testing";
import {
  EXIT_ALL_INDEXED,
  EXIT_USAGE_OR_FAILURE,
  formatIndexReport,
  runReindexCli,
  type ReindexOutput,
} from "./reindex.ts";

function capture(): ReindexOutput & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), progress: null };
}

describe("search:reindex", () => {
  it("lists each refused document with its reason, then a summary", () => {
    const text = formatIndexReport(
      { indexed: 2, errors: [{ id: "p-9", reason: "mapper_parsing_exception: bad price" }], tookMs: 12.4 },
      "aisle-products",
    );
    expect(text).toBe(
      "refused p-9: mapper_parsing_exception: bad price\n" +
        "2 indexed, 1 refused, 12 ms; alias aisle-products now points at the new index\n",
    );
  });

  it("answers --help and refuses bad arguments before touching OpenSearch", async () => {
    const help = capture();
    expect(await runReindexCli(["--help"], {}, help)).toBe(EXIT_ALL_INDEXED);
    expect(help.out.join("")).toMatch(/Exit codes/);
    for (const argv of [["--bulk-size", "0"], ["--bulk-size", "ten"], ["--nope"]]) {
      const bad = capture();
      expect(await runReindexCli(argv, {}, bad)).toBe(EXIT_USAGE_OR_FAILURE);
      expect(bad.err.join("")).toMatch(/Usage:/);
    }
  });

  it("fails with exit 1 and a message when OpenSearch cannot be reached", async () => {
    const io = capture();
    const url = `http://127.0.0.1:${await closedPort()}`;
    expect(await runReindexCli(["--bulk-size", "5000"], { OPENSEARCH_URL: url }, io)).toBe(
      EXIT_USAGE_OR_FAILURE,
    );
    expect(io.err.join("")).toMatch(/reindex failed: .+/);
    expect(io.out).toEqual([]);
  });
});
