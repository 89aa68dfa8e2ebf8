import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NdjsonAppender, readNdjson } from "./ndjson-journal.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aisle-ndjson-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("NdjsonAppender", () => {
  it("shares one write + fdatasync among lines queued while a flush is in flight", async () => {
    const path = join(dir, "log.ndjson");
    const appender = new NdjsonAppender(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) => appender.append(JSON.stringify({ i }))));
    await appender.close();
    expect(readNdjson<{ i: number }>(path).map((l) => l.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(appender.flushes).toBeGreaterThanOrEqual(1);
    expect(appender.flushes).toBeLessThan(50);
  });

  it("rejects the callers of a batch the disk refused", async () => {
    const appender = new NdjsonAppender(join(dir, "missing-folder", "log.ndjson"));
    await expect(appender.append("{}")).rejects.toThrow(/ENOENT/);
    await appender.close();
  });
});

describe("readNdjson", () => {
  it("is empty for a missing file and skips a torn last line", async () => {
    const path = join(dir, "log.ndjson");
    expect(readNdjson(path)).toEqual([]);
    await appendFile(path, '{"a":1}\n\n{"a":2}\n{"a":');
    expect(readNdjson(path)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await readFile(path, "utf8")).toContain('{"a":');
  });
});
