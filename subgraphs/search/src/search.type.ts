import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { PartnerContract } from "@aisle/kit";

@Directive('@key(fields: "id", resolvable: false)')
@ObjectType("Product", {
  description: "A product (resolved by the catalog subgraph); search only knows its id.",
})
export class ProductRefType {
  @Field(() => ID, { description: "Stable product id, e.g. p-42." })
  id!: string;
}

export enum SearchSort {
  RELEVANCE = "RELEVANCE",
  PRICE_ASC = "PRICE_ASC",
  PRICE_DESC = "PRICE_DESC",
  NEWEST = "NEWEST",
}
registerEnumType(SearchSort, {
  name: "SearchSort",
  description: "Order of search hits.",
  valuesConfig: {
    RELEVANCE: {
      description: "Best match first (hybrid retrieval, re-ranked; personalised for a signed-in shopper).",
    },
    PRICE_ASC: { description: "Cheapest first, among the matching products." },
    PRICE_DESC: { description: "Most expensive first, among the matching products." },
    NEWEST: { description: "Most recently listed first, among the matching products." },
  },
});

export enum IntentSource {
  NAME = "NAME",
  RESULTS = "RESULTS",
  EMBEDDING = "EMBEDDING",
}
registerEnumType(IntentSource, {
  name: "SearchIntentSource",
  description: "How the category intent was detected.",
  valuesConfig: {
    NAME: { description: "The query names the category (or its plural/singular)." },
    RESULTS: { description: "All of the top 10 lexical matches are in the category." },
    EMBEDDING: { description: "The query's embedding is clearly nearest to the category's centroid." },
  },
});

export enum SuggestionKind {
  QUERY = "QUERY",
  CATEGORY = "CATEGORY",
  PRODUCT = "PRODUCT",
}
registerEnumType(SuggestionKind, {
  name: "SearchSuggestionKind",
  description: "What an autocomplete suggestion leads to.",
  valuesConfig: {
    QUERY: { description: "A query to run." },
    CATEGORY: { description: "A category to browse (filter `category`)." },
    PRODUCT: { description: "A product page." },
  },
});

@InputType("SearchFilterInput", {
  description:
    "One filter. `field` is `category`, `brand`, `price` or an attribute name (e.g. `Color`); list values OR together, filters AND together.",
})
export class SearchFilterInput {
  @Field(() => String, { description: "`category`, `brand`, `price`, or an attribute name such as `Color`." })
  field!: string;

  @Field(() => [String], {
    nullable: true,
    description: "Accepted values: category ids, brand ids or attribute values. Not for `price`.",
  })
  values?: string[] | null;

  @Field(() => Float, { nullable: true, description: "Lowest price in USD (inclusive); `price` only." })
  min?: number | null;

  @Field(() => Float, { nullable: true, description: "Highest price in USD (inclusive); `price` only." })
  max?: number | null;
}

@InputType("SearchBoostInput", {
  description:
    "A boost or bury rule: products whose `field` has one of `values` move up (boost) or down (bury) the relevance order.",
})
export class SearchBoostInput {
  @Field(() => String, {
    description: "`product` (product ids), `brand` (brand ids) or `category` (category ids, any level).",
  })
  field!: string;

  @Field(() => [String], { description: "Ids to match (1 to 100)." })
  values!: string[];

  @Field(() => Float, {
    nullable: true,
    defaultValue: 1,
    description:
      "Strength, above 0 and at most 10 (default 1): each unit halves a boosted product's position in the relevance order (position 10 → about 5), or doubles a buried one's.",
  })
  weight?: number;
}

@InputType("SearchMerchandisingInput", {
  description:
    "Per-request merchandising, applied to the RELEVANCE order only (other sorts ignore it): it reorders the top 200 candidates and the top 50 matches of each boost rule and optional filter.",
})
export class SearchMerchandisingInput {
  @Field(() => [ID], {
    nullable: true,
    description:
      "Product ids placed first, in this order (at most 10). A pin outside the filters, or unknown to the index, is skipped; a pin need not match the query.",
  })
  pin?: string[] | null;

  @Field(() => [SearchBoostInput], {
    nullable: true,
    description: "Rules that raise matching products (at most 20 boost and bury rules together).",
  })
  boost?: SearchBoostInput[] | null;

  @Field(() => [SearchBoostInput], { nullable: true, description: "Rules that lower matching products." })
  bury?: SearchBoostInput[] | null;

  @Field(() => [SearchFilterInput], {
    nullable: true,
    description:
      "Optional filters (at most 10, same fields as `filters`): products passing one rise as by a boost of weight 1; the others stay in the results.",
  })
  optionalFilters?: SearchFilterInput[] | null;
}

@InputType("SearchContextInput", {
  description: "Where the search happens; never identifies the shopper (that comes from the token).",
})
export class SearchContextInput {
  @Field(() => Boolean, {
    nullable: true,
    defaultValue: true,
    description:
      "Let a signed-in shopper's affinities reorder results. Anonymous callers are never personalised.",
  })
  personalize?: boolean;

  @Field(() => String, {
    nullable: true,
    description: "Client surface, e.g. web or app (logged for analysis).",
  })
  surface?: string | null;
}

@PartnerContract()
@ObjectType("SearchHit", { description: "One matching product with its score and highlighted title." })
export class SearchHitType {
  @Field(() => ProductRefType, {
    description: "The product (title, images, price come from the other subgraphs).",
  })
  product!: ProductRefType;

  @Field(() => Float, { description: "Final ranking score (comparable within one result only)." })
  score!: number;

  @Field(() => String, {
    nullable: true,
    description:
      "The product title with matched words in <em>…</em> (HTML-escaped); null when the match was semantic only.",
  })
  highlight!: string | null;

  @Field(() => Boolean, { description: "True when merchandising pinned this product (`merchandising.pin`)." })
  pinned!: boolean;

  @PartnerContract()
  @Field(() => String, {
    nullable: true,
    description:
      "attributionToken of a click, add_to_cart or purchase event (recordEvents) on this hit: credits the search and the position, which is how search learns from shoppers. Valid 30 days; null when the server does not attribute searches.",
  })
  attributionToken!: string | null;
}

// Its own page-info type: the kit's PageInfo is not @shareable, and a second subgraph resolving it would not compose.
@PartnerContract()
@ObjectType("SearchPageInfo", {
  description: "Where a page of search hits sits in the result (Relay-style).",
})
export class SearchPageInfoType {
  @Field(() => Boolean, { description: "True when more hits follow this page." })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: "True when hits precede this page." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the first hit of the page." })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Cursor of the last hit; pass it as `after` for the next page.",
  })
  endCursor!: string | null;
}

@PartnerContract()
@ObjectType("SearchHitEdge", { description: "A hit in a page, with its cursor." })
export class SearchHitEdge {
  @Field(() => SearchHitType, { description: "The hit." })
  node!: SearchHitType;

  @Field(() => String, { description: "Opaque cursor; pass it as `after` to continue after this hit." })
  cursor!: string;
}

@PartnerContract()
@ObjectType("SearchFacetValue", { description: "One value of a facet with the number of matching products." })
export class SearchFacetValueType {
  @Field(() => String, {
    description: "Value to filter on: a category id, brand id, attribute value, or `min-max` USD for price.",
  })
  value!: string;

  @Field(() => String, { description: "Display label." })
  label!: string;

  @Field(() => Int, { description: "Matching products with this value." })
  count!: number;

  @Field(() => Float, { nullable: true, description: "Lower bound in USD (price ranges only)." })
  min!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Upper bound in USD, null for the open top range (price ranges only).",
  })
  max!: number | null;

  @Field(() => Boolean, { description: "True when a filter of this search already selects the value." })
  selected!: boolean;
}

@PartnerContract()
@ObjectType("SearchFacet", { description: "Counts of matching products per value of one field." })
export class SearchFacetType {
  @Field(() => String, {
    description: "Field to pass in SearchFilterInput.field: category, brand, price or an attribute name.",
  })
  field!: string;

  @Field(() => String, { description: "Display label of the field." })
  label!: string;

  @Field(() => [SearchFacetValueType], {
    description: "Values, most frequent first (price ranges in price order).",
  })
  values!: SearchFacetValueType[];

  @Field(() => Float, {
    description:
      "How well the facet splits this result, 0 to 1 (facets come most useful first): the share of matching products with a value times the chance that two of them have different values (Gini-Simpson), values held by every match left out. 0 when one value holds them all.",
  })
  usefulness!: number;
}

@PartnerContract()
@ObjectType("SearchCategoryIntent", { description: "The category the query seems to be about." })
export class SearchCategoryIntentType {
  @Field(() => ID, { description: "Category id." })
  categoryId!: string;

  @Field(() => String, { description: "Category name." })
  name!: string;

  @Field(() => Float, {
    description: "1 for a named category or unanimous results, else the centroid cosine similarity.",
  })
  confidence!: number;

  @Field(() => IntentSource, { description: "How it was detected." })
  source!: IntentSource;
}

@PartnerContract()
@ObjectType("SearchAppliedFilter", { description: "A filter the engine took from the query text." })
export class SearchAppliedFilterType {
  @Field(() => String, { description: "Filter field: brand, price or an attribute name." })
  field!: string;

  @Field(() => [String], { description: "Values (brand ids or attribute values); empty for price." })
  values!: string[];

  @Field(() => Float, { nullable: true, description: "Lowest price in USD, when extracted." })
  min!: number | null;

  @Field(() => Float, { nullable: true, description: "Highest price in USD, when extracted." })
  max!: number | null;
}

@PartnerContract()
@ObjectType("SearchUnderstanding", { description: "What the engine understood of the query." })
export class SearchUnderstandingType {
  @Field(() => String, { description: "The query as typed." })
  originalQuery!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Spelling-corrected query ("did you mean"), null when nothing was corrected.',
  })
  correctedQuery!: string | null;

  @Field(() => SearchCategoryIntentType, {
    nullable: true,
    description: "Detected category intent, null when unclear.",
  })
  categoryIntent!: SearchCategoryIntentType | null;

  @Field(() => [String], { description: "Synonym terms searched as well (from the synonyms file)." })
  expandedSynonyms!: string[];

  @Field(() => [SearchAppliedFilterType], {
    description: 'Filters extracted from the words (brand, colour, "under 50"), applied.',
  })
  extractedFilters!: SearchAppliedFilterType[];

  @Field(() => String, {
    nullable: true,
    description:
      "When the words matched nothing: a looser query that does match (a word dropped, or any one word; filters extracted from the words removed), with which the search was retried (`relaxed`). Null otherwise.",
  })
  relaxedQuery!: string | null;

  @Field(() => Boolean, {
    description:
      "True when the words matched nothing and the hits are those of `relaxedQuery`, retried in the same request (any-word matching or a word dropped; filters extracted from the words not applied).",
  })
  relaxed!: boolean;

  @Field(() => String, {
    description:
      "The text the hits were retrieved for: the (corrected) query, or `relaxedQuery` when `relaxed`. Empty for a browse page.",
  })
  appliedQuery!: string;
}

@ObjectType("SearchResult", {
  description: "A page of search hits with facets, the total and what the engine understood.",
})
export class SearchResultType {
  @PartnerContract()
  @Field(() => [SearchHitEdge], { description: "The hits of this page, in order." })
  edges!: SearchHitEdge[];

  @PartnerContract()
  @Field(() => SearchPageInfoType, { description: "Cursors and whether more pages exist." })
  pageInfo!: SearchPageInfoType;

  @PartnerContract()
  @Field(() => Int, {
    description: "Number of matching products (lexical matches plus close semantic matches).",
  })
  totalCount!: number;

  @PartnerContract()
  @Field(() => [SearchFacetType], {
    description:
      "Facets over all matching products: category, brand, price and up to 6 attributes, most useful for this result first (`SearchFacet.usefulness`).",
  })
  facets!: SearchFacetType[];

  @PartnerContract()
  @Field(() => SearchUnderstandingType, { description: "Spelling, intent, synonyms and extracted filters." })
  understanding!: SearchUnderstandingType;

  @PartnerContract()
  @Field(() => Boolean, { description: "True when the order was personalised for the signed-in shopper." })
  personalized!: boolean;

  @Field(() => String, { description: "Engine that served the search: embedded or opensearch." })
  backend!: string;

  @PartnerContract()
  @Field(() => ID, {
    nullable: true,
    description:
      "Id of this page of results, the list its hits' attribution tokens name; null when the server does not attribute searches.",
  })
  searchId!: string | null;
}

@PartnerContract()
@ObjectType("SearchSuggestion", { description: "An autocomplete suggestion." })
export class SearchSuggestionType {
  @Field(() => SuggestionKind, { description: "What the suggestion leads to." })
  kind!: SuggestionKind;

  @Field(() => String, { description: "Text to show." })
  text!: string;

  @Field(() => ID, {
    nullable: true,
    description: "Category id (CATEGORY) or product id (PRODUCT); null for QUERY.",
  })
  id!: string | null;
}

export const MAX_QUERY_LENGTH = 256;
export const MAX_PREFIX_LENGTH = 64;
