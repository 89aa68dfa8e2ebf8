import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  canonicalJson,
  FileAssessmentLog,
  fingerprint,
  UnknownAssessmentError,
  type AssessmentRecord,
} from "./assessment.log.ts";

const record = (id: string, userId = "u1", at = "2026-11-24T10:00:00.000Z"): AssessmentRecord => ({
  id,
  at,
  orderId: `o-${id}`,
  userId,
  inputHash: "h",
  score: 10,
  level: "normal",
  action: "allow",
  decidedBy: null,
  ruleHits: [],
  reasons: [],
  modelVersion: "1.0.0",
  rulesVersion: "r",
  degraded: false,
  degradedReasons: [],
  features: [0.5],
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aisle-risk-log-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("FileAssessmentLog", () => {
  it("records once per id, even for concurrent duplicates, and keeps everything across a restart", async () => {
    const log = new FileAssessmentLog(dir);
    const results = await Promise.all([
      log.record(record("a")),
      log.record(record("a")),
      log.record(record("b")),
    ]);
    expect(results.map((r) => r.created)).toEqual([true, false, true]);
    expect((await log.recordOutcome({ assessmentId: "a", outcome: "fraud", at: "t" })).created).toBe(true);
    expect((await log.recordOutcome({ assessmentId: "a", outcome: "fraud", at: "t2" })).created).toBe(false);
    await expect(
      log.recordOutcome({ assessmentId: "zzz", outcome: "fraud", at: "t" }),
    ).rejects.toBeInstanceOf(UnknownAssessmentError);
    await log.close();

    const lines = (await readFile(join(dir, "assessments.ndjson"), "utf8")).trim().split("\n");
    expect(lines).toHaveLength(3);
    const reopened = new FileAssessmentLog(dir);
    expect((await reopened.get(["a", "b", "c"])).map((r) => r?.id ?? null)).toEqual(["a", "b", null]);
    expect((await reopened.outcomes("a")).map((o) => o.outcome)).toEqual(["fraud"]);
    expect((await reopened.record(record("a"))).created).toBe(false);
    await reopened.close();
  });

  it("skips a torn last line left by a crash mid-write", async () => {
    const log = new FileAssessmentLog(dir);
    await log.record(record("a"));
    await log.close();
    await appendFile(join(dir, "assessments.ndjson"), '{"type":"assessment","record":{"id":"b"');
    const reopened = new FileAssessmentLog(dir);
    expect((await reopened.get(["a", "b"])).map((r) => r?.id ?? null)).toEqual(["a", null]);
    await reopened.close();
  });

  it("lists a user's assessments newest first, up to the limit", async () => {
    const log = new FileAssessmentLog(dir);
    for (const id of ["1", "2", "3"]) await log.record(record(id, "u9"));
    await log.record(record("x", "other"));
    expect((await log.byUser("u9", 2)).map((r) => r.id)).toEqual(["3", "2"]);
    await log.close();
  });

  it("writes 200 concurrent records with fewer flushes than records (group commit), all durable", async () => {
    const log = new FileAssessmentLog(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.record(record(`r${i}`))));
    expect(log.flushes).toBeGreaterThanOrEqual(1);
    expect(log.flushes).toBeLessThan(200);
    await log.close();
    const lines = (await readFile(join(dir, "assessments.ndjson"), "utf8")).trim().split("\n");
    expect(new Set(lines.map((l) => (JSON.parse(l) as { record: { id: string } }).record.id)).size).toBe(200);
  });
});

describe("fingerprint", () => {
  it("does not depend on key order and changes with any value", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null } })).toBe('{"a":{"c":null,"d":[1,2]},"b":1}');
    expect(fingerprint({ a: 1, b: "x" })).toBe(fingerprint({ b: "x", a: 1 }));
    expect(fingerprint({ a: 1, b: "x" })).not.toBe(fingerprint({ a: 1, b: "y" }));
  });
});
