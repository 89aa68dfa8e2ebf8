import { readFileSync } from "node:fs";
import { z } from "zod";
import type { VelocitySnapshot } from "./velocity.store.ts";
import { VELOCITY_ENTITIES } from "./velocity.store.ts";

/** What to do with a payment, weakest first: the order matters (a stronger action wins). */
export const ACTIONS = ["allow", "challenge", "review", "block"] as const;
export type RiskAction = (typeof ACTIONS)[number];
export const LEVELS = ["normal", "elevated", "highest"] as const;
export type RiskLevel = (typeof LEVELS)[number];

const action = z.enum(ACTIONS);
const score = z.number().int().min(0).max(100);
const ids = z.array(z.string().min(1)).default([]);

/** The rules file (src/rules.config.json by default, RISK_RULES_FILE to replace it). */
export const rulesConfigSchema = z
  .object({
    /** Recorded with every assessment, so a decision can be traced to the configuration that made it. */
    version: z.string().min(1),
    thresholds: z.object({
      /** Score at or above which the level is elevated / highest. */
      levels: z.object({ elevated: score, highest: score }),
      /** Score at or above which the model alone asks for a challenge / review / block. */
      actions: z.object({ challenge: score, review: score, block: score }),
    }),
    allowList: z.object({ userIds: ids, paymentMethods: ids, emailDomains: ids }),
    blockList: z.object({
      userIds: ids,
      paymentMethods: ids,
      deviceIds: ids,
      ips: ids,
      emailDomains: ids,
    }),
    velocityLimits: z.array(
      z.object({
        id: z.string().min(1),
        entity: z.enum(VELOCITY_ENTITIES),
        window: z.enum(["1h", "24h", "7d"]),
        /** Most payments allowed in the window, this one included. */
        maxCount: z.number().int().min(1),
        action,
      }),
    ),
    linkLimits: z.array(
      z.object({
        id: z.string().min(1),
        entity: z.enum(VELOCITY_ENTITIES),
        /** Most distinct linked values (accounts per device, ...), this payment's included. */
        maxLinks: z.number().int().min(1),
        action,
      }),
    ),
    /** Checked in order; the first bracket whose age bound holds applies (null: any age). */
    amountLimits: z.array(
      z.object({
        id: z.string().min(1),
        accountAgeDaysUnder: z.number().positive().nullable(),
        maxAmountMinorUsd: z.number().int().positive(),
        action,
      }),
    ),
    countryMismatch: z.object({
      /** Billing country differs from shipping country. */
      billingShipping: action.nullable(),
      /** Shipping AND the IP's country both differ from the billing country. */
      billingShippingIp: action.nullable(),
    }),
    disposableEmailDomains: ids,
    /** Fixed rates to USD used for amounts and limits; a currency not listed is refused. */
    currencyToUsd: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().positive()),
  })
  .superRefine((config, ctx) => {
    const { levels, actions } = config.thresholds;
    if (levels.elevated > levels.highest)
      ctx.addIssue({ code: "custom", message: "levels.elevated > levels.highest" });
    if (!(actions.challenge <= actions.review && actions.review <= actions.block)) {
      ctx.addIssue({
        code: "custom",
        message: "action thresholds must satisfy challenge <= review <= block",
      });
    }
  });
export type RulesConfig = z.infer<typeof rulesConfigSchema>;

export const DEFAULT_RULES_FILE = new URL("./rules.config.json", import.meta.url);

/** Reads and validates a rules file; a bad file fails at start with the problems named. */
export function loadRulesConfig(path: string | URL = DEFAULT_RULES_FILE): RulesConfig {
  const parsed = rulesConfigSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`Rules file ${String(path)} is invalid: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/** What a rule needs to know about one payment. */
export interface RuleInput {
  readonly userId: string;
  readonly paymentMethod: string;
  readonly deviceId: string;
  readonly ip: string;
  readonly emailDomain: string;
  readonly amountMinorUsd: number;
  /** Null when the user is unknown (treated as a brand-new account by amount limits). */
  readonly accountAgeDays: number | null;
  readonly billingCountry: string;
  readonly shippingCountry: string;
  readonly ipCountry: string | null;
  /** Null when velocity could not be read (Redis down): velocity and link rules are skipped. */
  readonly velocity: VelocitySnapshot | null;
}

/** A rule that fired. */
export interface RuleHit {
  readonly id: string;
  readonly action: RiskAction;
  readonly description: string;
}

export interface Decision {
  readonly level: RiskLevel;
  readonly action: RiskAction;
  /** The rule that set the action, when a rule did (a list rule, or a limit stronger than the model). */
  readonly decidedBy: RuleHit | null;
  /** Every rule that fired, in evaluation order. */
  readonly hits: readonly RuleHit[];
  /** Rules that could not be evaluated (degraded). */
  readonly skipped: readonly string[];
}

const strength = (a: RiskAction): number => ACTIONS.indexOf(a);

export function levelForScore(config: RulesConfig, value: number): RiskLevel {
  const { elevated, highest } = config.thresholds.levels;
  return value >= highest ? "highest" : value >= elevated ? "elevated" : "normal";
}

export function actionForScore(config: RulesConfig, value: number): RiskAction {
  const { challenge, review, block } = config.thresholds.actions;
  return value >= block ? "block" : value >= review ? "review" : value >= challenge ? "challenge" : "allow";
}

const lower = (values: readonly string[]): Set<string> => new Set(values.map((v) => v.toLowerCase()));

/**
 * Evaluates the rules in their fixed order and combines them with the model's score:
 *
 * 1. allow list (user, payment method, email domain): allow, decided; nothing else can block.
 * 2. block list (user, payment method, device, IP, email domain): block, decided.
 * 3. velocity limits, 4. link limits (accounts per device, ...), 5. amount limits by account age,
 * 6. country mismatch: each hit proposes an action.
 * 7. model thresholds: score → level and action.
 *
 * The final action is the strongest of the model's and the hits'; `decidedBy` is the first hit with that
 * action when it is stronger than the model's (ties go to the model). A rule's action raises the level to at
 * least elevated (challenge, review) or highest (block).
 */
export class RuleEngine {
  readonly #allow: { users: Set<string>; methods: Set<string>; domains: Set<string> };
  readonly #block: {
    users: Set<string>;
    methods: Set<string>;
    devices: Set<string>;
    ips: Set<string>;
    domains: Set<string>;
  };

  constructor(readonly config: RulesConfig) {
    this.#allow = {
      users: new Set(config.allowList.userIds),
      methods: new Set(config.allowList.paymentMethods),
      domains: lower(config.allowList.emailDomains),
    };
    this.#block = {
      users: new Set(config.blockList.userIds),
      methods: new Set(config.blockList.paymentMethods),
      devices: new Set(config.blockList.deviceIds),
      ips: new Set(config.blockList.ips),
      domains: lower(config.blockList.emailDomains),
    };
  }

  get version(): string {
    return this.config.version;
  }

  isDisposableDomain(domain: string): boolean {
    return this.config.disposableEmailDomains.includes(domain.toLowerCase());
  }

  /** USD minor units, or null for a currency without a configured rate. */
  toUsdMinor(amountMinor: number, currency: string): number | null {
    const rate = this.config.currencyToUsd[currency];
    return rate === undefined ? null : Math.round(amountMinor * rate);
  }

  decide(input: RuleInput, modelScore: number): Decision {
    const modelAction = actionForScore(this.config, modelScore);
    const scoreLevel = levelForScore(this.config, modelScore);
    const listHit = this.#lists(input);
    if (listHit !== null) {
      const level = listHit.action === "block" ? "highest" : scoreLevel;
      return { level, action: listHit.action, decidedBy: listHit, hits: [listHit], skipped: [] };
    }
    const { hits, skipped } = this.limitHits(input);
    let action = modelAction;
    let decidedBy: RuleHit | null = null;
    for (const hit of hits) {
      if (strength(hit.action) > strength(action)) {
        action = hit.action;
        decidedBy = hit;
      }
    }
    const floor: RiskLevel =
      decidedBy === null
        ? "normal"
        : decidedBy.action === "block"
          ? "highest"
          : decidedBy.action === "allow"
            ? "normal"
            : "elevated";
    const level = LEVELS.indexOf(floor) > LEVELS.indexOf(scoreLevel) ? floor : scoreLevel;
    return { level, action, decidedBy, hits, skipped };
  }

  #lists(input: RuleInput): RuleHit | null {
    const domain = input.emailDomain.toLowerCase();
    if (this.#allow.users.has(input.userId))
      return allowHit("allow-list:user", "the user is on the allow list");
    if (this.#allow.methods.has(input.paymentMethod))
      return allowHit("allow-list:payment-method", "the payment method is on the allow list");
    if (this.#allow.domains.has(domain))
      return allowHit("allow-list:email-domain", "the e-mail domain is on the allow list");
    const block = (id: string, what: string): RuleHit => ({
      id: `block-list:${id}`,
      action: "block",
      description: `${what} is on the block list`,
    });
    if (this.#block.users.has(input.userId)) return block("user", "the user");
    if (this.#block.methods.has(input.paymentMethod)) return block("payment-method", "the payment method");
    if (this.#block.devices.has(input.deviceId)) return block("device", "the device");
    if (this.#block.ips.has(input.ip)) return block("ip", "the IP address");
    if (this.#block.domains.has(domain)) return block("email-domain", "the e-mail domain");
    return null;
  }

  /** Rules 3–6, each hit in evaluation order. */
  limitHits(input: RuleInput): { hits: RuleHit[]; skipped: string[] } {
    const hits: RuleHit[] = [];
    const skipped: string[] = [];
    for (const limit of this.config.velocityLimits) {
      if (input.velocity === null) {
        skipped.push(limit.id);
        continue;
      }
      const count = input.velocity[limit.entity].count[limit.window] + 1;
      if (count > limit.maxCount) {
        hits.push({
          id: `velocity:${limit.id}`,
          action: limit.action,
          description: `${count} payments by this ${ENTITY_LABEL[limit.entity]} within ${limit.window} (limit ${limit.maxCount})`,
        });
      }
    }
    for (const limit of this.config.linkLimits) {
      if (input.velocity === null) {
        skipped.push(limit.id);
        continue;
      }
      const links = input.velocity[limit.entity].links;
      if (links > limit.maxLinks) {
        hits.push({
          id: `links:${limit.id}`,
          action: limit.action,
          description: `${links} accounts seen with this ${ENTITY_LABEL[limit.entity]} (limit ${limit.maxLinks})`,
        });
      }
    }
    const age = input.accountAgeDays ?? 0;
    const bracket = this.config.amountLimits.find(
      (b) => b.accountAgeDaysUnder === null || age < b.accountAgeDaysUnder,
    );
    if (bracket !== undefined && input.amountMinorUsd > bracket.maxAmountMinorUsd) {
      hits.push({
        id: `amount:${bracket.id}`,
        action: bracket.action,
        description: `amount above ${formatUsd(bracket.maxAmountMinorUsd)} for an account ${
          bracket.accountAgeDaysUnder === null
            ? "of any age"
            : `younger than ${bracket.accountAgeDaysUnder} days`
        }`,
      });
    }
    const { billingShipping, billingShippingIp } = this.config.countryMismatch;
    const shipDiffers = input.billingCountry !== input.shippingCountry;
    const ipDiffers = input.ipCountry !== null && input.ipCountry !== input.billingCountry;
    if (shipDiffers && ipDiffers && billingShippingIp !== null) {
      hits.push({
        id: "country:billing-shipping-ip",
        action: billingShippingIp,
        description: "shipping country and IP country both differ from the billing country",
      });
    } else if (shipDiffers && billingShipping !== null) {
      hits.push({
        id: "country:billing-shipping",
        action: billingShipping,
        description: "shipping country differs from the billing country",
      });
    }
    return { hits, skipped };
  }
}

const ENTITY_LABEL: Record<(typeof VELOCITY_ENTITIES)[number], string> = {
  user: "account",
  paymentMethod: "payment method",
  device: "device",
  ip: "IP address",
  emailDomain: "e-mail domain",
};

const allowHit = (id: string, description: string): RuleHit => ({ id, action: "allow", description });
const formatUsd = (minor: number): string => `$${(minor / 100).toLocaleString("en-US")}`;
