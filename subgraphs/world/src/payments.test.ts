import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DISPOSABLE_EMAIL_DOMAINS, generatePayments } from "./payments.ts";
import { generateWorld } from "./world.ts";

const world = generateWorld({ productCount: 10, userCount: 2_000 });
const sha256 = (value: unknown): string => createHash("sha256").update(JSON.stringify(value)).digest("hex");

describe("generatePayments", () => {
  const payments = generatePayments(world, { legitCount: 5_000 });

  it("is deterministic and leaves the world unchanged (its own stream)", () => {
    const before = sha256(world);
    expect(sha256(generatePayments(world, { legitCount: 5_000 }))).toBe(sha256(payments));
    expect(sha256(world)).toBe(before);
    expect(sha256(generateWorld({ productCount: 10, userCount: 2_000 }))).toBe(before);
  });

  it("plants every fraud pattern at about 4 % of the total, sorted by time, within the window", () => {
    const fraud = payments.filter((p) => p.fraud);
    expect(fraud.length / payments.length).toBeGreaterThan(0.03);
    expect(fraud.length / payments.length).toBeLessThan(0.05);
    expect(new Set(fraud.map((p) => p.pattern))).toEqual(
      new Set(["card-testing", "account-takeover", "new-account", "device-farm"]),
    );
    for (let i = 1; i < payments.length; i += 1) expect(payments[i]!.at >= payments[i - 1]!.at).toBe(true);
  });

  it("gives each pattern its signature", () => {
    const of = (pattern: string) => payments.filter((p) => p.pattern === pattern);
    const cardTests = of("card-testing");
    const perCard = new Map<string, number>();
    for (const p of cardTests)
      perCard.set(p.paymentMethodFingerprint, (perCard.get(p.paymentMethodFingerprint) ?? 0) + 1);
    expect(Math.min(...perCard.values())).toBeGreaterThanOrEqual(6);
    expect(Math.max(...cardTests.map((p) => p.amountMinor))).toBeLessThanOrEqual(2_000);
    const signup = new Map(world.users.map((u) => [u.id, Date.parse(u.signupAt)]));
    for (const p of of("new-account"))
      expect(Date.parse(p.at) - signup.get(p.userId)!).toBeLessThanOrEqual(86_400_000);
    const farms = new Map<string, Set<string>>();
    for (const p of of("device-farm"))
      farms.set(p.deviceId, (farms.get(p.deviceId) ?? new Set()).add(p.userId));
    for (const users of farms.values()) expect(users.size).toBeGreaterThanOrEqual(8);
    expect(of("legit").filter((p) => DISPOSABLE_EMAIL_DOMAINS.includes(p.emailDomain))).toEqual([]);
  });
});
