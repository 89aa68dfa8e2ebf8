import { Arg, Ctx, Directive, FieldResolver, Resolver, Root } from "type-graphql";
import { PartnerContract } from "@aisle/kit";
import type { RequestContext } from "@aisle/kit";
import type { PricingLoaders } from "./loaders.ts";
import { PriceContext, ProductPriceType, ProductStub } from "./price.type.ts";
import type { PricingService } from "./pricing.service.ts";

@Resolver(() => ProductStub)
export class ProductPriceResolver {
  constructor(
    private readonly service: PricingService,
    private readonly loaders: PricingLoaders,
  ) {}

  @Directive("@cost(weight: 2)")
  @PartnerContract()
  @FieldResolver(() => ProductPriceType, {
    nullable: true,
    description:
      "The price offered now in the asked currency, with the list price, the reason it differs and the model version. Null for a product pricing does not know; BAD_USER_INPUT for an unsupported currency or region.",
  })
  async price(
    @Root() product: ProductStub,
    @Arg("context", () => PriceContext, { description: "Currency, region and (optionally) the shopper." })
    context: PriceContext,
    @Ctx() ctx: RequestContext,
  ): Promise<ProductPriceType | null> {
    const rate = this.service.checkContext(context);
    const quote = await ctx.loaders.get(this.loaders.quoteByProductId).load(product.id);
    return quote === null ? null : this.service.present(quote, context.currency, rate);
  }
}
