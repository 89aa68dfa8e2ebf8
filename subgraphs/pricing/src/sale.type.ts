import { Directive, Field, Float, ID, ObjectType } from "type-graphql";

/** A discount pricing offers now on a product (USD list and offered prices). Shared with recommendation. */
@Directive("@shareable")
@ObjectType("ProductDiscount", { description: "A discount pricing offers now on a product." })
export class ProductDiscountType {
  @Field(() => ID, { description: "The product." })
  productId!: string;

  @Field(() => Float, { description: "Percent off the list price (US prices), e.g. 12.5." })
  discountPercent!: number;
}

/**
 * `User` as pricing sees it: only to price the on-sale candidates recommendation chose for the shopper. The
 * gateway fetches `saleCandidateIds` from recommendation, hands them here (`@requires`), and passes the
 * discounts back to recommendation's `onSale` (`@requires` again): no subgraph imports another.
 */
@Directive('@key(fields: "id")')
@ObjectType("User", { description: "A shopper; pricing adds the discounts on their on-sale candidates." })
export class PricingUserType {
  @Field(() => ID, { description: "User id." })
  id!: string;

  @Directive("@external")
  @Field(() => [ID], {
    nullable: true,
    description: "Products recommendation considers for the shopper's on-sale shelf (resolved there).",
  })
  saleCandidateIds?: string[] | null;
}
