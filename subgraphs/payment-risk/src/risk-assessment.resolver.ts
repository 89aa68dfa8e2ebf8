import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Rule, Scope, type RequestContext } from "@aisle/kit";
import type { AssessmentRecord, Outcome } from "./assessment.log.ts";
import type { PaymentRiskLoaders } from "./loaders.ts";
import type { PaymentRiskService } from "./payment-risk.service.ts";
import {
  AssessPaymentInputType,
  PaymentOutcome,
  ReportOutcomePayload,
  RiskAssessmentType,
  RiskOutcomeType,
} from "./risk-assessment.type.ts";

/** The GraphQL view of a recorded assessment. */
export function toAssessmentType(record: AssessmentRecord): RiskAssessmentType {
  return {
    ...record,
    ruleHits: [...record.ruleHits],
    reasons: [...record.reasons],
    degradedReasons: [...record.degradedReasons],
    decidedBy: record.decidedBy === null ? null : { ...record.decidedBy },
    inputFingerprint: record.inputHash,
    assessedAt: new Date(record.at),
  };
}

const CHECKOUT = Rule.scope(Scope.checkout);
const OPS = Rule.scope(Scope.ops);

@Resolver(() => RiskAssessmentType)
export class RiskAssessmentResolver {
  constructor(
    private readonly service: PaymentRiskService,
    private readonly loaders: PaymentRiskLoaders,
  ) {}

  @Authorized(CHECKOUT)
  @Mutation(() => RiskAssessmentType, {
    nullable: true,
    description:
      "Assesses one payment (scope service:checkout only; others get FORBIDDEN). The assessment is recorded durably before it is returned; the same input again returns the recorded answer. A card number anywhere in the input gives BAD_USER_INPUT.",
  })
  async assessPayment(
    @Arg("input", () => AssessPaymentInputType, { description: "The payment." })
    input: AssessPaymentInputType,
    @Ctx() ctx: RequestContext,
  ): Promise<RiskAssessmentType> {
    return toAssessmentType(await this.service.assess(ctx, input));
  }

  @Authorized(CHECKOUT, OPS)
  @Mutation(() => ReportOutcomePayload, {
    nullable: true,
    description:
      "Stores what a payment turned out to be, for retraining (scope service:checkout or service:ops). Reporting the same outcome twice stores it once; an unknown assessment gives NOT_FOUND.",
  })
  async reportOutcome(
    @Arg("assessmentId", () => ID, { description: "The assessment." }) assessmentId: string,
    @Arg("outcome", () => PaymentOutcome, { description: "The outcome." }) outcome: Outcome,
  ): Promise<ReportOutcomePayload> {
    const written = await this.service.reportOutcome(assessmentId, outcome);
    return { assessmentId, outcome: written.record.outcome, created: written.created };
  }

  @Authorized(CHECKOUT, OPS)
  @Query(() => RiskAssessmentType, {
    nullable: true,
    description: "One recorded assessment by id (service scopes only); null when unknown.",
  })
  async riskAssessment(
    @Arg("id", () => ID, { description: "Assessment id." }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<RiskAssessmentType | null> {
    const record = await ctx.loaders.get(this.loaders.assessmentById).load(id);
    return record === null ? null : toAssessmentType(record);
  }

  @FieldResolver(() => [RiskOutcomeType], {
    description: "Outcomes reported for this assessment, oldest first.",
  })
  async outcomes(@Root() assessment: RiskAssessmentType): Promise<RiskOutcomeType[]> {
    const outcomes = await this.service.outcomes(assessment.id);
    return outcomes.map((o) => ({ outcome: o.outcome, reportedAt: new Date(o.at) }));
  }
}
