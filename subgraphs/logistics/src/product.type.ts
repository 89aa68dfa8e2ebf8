import { Directive, Field, ID, ObjectType } from "type-graphql";

@Directive('@key(fields: "id")')
@ObjectType("Product", {
  description:
    "Something Aisle sells. The logistics subgraph adds stock, delivery estimates and replenishment.",
})
export class ProductType {
  @Field(() => ID, { description: "Stable product id, e.g. p-42." })
  id!: string;
}

/** What the logistics resolvers hold for a product. */
export interface ProductRef {
  readonly id: string;
}
