import { Directive, Field, ID, ObjectType } from "type-graphql";
import { PartnerContract } from "@aisle/kit";

@Directive('@key(fields: "id")')
@PartnerContract()
@ObjectType("Category", { description: "A node of the category tree (department → category)." })
export class CategoryType {
  @Field(() => ID, { description: "Stable category id, e.g. c-wireless-earbuds." })
  id!: string;

  @Field(() => String, { description: "Display name." })
  name!: string;

  @Field(() => String, { description: "URL-safe name, unique across the tree." })
  slug!: string;
}
