import { Directive, Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { PartnerContract } from "@aisle/kit";

@Directive('@key(fields: "id")')
@ObjectType("Product", { description: "A product; recommendation adds similar and bought-together lists." })
export class RecommendedProductType {
  @Field(() => ID, { description: "Product id." })
  id!: string;
}

@Directive('@key(fields: "id")')
@ObjectType("User", { description: "A shopper; recommendation adds their personal feed." })
export class RecommendationUserType {
  @Field(() => ID, { description: "User id." })
  id!: string;
}

@ObjectType("Recommendation", { description: "One recommended product, its score and why it is there." })
export class RecommendationType {
  @PartnerContract()
  @Field(() => RecommendedProductType, {
    description: "The recommended product (title, image... from the catalog).",
  })
  product!: RecommendedProductType;

  @PartnerContract()
  @Field(() => Float, { description: "Ranking score; higher is better. Comparable within one list only." })
  score!: number;

  @PartnerContract()
  @Field(() => String, {
    description: 'Why, in a few words: "because you viewed …", "popular in …", "often bought with …".',
  })
  reason!: string;

  @Field(() => [String], {
    description: "Recall paths that proposed it: two-tower, co-occurrence, popularity, content, exploration.",
  })
  sources!: string[];
}

@InputType("RecommendationContext", { description: "Where the recommendations will be shown." })
export class RecommendationContextInput {
  @Field(() => String, { nullable: true, description: "Surface, e.g. home, product, cart." })
  surface?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "web, ios or android (mobile changes ranking a little).",
  })
  device?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "A category being browsed: its popular items join the candidates.",
  })
  categoryId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "A product being viewed: its neighbours join the candidates.",
  })
  productId?: string | null;
}

@InputType("RecommendableProductInput", {
  description: "A product to add to (or update in) the recommendation index, e.g. a new listing.",
})
export class RecommendableProductInput {
  @Field(() => ID, { description: "Product id." })
  id!: string;

  @Field(() => String, { description: "Title, used in reasons." })
  title!: string;

  @Field(() => ID, { description: "Its leaf category id (must exist)." })
  categoryId!: string;

  @Field(() => ID, { description: "Its brand id (an unknown brand is allowed: the model ignores it)." })
  brandId!: string;

  @Field(() => String, { description: "budget, mid or premium." })
  tier!: string;

  @Field(() => Int, { description: "List price in cents, positive." })
  priceMinor!: number;
}
