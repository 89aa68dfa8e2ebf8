import { Arg, Authorized, Ctx, Directive, FieldResolver, Int, Mutation, Resolver, Root } from "type-graphql";
import { badUserInput, PartnerContract, type RequestContext, Rule, Scope } from "@aisle/kit";
import type { ListPresenter } from "./list.presenter.ts";
import type { RecommendationService } from "./recommendation.service.ts";
import {
  RecommendableProductInput,
  RecommendationType,
  RecommendedProductType,
} from "./recommendation.type.ts";

/** Versions of the product lists (answers' modelVersion). */
export const PRODUCT_LISTS_VERSION = { boughtTogether: "co-occurrence@1" } as const;

const TIERS = new Set(["budget", "mid", "premium"]);

@Resolver(() => RecommendedProductType)
export class ProductRecommendationsResolver {
  constructor(
    private readonly service: RecommendationService,
    private readonly presenter: ListPresenter,
  ) {}

  @Directive("@cost(weight: 5)")
  @Directive('@listSize(slicingArguments: ["first"])')
  @PartnerContract()
  @FieldResolver(() => [RecommendationType], {
    nullable: true,
    description:
      "Products most like this one (item vectors; a new product is placed by its attributes). Empty for an " +
      "unknown product; null with an error when recommendation is unavailable (the rest of the product stays).",
  })
  similar(
    @Root() product: RecommendedProductType,
    @Arg("first", () => Int, { defaultValue: 10, description: "How many, 0 to 50." }) first: number,
  ): RecommendationType[] {
    return this.presenter.present(this.service.similar(product.id, first), this.service.itemModelVersion);
  }

  @Directive("@cost(weight: 5)")
  @Directive('@listSize(slicingArguments: ["first"])')
  @PartnerContract()
  @FieldResolver(() => [RecommendationType], {
    nullable: true,
    description:
      "Products bought in the same session as this one; for a product without history, popular items of the " +
      "categories bought with its category. Empty for an unknown product; null with an error when " +
      "recommendation is unavailable (the rest of the product stays).",
  })
  boughtTogether(
    @Root() product: RecommendedProductType,
    @Arg("first", () => Int, { defaultValue: 10, description: "How many, 0 to 50." }) first: number,
  ): RecommendationType[] {
    return this.presenter.present(
      this.service.boughtTogether(product.id, first),
      PRODUCT_LISTS_VERSION.boughtTogether,
    );
  }

  @Authorized(Rule.scope(Scope.ops))
  @Mutation(() => RecommendedProductType, {
    deprecationReason:
      "Use the catalog's createProduct / updateProduct: their product-change event upserts the item here.",
    description:
      "Updates a catalog product in the recommendation index (scope service:ops): its item vector is computed " +
      "from its attributes and upserted into the ANN index, so it is recommended as such at once. A product " +
      "the catalog does not resolve gives NOT_FOUND and leaves the index unchanged.",
  })
  async upsertRecommendableProduct(
    @Arg("product", () => RecommendableProductInput, { description: "The product's facts." })
    product: RecommendableProductInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RecommendedProductType> {
    if (!TIERS.has(product.tier)) throw badUserInput("tier must be budget, mid or premium", "tier");
    const facts = await this.service.upsertItem(ctx, {
      id: product.id,
      title: product.title,
      categoryId: product.categoryId,
      brandId: product.brandId,
      tier: product.tier as "budget" | "mid" | "premium",
      priceMinor: product.priceMinor,
    });
    return { id: facts.id };
  }
}
