import { Arg, Ctx, Directive, Int, Query, Resolver } from "type-graphql";
import { PartnerContract } from "@aisle/kit";
import type { RequestContext } from "@aisle/kit";
import type { SearchPage, SearchService } from "./search.service.ts";
import type { Suggestion } from "./understanding/autocomplete.ts";
import {
  SearchContextInput,
  SearchFilterInput,
  SearchMerchandisingInput,
  SearchResultType,
  SearchSort,
  SearchSuggestionType,
} from "./search.type.ts";

@Resolver()
export class SearchResolver {
  constructor(private readonly service: SearchService) {}

  @Directive("@cost(weight: 20)")
  @Directive('@listSize(slicingArguments: ["first"], sizedFields: ["edges"])')
  @PartnerContract()
  @Query(() => SearchResultType, {
    description:
      "Product search: hybrid lexical + semantic retrieval, re-ranked, with facets (most useful first), the total and what the engine understood. A query whose words match nothing is retried with `understanding.relaxedQuery` (then `understanding.relaxed` is true); an empty page only when that matches nothing either.",
  })
  search(
    @Arg("query", () => String, {
      defaultValue: "",
      description:
        "What the shopper typed (at most 256 characters). Empty (the default) browses: every product passing the filters, most popular first unless `sort` says otherwise, with facets.",
    })
    query: string,
    @Arg("filters", () => [SearchFilterInput], { defaultValue: [], description: "Filters, ANDed together." })
    filters: SearchFilterInput[],
    @Arg("sort", () => SearchSort, { defaultValue: SearchSort.RELEVANCE, description: "Order of the hits." })
    sort: SearchSort,
    @Arg("first", () => Int, { defaultValue: 24, description: "Page size, 0 to 100." }) first: number,
    @Arg("after", () => String, {
      nullable: true,
      description: "`endCursor` of the previous page of the same search.",
    })
    after: string | null | undefined,
    @Arg("context", () => SearchContextInput, {
      nullable: true,
      description: "Search context (personalisation switch, surface).",
    })
    context: SearchContextInput | null | undefined,
    @Arg("merchandising", () => SearchMerchandisingInput, {
      nullable: true,
      description:
        "Pins, boosts, buries and optional filters for this request (RELEVANCE order only); bad rules are BAD_USER_INPUT.",
    })
    merchandising: SearchMerchandisingInput | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<SearchPage> {
    return this.service.search(ctx, {
      query,
      filters,
      sort,
      first,
      after: after ?? null,
      personalize: context?.personalize ?? true,
      surface: context?.surface ?? null,
      merchandising: merchandising ?? null,
    });
  }

  @Directive("@cost(weight: 2)")
  @Directive('@listSize(slicingArguments: ["first"])')
  @PartnerContract()
  @Query(() => [SearchSuggestionType], {
    description: "Autocomplete: query, category and product suggestions for what the shopper is typing.",
  })
  autocomplete(
    @Arg("prefix", () => String, { description: "What has been typed so far (at most 64 characters)." })
    prefix: string,
    @Arg("first", () => Int, { defaultValue: 8, description: "Most suggestions, 1 to 20." }) first: number,
  ): Promise<Suggestion[]> {
    return this.service.autocompleteSuggestions(prefix, first);
  }
}
