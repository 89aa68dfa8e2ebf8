import { Arg, Authorized, Ctx, Directive, FieldResolver, Float, Resolver, Root } from "type-graphql";
import { Rule, Scope, type RequestContext } from "@aisle/kit";
import { ProductType, type ProductRef } from "./product.type.ts";
import { ReplenishmentType } from "./replenishment.type.ts";
import type { Replenishment, ReplenishmentService } from "./replenishment.service.ts";

@Resolver(() => ProductType)
export class ReplenishmentResolver {
  constructor(private readonly service: ReplenishmentService) {}

  @Authorized(Rule.scope(Scope.ops))
  @Directive("@cost(weight: 10)")
  @FieldResolver(() => ReplenishmentType, {
    nullable: true,
    description:
      "Demand forecast and reorder figures per warehouse (scope service:ops only; others get FORBIDDEN or " +
      "UNAUTHENTICATED). Null for a product without stock records.",
  })
  replenishment(
    @Root() product: ProductRef,
    @Arg("serviceLevel", () => Float, {
      defaultValue: 0.95,
      description: "Target probability of no stock-out during a supplier lead time, 0.5 to 0.999.",
    })
    serviceLevel: number,
    @Ctx() ctx: RequestContext,
  ): Promise<Replenishment | null> {
    return this.service.plan(ctx, product.id, serviceLevel);
  }
}
