import { Directive, Field, ID, ObjectType } from "type-graphql";
import { PartnerContract } from "@aisle/kit";

@Directive('@key(fields: "id")')
@PartnerContract()
@ObjectType("Brand", { description: "A brand whose products Aisle sells." })
export class BrandType {
  @Field(() => ID, { description: "Stable brand id, e.g. b-nordvik." })
  id!: string;

  @Field(() => String, { description: "Display name." })
  name!: string;

  @Field(() => String, { description: "Market position: budget, mid or premium." })
  tier!: string;
}
