import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  isHeldOut,
  parseTableTime,
  splitRows,
  readFraudTable,
  replayFeatures,
} from "../../../models/payment-risk/fraud-table.ts";
import { FEATURE_NAMES } from "./features.ts";

// models/payment-risk/fraud-table.ts maps a real fraud table to what assessPayment knows; its unit test
// lives here because the unit project only collects src/ folders.
const folders: string[] = [];
function table(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "fraud-table-test-"));
  folders.push(dir);
  writeFileSync(join(dir, "Fraud_Data.csv"), `${lines.join("\n")}\n`);
  return dir;
}
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const HEADER = "user_id,signup_time,purchase_time,purchase_value,device_id,source,browser,sex,age,class";
const feature = (row: Float32Array, name: (typeof FEATURE_NAMES)[number]) =>
  row[FEATURE_NAMES.indexOf(name)] as number;

describe("fraud table mapping (models/payment-risk/fraud-table.ts)", () => {
  it("reads the shared copy's M/D/YY H:MM timestamps and ISO ones as UTC", () => {
    expect(parseTableTime("1/1/15 18:52")).toBe(Date.UTC(2015, 0, 1, 18, 52));
    expect(parseTableTime("12/31/2015 3:04")).toBe(Date.UTC(2015, 11, 31, 3, 4));
    expect(parseTableTime("2015-02-24 22:55:49")).toBe(Date.UTC(2015, 1, 24, 22, 55, 49));
    expect(parseTableTime("yesterday")).toBeNaN();
  });

  it("refuses a table without the columns the request needs, naming the file", () => {
    const dir = table(["user_id,purchase_time,class", "1,1/1/15 0:00,0"]);
    expect(() => readFraudTable(dir)).toThrow(/Fraud_Data\.csv: missing columns signup_time/);
  });

  it("refuses a bad row, naming its line", () => {
    const dir = table([
      HEADER,
      "1,1/1/15 0:00,1/2/15 0:00,10,D1,SEO,Chrome,M,30,0",
      "2,1/1/15 0:00,1/2/15 0:00,10,D1,SEO,Chrome,M,30,yes",
    ]);
    expect(() => readFraudTable(dir)).toThrow(/Fraud_Data\.csv:3: class is not 0 or 1/);
  });

  it("counts only earlier rows of a device, in purchase order, never the whole table", () => {
    // File order differs from time order: user 3 buys first, on the device the two others use later.
    const dir = table([
      HEADER,
      "1,1/1/15 9:00,1/1/15 10:30,20,SHARED,SEO,Chrome,M,30,1",
      "2,1/1/15 9:00,1/1/15 10:10,30,SHARED,Ads,Chrome,F,31,1",
      "3,12/1/14 9:00,1/1/15 10:00,40,SHARED,SEO,Safari,M,40,0",
      "4,1/1/15 9:00,1/1/15 10:00,50,ALONE,SEO,Safari,M,40,0",
    ]);
    const { rows } = readFraudTable(dir);
    expect(rows.map((r) => r.userId)).toEqual(["3", "4", "2", "1"]);
    const replayed = replayFeatures(rows);
    const byUser = new Map(replayed.map((r) => [r.row.userId, r.features]));
    const first = byUser.get("3") as Float32Array;
    const last = byUser.get("1") as Float32Array;
    expect(feature(first, "device_count_1h")).toBe(0);
    expect(feature(first, "accounts_per_device")).toBeCloseTo(Math.log1p(1), 6);
    expect(feature(last, "device_count_1h")).toBeCloseTo(Math.log1p(2), 6);
    expect(feature(last, "accounts_per_device")).toBeCloseTo(Math.log1p(3), 6);
    // Account age is purchase minus sign-up (user 3: 31 days and 1 hour), amounts are dollars.
    expect(feature(first, "account_age_log")).toBeCloseTo(Math.log1p(31 + 1 / 24), 5);
    expect(feature(first, "amount_log")).toBeCloseTo(Math.log1p(40), 5);
    // What the table lacks stays constant: no IP, payment method or e-mail history, no country mismatch.
    for (const r of replayed) {
      expect(feature(r.features, "ip_count_24h")).toBe(0);
      expect(feature(r.features, "card_count_24h")).toBe(0);
      expect(feature(r.features, "email_domain_count_1h")).toBe(0);
      expect(feature(r.features, "ip_ne_billing")).toBe(0);
      expect(feature(r.features, "velocity_available")).toBe(1);
    }
  });

  it("keeps the rows it is asked for while the others still count as earlier traffic", () => {
    const dir = table([
      HEADER,
      "10,1/1/15 9:00,1/1/15 10:00,20,D,SEO,Chrome,M,30,0",
      "11,1/1/15 9:00,1/1/15 10:05,20,D,SEO,Chrome,M,30,0",
    ]);
    const kept = replayFeatures(readFraudTable(dir).rows, (r) => r.userId === "11");
    expect(kept.map((k) => k.row.userId)).toEqual(["11"]);
    expect(feature(kept[0]!.features, "device_count_1h")).toBeCloseTo(Math.log1p(1), 6);
  });

  it("holds out user_id % 5 == 1, and hashes ids that are not numbers", () => {
    expect(["1", "6", "150086"].map(isHeldOut)).toEqual([true, true, true]);
    expect(["0", "2", "5", "150084"].map(isHeldOut)).toEqual([false, false, false, false]);
    expect(isHeldOut("user-a")).toBe(isHeldOut("user-a"));
  });

  it("splits one folder by user across the period, or by time with every training row earlier", () => {
    const rows = readFraudTable(
      table([
        HEADER,
        ...Array.from(
          { length: 10 },
          (_, i) => `${i},1/1/15 0:00,1/${i + 2}/15 0:00,10,D${i},SEO,Chrome,M,30,0`,
        ),
      ]),
    ).rows;
    const byUser = splitRows(rows, "user");
    expect(byUser.heldOut.map((r) => r.userId)).toEqual(["1", "6"]);
    expect(byUser.train).toHaveLength(8);
    const byTime = splitRows(rows, "time");
    expect(byTime.heldOut.map((r) => r.userId)).toEqual(["8", "9"]);
    const lastTrained = Math.max(...byTime.train.map((r) => r.at));
    expect(byTime.heldOut.every((r) => r.at > lastTrained)).toBe(true);
  });
});
