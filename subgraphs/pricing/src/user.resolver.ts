import { Ctx, Directive, FieldResolver, Resolver, Root } from "type-graphql";
import type { RequestContext } from "@aisle/kit";
import type { PricingLoaders } from "./loaders.ts";
import { PricingUserType, ProductDiscountType } from "./sale.type.ts";

@Resolver(() => PricingUserType)
export class PricingUserResolver {
  constructor(private readonly loaders: PricingLoaders) {}

  @Directive('@requires(fields: "saleCandidateIds")')
  @Directive("@inaccessible")
  @FieldResolver(() => [ProductDiscountType], {
    nullable: true,
    description:
      "Discounts offered now among the shopper's on-sale candidates (one batched pricing run). Internal to the " +
      "supergraph: recommendation's `onSale` requires it.",
  })
  async saleDiscounts(
    @Root() user: PricingUserType,
    @Ctx() ctx: RequestContext,
  ): Promise<ProductDiscountType[]> {
    const ids = (user.saleCandidateIds ?? []).slice(0, 100);
    const quotes = await ctx.loaders.get(this.loaders.quoteByProductId).loadMany(ids);
    const out: ProductDiscountType[] = [];
    for (const quote of quotes) {
      if (quote === null || quote instanceof Error || quote.listMinor <= 0) continue;
      const percent = (1 - quote.offeredMinor / quote.listMinor) * 100;
      if (percent > 0.05)
        out.push({ productId: quote.productId, discountPercent: Math.round(percent * 10) / 10 });
    }
    return out;
  }
}
