import { Ctx, Directive, Query, Resolver } from "type-graphql";
import { Scope, type RequestContext } from "@aisle/kit";
import { RecommendationUserType } from "./recommendation.type.ts";

/**
 * `Query.me` as the User key, from the signed identity every subgraph receives: shared with user-profile
 * (@shareable), so the gateway can start the home feed here and fetch the profile fields and the products in
 * parallel (two sequential waves) instead of asking user-profile first only to learn the caller's id.
 */
@Resolver()
export class MeResolver {
  @Directive("@shareable")
  @Query(() => RecommendationUserType, {
    nullable: true,
    description: "The signed-in caller's own profile; null for an anonymous caller.",
  })
  me(@Ctx() ctx: RequestContext): Pick<RecommendationUserType, "id"> | null {
    // Only shoppers have a profile; user-profile answers null to services and partners too (same rule, so the
    // gateway never merges a profile from one subgraph with a null from the other).
    return ctx.userId === null || !ctx.hasScope(Scope.shopper) ? null : { id: ctx.userId };
  }
}
