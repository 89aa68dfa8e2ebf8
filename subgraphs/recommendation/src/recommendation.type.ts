import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { PartnerContract } from "@aisle/kit";

/** Why an item is in a list, as a stable code (the human `reason` says it in words). */
export const RecommendationReason = {
  PERSONALIZED: "PERSONALIZED",
  SIMILAR_TO_VIEWED: "SIMILAR_TO_VIEWED",
  BOUGHT_TOGETHER: "BOUGHT_TOGETHER",
  TRENDING: "TRENDING",
  POPULAR_IN_CATEGORY: "POPULAR_IN_CATEGORY",
  BUY_AGAIN: "BUY_AGAIN",
  RECENTLY_VIEWED: "RECENTLY_VIEWED",
  ON_SALE: "ON_SALE",
  EXPLORATION: "EXPLORATION",
  PROMOTED: "PROMOTED",
} as const;
export type RecommendationReason = (typeof RecommendationReason)[keyof typeof RecommendationReason];

registerEnumType(RecommendationReason, {
  name: "RecommendationReason",
  description: "Why an item is recommended, as a code a client can count and style by.",
  valuesConfig: {
    PERSONALIZED: { description: "Picked for this shopper by the model (their history and taste)." },
    SIMILAR_TO_VIEWED: { description: "Close to something the shopper viewed or is viewing." },
    BOUGHT_TOGETHER: { description: "Often bought or viewed in the same session as the shopper's items." },
    TRENDING: { description: "Interactions rising now (time-decayed counts, short half-life)." },
    POPULAR_IN_CATEGORY: { description: "Popular in a category (time-decayed counts, long half-life)." },
    BUY_AGAIN: {
      description: "Bought before and due again (bought twice or more, or its category's cadence).",
    },
    RECENTLY_VIEWED: { description: "Viewed recently by the shopper." },
    ON_SALE: { description: "Discounted now (pricing's offered price below list)." },
    EXPLORATION: { description: "A slot given to something new, so the feedback loop does not close." },
    PROMOTED: { description: "Boosted or pinned by the caller's controls or a business rule." },
  },
});

export const FilterMode = { STRICT: "STRICT", RELAXED: "RELAXED" } as const;
export type FilterMode = (typeof FilterMode)[keyof typeof FilterMode];
registerEnumType(FilterMode, {
  name: "RecommendationFilterMode",
  description: "How a filter applies.",
  valuesConfig: {
    STRICT: { description: "Only matching items (the list may come back shorter than asked)." },
    RELAXED: { description: "Matching items first, then the best of the rest to fill the list." },
  },
});

export const DiversityLevel = { OFF: "OFF", LOW: "LOW", MEDIUM: "MEDIUM", HIGH: "HIGH" } as const;
export type DiversityLevel = (typeof DiversityLevel)[keyof typeof DiversityLevel];
registerEnumType(DiversityLevel, {
  name: "RecommendationDiversity",
  description: "How hard re-ranking spreads a list over categories and styles (maximal marginal relevance).",
  valuesConfig: {
    OFF: { description: "Relevance order only (λ = 1)." },
    LOW: { description: "λ = 0.9." },
    MEDIUM: { description: "λ = 0.7." },
    HIGH: { description: "λ = 0.4: one category can hardly take two slots in a row." },
  },
});

@Directive('@key(fields: "id")')
@ObjectType("Product", { description: "A product; recommendation adds similar and bought-together lists." })
export class RecommendedProductType {
  @Field(() => ID, { description: "Product id." })
  id!: string;
}

/** A discount pricing offers on a product (pricing resolves it; it reaches recommendation through @requires). */
@Directive("@shareable")
@ObjectType("ProductDiscount", { description: "A discount pricing offers now on a product." })
export class ProductDiscountType {
  @Field(() => ID, { description: "The product." })
  productId!: string;

  @Field(() => Float, { description: "Percent off the list price (US prices), e.g. 12.5." })
  discountPercent!: number;
}

@Directive('@key(fields: "id")')
@ObjectType("User", { description: "A shopper; recommendation adds their personal feed." })
export class RecommendationUserType {
  @Field(() => ID, { description: "User id." })
  id!: string;

  @Directive("@external")
  @Field(() => [ProductDiscountType], {
    nullable: true,
    description: "Pricing's discounts on this shopper's on-sale candidates (resolved by pricing).",
  })
  saleDiscounts?: ProductDiscountType[] | null;
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

  @PartnerContract()
  @Field(() => RecommendationReason, {
    description: "Why, as a stable code (the reason in words is `reason`).",
  })
  reasonCode!: RecommendationReason;

  @PartnerContract()
  @Field(() => String, {
    description:
      'The model (or rule) version that produced the list, e.g. "rec-user-tower@1.0.0+rec-ranker@1.0.0".',
  })
  modelVersion!: string;

  @Field(() => Int, { description: "1-based position in the list." })
  position!: number;

  @PartnerContract()
  @Field(() => String, {
    description:
      "Opaque, signed token naming this list, position and model version: send it back as the " +
      "attributionToken of a click, add_to_cart or purchase event (recordEvents) to credit the list. Valid 30 days.",
  })
  attributionToken!: string;
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

@InputType("RecommendationFilter", { description: "Which items a list may hold." })
export class RecommendationFilterInput {
  @Field(() => [ID], { nullable: true, description: "Leaf or department category ids (any of them)." })
  categoryIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: "Brand ids (any of them)." })
  brandIds?: string[] | null;

  @Field(() => Int, { nullable: true, description: "Lowest list price, in US cents (inclusive)." })
  minPriceMinor?: number | null;

  @Field(() => Int, { nullable: true, description: "Highest list price, in US cents (inclusive)." })
  maxPriceMinor?: number | null;

  @Field(() => FilterMode, {
    nullable: true,
    description: "STRICT (default): only matches; RELAXED: matches first, then the rest.",
  })
  mode?: FilterMode | null;
}

@InputType("RecommendationControls", {
  description:
    "Per-request controls of a recommendation list. Invalid values (min price above max, more than 50 ids in a " +
    "list, a level out of range) answer BAD_USER_INPUT naming the field.",
})
export class RecommendationControlsInput {
  @Field(() => RecommendationFilterInput, {
    nullable: true,
    description: "Category, brand and price filters.",
  })
  filter?: RecommendationFilterInput | null;

  @Field(() => DiversityLevel, {
    nullable: true,
    description: "Diversity of the list. Default: the service's.",
  })
  diversity?: DiversityLevel | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Price re-rank level from -1 (cheaper first) to 1 (pricier first); 0 or absent: none. Scores are " +
      "multiplied by (price / category median)^level.",
  })
  priceLevel?: number | null;

  @Field(() => [ID], {
    nullable: true,
    description: "Products whose score is doubled (if they are candidates); they get reasonCode PROMOTED.",
  })
  boostIds?: string[] | null;

  @Field(() => [ID], {
    nullable: true,
    description: "Products placed first, in this order, whether or not they were candidates (PROMOTED).",
  })
  pinIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: "Products never to show." })
  excludeIds?: string[] | null;

  @Field(() => Float, {
    nullable: true,
    description: "Drop items scoring below this share (0-1) of the list's best score. Pinned items stay.",
  })
  minRelevance?: number | null;
}

@ObjectType("HomeFeed", {
  description: "The anonymous home page: what is trending now and what is popular in a category. No sign-in.",
})
export class HomeFeedType {
  @Field(() => [RecommendationType], {
    description: "Trending now: interactions with a short half-life (24 h), from the behaviour stream.",
  })
  trending!: RecommendationType[];

  @Field(() => ID, {
    nullable: true,
    description: "The category of popularInCategory: the one asked, else the most trending category.",
  })
  categoryId!: string | null;

  @Field(() => [RecommendationType], {
    description: "Popular in the category: interactions with a long half-life (30 days).",
  })
  popularInCategory!: RecommendationType[];

  @Field(() => String, { description: "What produced the lists, e.g. trending-decay@1." })
  modelVersion!: string;
}
