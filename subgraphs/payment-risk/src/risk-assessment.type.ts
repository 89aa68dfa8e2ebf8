import { DateTimeISOResolver } from "graphql-scalars";
import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";

/** GraphQL names of the levels; values are the internal names. */
export const RiskLevel = { NORMAL: "normal", ELEVATED: "elevated", HIGHEST: "highest" } as const;
export const RiskAction = {
  ALLOW: "allow",
  CHALLENGE: "challenge",
  REVIEW: "review",
  BLOCK: "block",
} as const;
export const PaymentOutcome = { FRAUD: "fraud", CHARGEBACK: "chargeback", LEGITIMATE: "legitimate" } as const;

registerEnumType(RiskLevel, {
  name: "RiskLevel",
  description: "How risky a payment looks, from the score thresholds (raised by a rule that fired).",
  valuesConfig: {
    NORMAL: { description: "Below the elevated threshold." },
    ELEVATED: {
      description: "At or above the elevated threshold, or a rule asked for a challenge or review.",
    },
    HIGHEST: { description: "At or above the highest threshold, or a rule blocked the payment." },
  },
});
registerEnumType(RiskAction, {
  name: "RiskAction",
  description: "What checkout should do with the payment.",
  valuesConfig: {
    ALLOW: { description: "Take the payment." },
    CHALLENGE: { description: "Ask the shopper for a step-up check (3-D Secure, one-time code)." },
    REVIEW: { description: "Hold the order for a manual review." },
    BLOCK: { description: "Refuse the payment." },
  },
});
registerEnumType(PaymentOutcome, {
  name: "PaymentOutcome",
  description: "What a payment turned out to be: the label used for retraining.",
  valuesConfig: {
    FRAUD: { description: "Confirmed fraud." },
    CHARGEBACK: { description: "The card holder disputed the payment." },
    LEGITIMATE: { description: "Confirmed legitimate." },
  },
});

@InputType("RiskAddressInput", { description: "A postal address; only the country is required." })
export class RiskAddressInput {
  @Field(() => String, { description: 'ISO 3166-1 alpha-2 country code, e.g. "US".' })
  country!: string;

  @Field(() => String, { nullable: true, description: "Postal code." })
  postalCode?: string | null;

  @Field(() => String, { nullable: true, description: "City." })
  city?: string | null;

  @Field(() => String, { nullable: true, description: "First address line." })
  line1?: string | null;
}

@InputType("RiskItemInput", { description: "One line of the order." })
export class RiskItemInput {
  @Field(() => ID, { description: "Product id." })
  productId!: string;

  @Field(() => Int, { description: "Quantity (positive)." })
  quantity!: number;

  @Field(() => Int, { description: "Unit price in minor units of the payment's currency." })
  unitPriceMinor!: number;
}

@InputType("AssessPaymentInput", {
  description:
    "One payment to assess. Never a card number: any string that looks like one (13–19 digits passing the Luhn check) is refused with BAD_USER_INPUT.",
})
export class AssessPaymentInputType {
  @Field(() => ID, { description: "The order being paid." })
  orderId!: string;

  @Field(() => ID, { description: "The paying account's user id." })
  userId!: string;

  @Field(() => Int, { description: "Amount in minor units (cents for USD)." })
  amountMinor!: number;

  @Field(() => String, {
    description: 'ISO 4217 currency code, e.g. "USD" (the configured rates list the accepted ones).',
  })
  currency!: string;

  @Field(() => String, {
    description:
      "Stable fingerprint of the payment method from the payment provider (never the card number).",
  })
  paymentMethodFingerprint!: string;

  @Field(() => String, { description: "Device id from the storefront's device fingerprinting." })
  deviceId!: string;

  @Field(() => String, { description: "The shopper's IP address." })
  ip!: string;

  @Field(() => String, {
    nullable: true,
    description: "Country of the IP address (ISO alpha-2) from the edge's geo-IP, when known.",
  })
  ipCountry?: string | null;

  @Field(() => String, { description: 'Domain of the shopper\'s e-mail address, e.g. "gmail.com".' })
  emailDomain!: string;

  @Field(() => RiskAddressInput, { description: "Billing address." })
  billingAddress!: RiskAddressInput;

  @Field(() => RiskAddressInput, { description: "Shipping address." })
  shippingAddress!: RiskAddressInput;

  @Field(() => [RiskItemInput], { description: "The order's lines (1–200)." })
  items!: RiskItemInput[];
}

@ObjectType("RiskReason", {
  description:
    "Why the model scored as it did: one input's contribution, from the additive model's own decomposition.",
})
export class RiskReasonType {
  @Field(() => String, { description: 'Stable reason code, e.g. "PAYMENT_METHOD_VELOCITY_1H".' })
  code!: string;

  @Field(() => String, { description: "The model input behind the reason." })
  feature!: string;

  @Field(() => String, { description: "Human-readable reason built from the raw value." })
  message!: string;

  @Field(() => Float, { description: "The model input's value (transformed, e.g. log1p of a count)." })
  value!: number;

  @Field(() => Float, {
    description:
      "Contribution to the log-odds of fraud relative to a typical payment; positive raises the risk.",
  })
  contribution!: number;
}

@ObjectType("RiskRuleDecision", { description: "A configured rule that decided the action." })
export class RiskRuleDecisionType {
  @Field(() => String, { description: 'Rule id, e.g. "velocity:payment-method-1h" or "block-list:device".' })
  id!: string;

  @Field(() => RiskAction, { description: "The action the rule asked for." })
  action!: string;

  @Field(() => String, { description: "What the rule saw." })
  description!: string;
}

@ObjectType("RiskOutcomeReport", { description: "An outcome reported for an assessment." })
export class RiskOutcomeType {
  @Field(() => PaymentOutcome, { description: "The outcome." })
  outcome!: string;

  @Field(() => DateTimeISOResolver, { description: "When it was first reported." })
  reportedAt!: Date;
}

@Directive('@key(fields: "id")')
@ObjectType("RiskAssessment", {
  description: "The risk assessment of one payment, as recorded durably before it was returned.",
})
export class RiskAssessmentType {
  @Field(() => ID, {
    description:
      "Assessment id; the same input always gets the same id (a replay returns the recorded answer).",
  })
  id!: string;

  @Field(() => ID, { description: "The order assessed." })
  orderId!: string;

  @Field(() => ID, { description: "The paying account." })
  userId!: string;

  @Field(() => Int, { description: "Fraud score 0–100 (the model's probability × 100)." })
  score!: number;

  @Field(() => RiskLevel, { description: "Risk level from the score thresholds." })
  level!: string;

  @Field(() => RiskAction, { description: "What checkout should do." })
  action!: string;

  @Field(() => RiskRuleDecisionType, {
    nullable: true,
    description: "The rule that decided the action; null when the model's score did.",
  })
  decidedBy!: RiskRuleDecisionType | null;

  @Field(() => [String], { description: "Every rule that fired, in evaluation order." })
  ruleHits!: string[];

  @Field(() => [RiskReasonType], {
    description: "The inputs that raised the risk most, largest contribution first.",
  })
  reasons!: RiskReasonType[];

  @Field(() => String, { description: "Version of the model that scored." })
  modelVersion!: string;

  @Field(() => String, { description: "Version of the rules configuration that decided." })
  rulesVersion!: string;

  @Field(() => Boolean, {
    description:
      "True when part of the pipeline was unavailable (e.g. velocity: Redis down) and the answer rests on less.",
  })
  degraded!: boolean;

  @Field(() => [String], { description: 'What was unavailable, e.g. "velocity-unavailable".' })
  degradedReasons!: string[];

  @Field(() => String, { description: "sha256 of the canonical input (the input itself is never stored)." })
  inputFingerprint!: string;

  @Field(() => DateTimeISOResolver, { description: "When the payment was assessed." })
  assessedAt!: Date;
}

@ObjectType("ReportOutcomePayload", { description: "The result of reporting an outcome." })
export class ReportOutcomePayload {
  @Field(() => ID, { description: "The assessment the outcome is for." })
  assessmentId!: string;

  @Field(() => PaymentOutcome, { description: "The outcome stored." })
  outcome!: string;

  @Field(() => Boolean, {
    description: "False when this outcome was already recorded for the assessment (replays are idempotent).",
  })
  created!: boolean;
}

@ObjectType("RiskProfile", { description: "A user's payment-risk history, for service callers." })
export class RiskProfileType {
  @Field(() => Float, {
    nullable: true,
    description: "Account age in days; null for an account the world does not know.",
  })
  accountAgeDays!: number | null;

  @Field(() => Int, { description: "Assessments among the most recent (up to `limit`)." })
  assessmentCount!: number;

  @Field(() => Int, { description: "Blocked payments among them." })
  blockedCount!: number;

  @Field(() => RiskLevel, {
    nullable: true,
    description: "The highest level among them; null without assessments.",
  })
  highestLevel!: string | null;

  @Field(() => [RiskAssessmentType], { description: "The most recent assessments, newest first." })
  recentAssessments!: RiskAssessmentType[];
}
