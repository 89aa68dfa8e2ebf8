import { badUserInput, codedError, ErrorCode, notFound, type RequestContext } from "@aisle/kit";
import type { BatchedModel } from "@aisle/ml";
import type { User } from "@aisle/world";
import {
  fingerprint,
  UnknownAssessmentError,
  redisDeadline,
  type AssessmentLog,
  type AssessmentRecord,
  type Outcome,
  type OutcomeRecord,
  type ReasonRecord,
  type Written,
} from "./assessment.log.ts";
import { findCardNumber } from "./card-number.ts";
import { computeFeatures, FEATURE_NAMES, REASON_TEMPLATES, type FeatureInput } from "./features.ts";
import type { ModelOutput } from "./risk-model.ts";
import type { RuleEngine } from "./rules.ts";
import type { VelocitySnapshot, VelocityStore } from "./velocity.store.ts";

/** A postal address; only the country is required. */
export interface AddressInput {
  readonly country: string;
  readonly postalCode?: string | null | undefined;
  readonly city?: string | null | undefined;
  readonly line1?: string | null | undefined;
}

export interface PaymentItemInput {
  readonly productId: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
}

/** What checkout sends for one payment. */
export interface AssessPaymentInput {
  readonly orderId: string;
  readonly userId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly paymentMethodFingerprint: string;
  readonly deviceId: string;
  readonly ip: string;
  readonly ipCountry?: string | null | undefined;
  readonly emailDomain: string;
  readonly billingAddress: AddressInput;
  readonly shippingAddress: AddressInput;
  readonly items: readonly PaymentItemInput[];
}

export interface PaymentRiskServiceOptions {
  /** Bound on the velocity round trip; past it the model answers alone (degraded). */
  readonly velocityTimeoutMs: number;
  /** Reasons returned at most, and the smallest contribution (log-odds) that counts as a reason. */
  readonly maxReasons: number;
  readonly minReasonContribution: number;
  readonly now?: () => number;
}

const COUNTRY = /^[A-Z]{2}$/;
const MAX_ITEMS = 200;
const MAX_TEXT = 256;

/**
 * Assesses payments: validates the input (card numbers refused), reads and records velocity, scores with the
 * model, applies the rules, writes the durable record, then answers. Reads assessments back.
 */
export class PaymentRiskService {
  readonly #users: ReadonlyMap<string, User>;
  readonly #now: () => number;

  constructor(
    users: readonly User[],
    private readonly velocity: VelocityStore,
    private readonly model: BatchedModel<Float32Array, ModelOutput>,
    private readonly rules: RuleEngine,
    private readonly log: AssessmentLog,
    private readonly options: PaymentRiskServiceOptions,
  ) {
    this.#users = new Map(users.map((u) => [u.id, u]));
    this.#now = options.now ?? Date.now;
  }

  get modelVersion(): string {
    return this.model.version;
  }

  /** Throws BAD_USER_INPUT for a bad payment; never echoes a value that looks like a card number. */
  validate(input: AssessPaymentInput): void {
    const cardField = findCardNumber(input);
    if (cardField !== undefined) {
      throw badUserInput(
        `${cardField} looks like a payment card number; send a payment-method fingerprint, never a card number`,
        cardField,
      );
    }
    const texts: [string, string][] = [
      ["orderId", input.orderId],
      ["userId", input.userId],
      ["paymentMethodFingerprint", input.paymentMethodFingerprint],
      ["deviceId", input.deviceId],
      ["ip", input.ip],
      ["emailDomain", input.emailDomain],
    ];
    for (const [field, value] of texts) {
      if (value.trim() === "" || value.length > MAX_TEXT)
        throw badUserInput(`${field} must be 1–${MAX_TEXT} characters`, field);
    }
    if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) {
      throw badUserInput("amountMinor must be a positive integer (minor units)", "amountMinor");
    }
    if (this.rules.toUsdMinor(input.amountMinor, input.currency) === null) {
      throw badUserInput(
        `currency ${JSON.stringify(input.currency.slice(0, 8))} is not supported`,
        "currency",
      );
    }
    for (const [field, country] of [
      ["billingAddress.country", input.billingAddress.country],
      ["shippingAddress.country", input.shippingAddress.country],
      ["ipCountry", input.ipCountry ?? "US"],
    ] as const) {
      if (!COUNTRY.test(country))
        throw badUserInput(`${field} must be an ISO 3166-1 alpha-2 code like "US"`, field);
    }
    if (input.items.length === 0 || input.items.length > MAX_ITEMS) {
      throw badUserInput(`items must hold 1–${MAX_ITEMS} entries`, "items");
    }
    input.items.forEach((item, i) => {
      if (
        !Number.isSafeInteger(item.quantity) ||
        item.quantity <= 0 ||
        !Number.isSafeInteger(item.unitPriceMinor) ||
        item.unitPriceMinor < 0
      ) {
        throw badUserInput("quantity must be positive and unitPriceMinor non-negative", `items[${i}]`);
      }
    });
  }

  async assess(context: RequestContext, input: AssessPaymentInput): Promise<AssessmentRecord> {
    this.validate(input);
    const inputHash = fingerprint(input);
    const id = `ra_${inputHash.slice(0, 32)}`;
    const now = this.#now();
    // validate() refused currencies without a rate.
    const amountMinorUsd = this.rules.toUsdMinor(input.amountMinor, input.currency) ?? input.amountMinor;
    const user = this.#users.get(input.userId);
    const accountAgeDays =
      user === undefined ? null : Math.max(0, (now - Date.parse(user.signupAt)) / 86_400_000);
    const degradedReasons: string[] = [];

    let velocity: VelocitySnapshot | null = null;
    try {
      velocity = await redisDeadline(
        this.velocity.recordAndRead({
          id,
          at: now,
          amountMinor: amountMinorUsd,
          keys: {
            user: input.userId,
            paymentMethod: input.paymentMethodFingerprint,
            device: input.deviceId,
            ip: input.ip,
            emailDomain: input.emailDomain.toLowerCase(),
          },
          links: {
            user: input.deviceId,
            paymentMethod: input.userId,
            device: input.userId,
            ip: input.userId,
            emailDomain: "",
          },
        }),
        this.options.velocityTimeoutMs,
        "velocity",
      );
    } catch (error) {
      context.log.warn(
        { err: (error as Error).message },
        "velocity unavailable; scoring with the model alone",
      );
      degradedReasons.push("velocity-unavailable");
    }

    const featureInput: FeatureInput = {
      amountMinorUsd,
      accountAgeDays,
      billingCountry: input.billingAddress.country,
      shippingCountry: input.shippingAddress.country,
      ipCountry: input.ipCountry ?? null,
      emailDisposable: this.rules.isDisposableDomain(input.emailDomain),
      itemCount: input.items.reduce((sum, item) => sum + item.quantity, 0),
      velocity,
    };
    const features = computeFeatures(featureInput);
    const output = await this.model.load(context, features);
    const score = Math.min(100, Math.max(0, Math.round(output.probability * 100)));
    const decision = this.rules.decide(
      {
        userId: input.userId,
        paymentMethod: input.paymentMethodFingerprint,
        deviceId: input.deviceId,
        ip: input.ip,
        emailDomain: input.emailDomain,
        amountMinorUsd,
        accountAgeDays,
        billingCountry: input.billingAddress.country,
        shippingCountry: input.shippingAddress.country,
        ipCountry: input.ipCountry ?? null,
        velocity,
      },
      score,
    );
    const record: AssessmentRecord = {
      id,
      at: new Date(now).toISOString(),
      orderId: input.orderId,
      userId: input.userId,
      inputHash,
      score,
      level: decision.level,
      action: decision.action,
      decidedBy: decision.decidedBy,
      ruleHits: decision.hits.map((h) => h.id),
      reasons: this.reasons(output, featureInput, features),
      modelVersion: this.model.version,
      rulesVersion: this.rules.version,
      degraded: degradedReasons.length > 0,
      degradedReasons,
      features: Array.from(features, (x) => Math.round(x * 1e6) / 1e6),
    };
    let written: Written<AssessmentRecord>;
    try {
      written = await this.log.record(record);
    } catch (error) {
      // Never answer an assessment that is not recorded.
      context.log.error({ err: (error as Error).message, id }, "assessment could not be recorded");
      throw codedError(ErrorCode.UNAVAILABLE, "Payment risk is unavailable right now; try again shortly");
    }
    return written.record;
  }

  /** The features that raised the risk most, as reasons (largest contribution first). */
  reasons(output: ModelOutput, input: FeatureInput, features: Float32Array): ReasonRecord[] {
    return FEATURE_NAMES.map((feature, i) => ({ feature, i, contribution: output.contributions[i] ?? 0 }))
      .filter((c) => c.contribution >= this.options.minReasonContribution)
      .sort((a, b) => b.contribution - a.contribution)
      .slice(0, this.options.maxReasons)
      .map(({ feature, i, contribution }) => ({
        code: REASON_TEMPLATES[feature].code,
        feature,
        message: REASON_TEMPLATES[feature].text(input),
        value: Math.round((features[i] ?? 0) * 1e4) / 1e4,
        contribution: Math.round(contribution * 1e4) / 1e4,
      }));
  }

  async reportOutcome(assessmentId: string, outcome: Outcome): Promise<Written<OutcomeRecord>> {
    try {
      return await this.log.recordOutcome({ assessmentId, outcome, at: new Date(this.#now()).toISOString() });
    } catch (error) {
      if (error instanceof UnknownAssessmentError) throw notFound("RiskAssessment", assessmentId);
      throw codedError(ErrorCode.UNAVAILABLE, "Payment risk is unavailable right now; try again shortly");
    }
  }

  assessmentsByIds(ids: readonly string[]): Promise<(AssessmentRecord | null)[]> {
    return this.log.get(ids);
  }

  recentForUser(userId: string, limit: number): Promise<AssessmentRecord[]> {
    return this.log.byUser(userId, limit);
  }

  outcomes(assessmentId: string): Promise<OutcomeRecord[]> {
    return this.log.outcomes(assessmentId);
  }

  accountAgeDays(userId: string): number | null {
    const user = this.#users.get(userId);
    return user === undefined ? null : Math.max(0, (this.#now() - Date.parse(user.signupAt)) / 86_400_000);
  }
}
