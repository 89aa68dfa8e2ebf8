import { Arg, Authorized, Ctx, Directive, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { OWNER_OR_SERVICE, type RequestContext } from "@aisle/kit";
import type { RecommendationService } from "./recommendation.service.ts";
import {
  RecommendationContextInput,
  RecommendationType,
  RecommendationUserType,
} from "./recommendation.type.ts";
import { toRecommendation } from "./product.resolver.ts";

@Resolver(() => RecommendationUserType)
export class UserRecommendationsResolver {
  constructor(private readonly service: RecommendationService) {}

  @Authorized(OWNER_OR_SERVICE)
  @Directive("@cost(weight: 2)")
  @Directive('@listSize(slicingArguments: ["first"])')
  @FieldResolver(() => [RecommendationType], {
    nullable: true,
    description:
      "A personal feed: recall (two-tower, co-occurrence, popularity, content), one batched ranking run, then " +
      "re-ranking (no purchased or out-of-stock items, diversity, boosts, a little exploration). New users get " +
      "popular and contextual items. Private: the user themself or a service.",
  })
  async recommendations(
    @Root() user: RecommendationUserType,
    @Ctx() ctx: RequestContext,
    @Arg("first", () => Int, { defaultValue: 20, description: "How many, 0 to 50." }) first: number,
    @Arg("context", () => RecommendationContextInput, {
      nullable: true,
      description: "Where they will be shown.",
    })
    context: RecommendationContextInput | null | undefined,
  ): Promise<RecommendationType[]> {
    const items = await this.service.forUser(ctx, user.id, first, {
      surface: context?.surface ?? null,
      device: context?.device ?? null,
      categoryId: context?.categoryId ?? null,
      productId: context?.productId ?? null,
    });
    return items.map(toRecommendation);
  }
}
