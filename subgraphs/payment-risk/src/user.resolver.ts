import { Arg, Authorized, Directive, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { badUserInput, Rule, Scope } from "@aisle/kit";
import type { PaymentRiskService } from "./payment-risk.service.ts";
import { toAssessmentType } from "./risk-assessment.resolver.ts";
import { RiskProfileType } from "./risk-assessment.type.ts";
import { UserRef } from "./user.type.ts";
import { LEVELS } from "./rules.ts";

const MAX_RECENT = 100;

@Resolver(() => UserRef)
export class UserRiskResolver {
  constructor(private readonly service: PaymentRiskService) {}

  @Authorized(Rule.scope(Scope.checkout), Rule.scope(Scope.ops))
  @Directive('@listSize(slicingArguments: ["limit"], sizedFields: ["recentAssessments"])')
  @FieldResolver(() => RiskProfileType, {
    nullable: true,
    description:
      "The account's payment-risk history (scope service:checkout or service:ops; others get FORBIDDEN).",
  })
  async riskProfile(
    @Root() user: UserRef,
    @Arg("limit", () => Int, {
      defaultValue: 20,
      description: `Recent assessments to consider (1–${MAX_RECENT}).`,
    })
    limit: number,
  ): Promise<RiskProfileType> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT) {
      throw badUserInput(`limit must be 1–${MAX_RECENT}`, "limit");
    }
    const recent = await this.service.recentForUser(user.id, limit);
    const highest = recent.reduce<number>(
      (max, r) => Math.max(max, LEVELS.indexOf(r.level as (typeof LEVELS)[number])),
      -1,
    );
    return {
      accountAgeDays: this.service.accountAgeDays(user.id),
      assessmentCount: recent.length,
      blockedCount: recent.filter((r) => r.action === "block").length,
      highestLevel: LEVELS[highest] ?? null,
      recentAssessments: recent.map(toAssessmentType),
    };
  }
}
