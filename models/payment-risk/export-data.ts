/**
 * Writes the demo world's synthetic payments history as training data for the payment-risk model:
 *
 *   npx tsx --conditions=aisle-source models/payment-risk/export-data.ts --out <dir> [--legit 60000]
 *   npx tsx --conditions=aisle-source models/payment-risk/export-data.ts --out <dir> --table <dir>
 *
 * With --table, the rows are a real fraud table's instead (Fraud_Data.csv format, read in place; the column
 * mapping and the causal replay are in fraud-table.ts), with a `bucket` column (0–99, from the user id) that
 * train.py splits on.
 *
 * The history (`generatePayments`, the world's own `payments` stream) is replayed in time order through the
 * subgraph's in-memory velocity store and its `computeFeatures`, i.e. exactly the code that serves requests,
 * so the model is trained on the features it will see. Writes <dir>/payments.csv: at, pattern, fraud, then
 * one column per FEATURE_NAMES entry.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { demoWorld, generatePayments } from "@aisle/world";
import {
  computeFeatures,
  FEATURE_NAMES,
  loadRulesConfig,
  MemoryVelocityStore,
  RuleEngine,
} from "@aisle/payment-risk";
import { readFraudTable, replayFeatures, splitBucket } from "./fraud-table.ts";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    legit: { type: "string", default: "60000" },
    table: { type: "string" },
  },
});
if (values.out === undefined) throw new Error("--out <dir> is required");

const out = values.out;
const { lines, summary } = values.table === undefined ? synthetic(Number(values.legit)) : table(values.table);
await mkdir(out, { recursive: true });
await writeFile(join(out, "payments.csv"), `${lines.join("\n")}\n`);
process.stdout.write(`wrote ${summary} to ${join(out, "payments.csv")}\n`);

/** A real fraud table's rows (fraud-table.ts), with the user bucket train.py splits on. */
function table(dir: string): { lines: string[]; summary: string } {
  const read = readFraudTable(dir);
  const lines = [["at", "pattern", "fraud", "bucket", ...FEATURE_NAMES].join(",")];
  for (const { row, features } of replayFeatures(read.rows)) {
    lines.push(
      [
        new Date(row.at).toISOString(),
        "table",
        row.fraud,
        splitBucket(row.userId),
        ...Array.from(features, (x) => Number(x.toFixed(6))),
      ].join(","),
    );
  }
  const fraud = read.rows.filter((r) => r.fraud === 1).length;
  return { lines, summary: `${read.rows.length} rows of ${read.path} (${fraud} fraud)` };
}

/** The demo world's payments history. */
function synthetic(legitCount: number): { lines: string[]; summary: string } {
  const world = demoWorld();
  const signup = new Map(world.users.map((u) => [u.id, Date.parse(u.signupAt)]));
  const rules = new RuleEngine(loadRulesConfig());
  const velocity = new MemoryVelocityStore();
  const payments = generatePayments(world, { legitCount });
  const lines = [["at", "pattern", "fraud", ...FEATURE_NAMES].join(",")];
  for (const p of payments) {
    const at = Date.parse(p.at);
    const snapshot = velocity.recordAndReadSync({
      id: p.id,
      at,
      amountMinor: p.amountMinor,
      keys: {
        user: p.userId,
        paymentMethod: p.paymentMethodFingerprint,
        device: p.deviceId,
        ip: p.ip,
        emailDomain: p.emailDomain,
      },
      links: { user: p.deviceId, paymentMethod: p.userId, device: p.userId, ip: p.userId, emailDomain: "" },
    });
    const signedUp = signup.get(p.userId);
    const row = computeFeatures({
      amountMinorUsd: rules.toUsdMinor(p.amountMinor, p.currency) ?? p.amountMinor,
      accountAgeDays: signedUp === undefined ? null : (at - signedUp) / 86_400_000,
      billingCountry: p.billingCountry,
      shippingCountry: p.shippingCountry,
      ipCountry: p.ipCountry,
      emailDisposable: rules.isDisposableDomain(p.emailDomain),
      itemCount: p.itemCount,
      velocity: snapshot,
    });
    lines.push([p.at, p.pattern, p.fraud ? 1 : 0, ...Array.from(row, (x) => Number(x.toFixed(6)))].join(","));
  }
  const fraud = payments.filter((p) => p.fraud).length;
  return { lines, summary: `${payments.length} payments (${fraud} fraud)` };
}
