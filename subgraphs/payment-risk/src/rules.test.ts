import { describe, expect, it } from "vitest";
import {
  actionForScore,
  levelForScore,
  loadRulesConfig,
  RuleEngine,
  rulesConfigSchema,
  type RuleInput,
  type RulesConfig,
} from "./rules.ts";
import { emptySnapshot, type VelocitySnapshot } from "./velocity.store.ts";

const config = loadRulesConfig();
const engine = new RuleEngine(config);

function snapshot(
  edit: (s: {
    -readonly [K in keyof VelocitySnapshot]: {
      count: Record<string, number>;
      sumMinor: Record<string, number>;
      links: number;
    };
  }) => void,
): VelocitySnapshot {
  const s = structuredClone(emptySnapshot()) as never;
  edit(s);
  return s;
}

const base: RuleInput = {
  userId: "42",
  paymentMethod: "pm_1",
  deviceId: "dev_1",
  ip: "10.0.0.1",
  emailDomain: "gmail.com",
  amountMinorUsd: 5_000,
  accountAgeDays: 400,
  billingCountry: "US",
  shippingCountry: "US",
  ipCountry: "US",
  velocity: emptySnapshot(),
};

const withLists = (lists: Partial<Pick<RulesConfig, "allowList" | "blockList">>): RuleEngine =>
  new RuleEngine({ ...config, ...lists });

describe("score thresholds", () => {
  const { levels, actions } = config.thresholds;
  it("maps scores to levels at the configured edges", () => {
    expect(levelForScore(config, levels.elevated - 1)).toBe("normal");
    expect(levelForScore(config, levels.elevated)).toBe("elevated");
    expect(levelForScore(config, levels.highest - 1)).toBe("elevated");
    expect(levelForScore(config, levels.highest)).toBe("highest");
  });
  it("maps scores to actions at the configured edges", () => {
    expect(actionForScore(config, 0)).toBe("allow");
    expect(actionForScore(config, actions.challenge - 1)).toBe("allow");
    expect(actionForScore(config, actions.challenge)).toBe("challenge");
    expect(actionForScore(config, actions.review - 1)).toBe("challenge");
    expect(actionForScore(config, actions.review)).toBe("review");
    expect(actionForScore(config, actions.block - 1)).toBe("review");
    expect(actionForScore(config, actions.block)).toBe("block");
    expect(actionForScore(config, 100)).toBe("block");
  });
  it("refuses thresholds out of order", () => {
    const bad = {
      ...config,
      thresholds: { ...config.thresholds, actions: { challenge: 50, review: 40, block: 90 } },
    };
    expect(rulesConfigSchema.safeParse(bad).success).toBe(false);
  });
});

describe("rule order", () => {
  it("lets the model decide when no rule fires", () => {
    const d = engine.decide(base, 3);
    expect(d).toMatchObject({ action: "allow", level: "normal", decidedBy: null, hits: [] });
    expect(engine.decide(base, config.thresholds.actions.block).action).toBe("block");
  });

  it("allow list wins over block list and over the score", () => {
    const e = withLists({
      allowList: { userIds: ["42"], paymentMethods: [], emailDomains: [] },
      blockList: { userIds: ["42"], paymentMethods: [], deviceIds: [], ips: [], emailDomains: [] },
    });
    const d = e.decide(base, 99);
    expect(d.action).toBe("allow");
    expect(d.decidedBy?.id).toBe("allow-list:user");
  });

  it("block list blocks whatever the score, for each listed entity", () => {
    const entries: [keyof RulesConfig["blockList"], string, string][] = [
      ["userIds", "42", "block-list:user"],
      ["paymentMethods", "pm_1", "block-list:payment-method"],
      ["deviceIds", "dev_1", "block-list:device"],
      ["ips", "10.0.0.1", "block-list:ip"],
      ["emailDomains", "GMAIL.com", "block-list:email-domain"],
    ];
    for (const [list, value, id] of entries) {
      const blockList = {
        userIds: [],
        paymentMethods: [],
        deviceIds: [],
        ips: [],
        emailDomains: [],
        [list]: [value],
      };
      const d = withLists({ blockList }).decide(base, 0);
      expect(d).toMatchObject({ action: "block", level: "highest" });
      expect(d.decidedBy?.id).toBe(id);
    }
  });

  it("a rule stronger than the model decides; a weaker one is recorded but does not", () => {
    const mismatch = { ...base, shippingCountry: "GB" };
    const weak = engine.decide(mismatch, 0);
    expect(weak).toMatchObject({ action: "challenge", level: "elevated" });
    expect(weak.decidedBy?.id).toBe("country:billing-shipping");
    const strong = engine.decide(mismatch, config.thresholds.actions.block);
    expect(strong.action).toBe("block");
    expect(strong.decidedBy).toBeNull();
    expect(strong.hits.map((h) => h.id)).toEqual(["country:billing-shipping"]);
  });

  it("the first of equally strong hits decides (evaluation order)", () => {
    const d = engine.decide(
      { ...base, accountAgeDays: 0.5, amountMinorUsd: 60_000, shippingCountry: "GB", ipCountry: "GB" },
      0,
    );
    expect(d.hits.map((h) => h.id)).toEqual(["amount:amount-new-account", "country:billing-shipping-ip"]);
    expect(d.decidedBy?.id).toBe("amount:amount-new-account");
    expect(d.action).toBe("review");
  });
});

describe("velocity limits at their edges", () => {
  for (const limit of config.velocityLimits) {
    it(`${limit.id}: ${limit.maxCount} payments in ${limit.window} pass, ${limit.maxCount + 1} fire ${limit.action}`, () => {
      const at = (earlier: number) =>
        engine
          .limitHits({ ...base, velocity: snapshot((s) => (s[limit.entity].count[limit.window] = earlier)) })
          .hits.map((h) => h.id);
      expect(at(limit.maxCount - 1)).not.toContain(`velocity:${limit.id}`);
      expect(at(limit.maxCount)).toContain(`velocity:${limit.id}`);
    });
  }
  for (const limit of config.linkLimits) {
    it(`${limit.id}: ${limit.maxLinks} linked accounts pass, ${limit.maxLinks + 1} fire`, () => {
      const at = (links: number) =>
        engine
          .limitHits({ ...base, velocity: snapshot((s) => (s[limit.entity].links = links)) })
          .hits.map((h) => h.id);
      expect(at(limit.maxLinks)).not.toContain(`links:${limit.id}`);
      expect(at(limit.maxLinks + 1)).toContain(`links:${limit.id}`);
    });
  }
  it("skips velocity and link rules when velocity is unavailable (degraded)", () => {
    const { hits, skipped } = engine.limitHits({ ...base, velocity: null });
    expect(hits).toEqual([]);
    expect(skipped).toEqual([
      ...config.velocityLimits.map((l) => l.id),
      ...config.linkLimits.map((l) => l.id),
    ]);
  });
});

describe("amount limits by account age at their edges", () => {
  const ids = (input: Partial<RuleInput>) => engine.limitHits({ ...base, ...input }).hits.map((h) => h.id);
  for (const [i, bracket] of config.amountLimits.entries()) {
    const previous = config.amountLimits[i - 1]?.accountAgeDaysUnder ?? 0;
    const age = bracket.accountAgeDaysUnder === null ? 10_000 : (previous + bracket.accountAgeDaysUnder) / 2;
    it(`${bracket.id}: ${bracket.maxAmountMinorUsd} passes, one cent more fires`, () => {
      expect(ids({ accountAgeDays: age, amountMinorUsd: bracket.maxAmountMinorUsd })).toEqual([]);
      expect(ids({ accountAgeDays: age, amountMinorUsd: bracket.maxAmountMinorUsd + 1 })).toEqual([
        `amount:${bracket.id}`,
      ]);
    });
    if (bracket.accountAgeDaysUnder !== null) {
      it(`${bracket.id}: an account exactly ${bracket.accountAgeDaysUnder} days old falls in the next bracket`, () => {
        expect(
          ids({
            accountAgeDays: bracket.accountAgeDaysUnder!,
            amountMinorUsd: bracket.maxAmountMinorUsd + 1,
          }),
        ).toEqual([]);
      });
    }
  }
  it("treats an unknown account as brand new", () => {
    expect(
      ids({ accountAgeDays: null, amountMinorUsd: config.amountLimits[0]!.maxAmountMinorUsd + 1 }),
    ).toEqual([`amount:${config.amountLimits[0]!.id}`]);
  });
});

describe("country mismatch", () => {
  const ids = (input: Partial<RuleInput>) => engine.limitHits({ ...base, ...input }).hits.map((h) => h.id);
  it("billing = shipping = IP: nothing", () => expect(ids({})).toEqual([]));
  it("IP differs alone: nothing (travellers)", () => expect(ids({ ipCountry: "FR" })).toEqual([]));
  it("shipping differs: billing-shipping", () =>
    expect(ids({ shippingCountry: "FR" })).toEqual(["country:billing-shipping"]));
  it("shipping and IP differ: billing-shipping-ip only", () =>
    expect(ids({ shippingCountry: "FR", ipCountry: "RO" })).toEqual(["country:billing-shipping-ip"]));
  it("unknown IP country: billing-shipping", () =>
    expect(ids({ shippingCountry: "FR", ipCountry: null })).toEqual(["country:billing-shipping"]));
});

describe("currency", () => {
  it("converts with the configured rates and refuses unknown currencies", () => {
    expect(engine.toUsdMinor(10_000, "USD")).toBe(10_000);
    expect(engine.toUsdMinor(10_000, "EUR")).toBe(Math.round(10_000 * config.currencyToUsd["EUR"]!));
    expect(engine.toUsdMinor(10_000, "XXX")).toBeNull();
  });
});
