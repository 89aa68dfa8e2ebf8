import { Arg, Directive, ID, Int, Query, Resolver } from "type-graphql";
import { parseControls } from "./controls.strategy.ts";
import type { ListPresenter } from "./list.presenter.ts";
import type { CatalogFacts } from "./catalog-facts.store.ts";
import { HomeFeedType, RecommendationControlsInput } from "./recommendation.type.ts";
import { SURFACES_VERSION, type SurfacesService } from "./surfaces.service.ts";

@Resolver()
export class HomeFeedResolver {
  constructor(
    private readonly surfaces: SurfacesService,
    private readonly catalog: CatalogFacts,
    private readonly presenter: ListPresenter,
  ) {}

  @Directive("@cost(weight: 3)")
  @Query(() => HomeFeedType, {
    description:
      "The anonymous home page (no sign-in): trending now and popular in a category, from time-decayed " +
      "interaction counts of the behaviour stream. BAD_USER_INPUT for an unknown category or bad controls.",
  })
  homeFeed(
    @Arg("categoryId", () => ID, {
      nullable: true,
      description: "Category of popularInCategory (leaf or department); default the most trending one.",
    })
    categoryId: string | null | undefined,
    @Arg("first", () => Int, { defaultValue: 12, description: "How many per list, 0 to 50." }) first: number,
    @Arg("controls", () => RecommendationControlsInput, {
      nullable: true,
      description: "Filters, diversity, price level, boosts, pins, exclusions.",
    })
    controls: RecommendationControlsInput | null | undefined,
  ): HomeFeedType {
    const parsed = parseControls(controls, this.catalog);
    const feed = this.surfaces.homeFeed(categoryId ?? null, first, parsed);
    return {
      trending: this.presenter.present(feed.trending, SURFACES_VERSION.home),
      categoryId: feed.categoryId,
      popularInCategory: this.presenter.present(feed.popularInCategory, SURFACES_VERSION.home),
      modelVersion: SURFACES_VERSION.home,
    };
  }
}
