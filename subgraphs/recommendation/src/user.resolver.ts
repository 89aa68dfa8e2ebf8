import { Arg, Authorized, Ctx, Directive, FieldResolver, ID, Int, Resolver, Root } from "type-graphql";
import { OWNER_OR_SERVICE, type RequestContext } from "@aisle/kit";
import type { CatalogFacts } from "./catalog-facts.store.ts";
import { parseControls } from "./controls.strategy.ts";
import type { ListPresenter } from "./list.presenter.ts";
import type { RecommendationService } from "./recommendation.service.ts";
import {
  RecommendationContextInput,
  RecommendationControlsInput,
  RecommendationType,
  RecommendationUserType,
} from "./recommendation.type.ts";
import { SURFACES_VERSION, type SurfacesService } from "./surfaces.service.ts";

const controlsArg = {
  nullable: true,
  description:
    "Filters (category, brand, price; strict or relaxed), diversity, price level, boosts, pins, exclusions.",
} as const;

@Resolver(() => RecommendationUserType)
export class UserRecommendationsResolver {
  constructor(
    private readonly service: RecommendationService,
    private readonly surfaces: SurfacesService,
    private readonly catalog: CatalogFacts,
    private readonly presenter: ListPresenter,
  ) {}

  @Authorized(OWNER_OR_SERVICE)
  @Directive("@cost(weight: 2)")
  @Directive('@listSize(slicingArguments: ["first"])')
  @FieldResolver(() => [RecommendationType], {
    nullable: true,
    description:
      "A personal feed: recall (two-tower, co-occurrence, popularity, content), one batched ranking run, then " +
      "re-ranking (no purchased or out-of-stock items, diversity, boosts, a little exploration) under the " +
      "request's controls. New users get popular and contextual items. Private: the user themself or a service.",
  })
  async recommendations(
    @Root() user: RecommendationUserType,
    @Ctx() ctx: RequestContext,
    @Arg("first", () => Int, { defaultValue: 20, description: "How many, 0 to 50." }) first: number,
    @Arg("context", () => RecommendationContextInput, {
      nullable: true,
      description: "Where they will be shown.",
    })
    context: RecommendationContextInput | null | undefined,
    @Arg("controls", () => RecommendationControlsInput, controlsArg)
    controls: RecommendationControlsInput | null | undefined,
  ): Promise<RecommendationType[]> {
    const parsed = parseControls(controls, this.catalog);
    const items = await this.service.forUser(
      ctx,
      user.id,
      first,
      {
        surface: context?.surface ?? null,
        device: context?.device ?? null,
        // A filtered category's popular items join the candidates, as a browsed one's do.
        categoryId: context?.categoryId ?? [...(parsed.filter?.categories ?? [])][0] ?? null,
        productId: context?.productId ?? null,
      },
      parsed,
    );
    return this.presenter.present(items, this.service.modelVersion);
  }

  @Authorized(OWNER_OR_SERVICE)
  @Directive("@cost(weight: 2)")
  @Directive('@listSize(slicingArguments: ["first"])')
  @FieldResolver(() => [RecommendationType], {
    nullable: true,
    description:
      "Buy it again: products the shopper bought twice or more, or once and now due by their category's " +
      "repurchase cadence (consumables). Most due first. Private: the user themself or a service.",
  })
  async buyAgain(
    @Root() user: RecommendationUserType,
    @Ctx() ctx: RequestContext,
    @Arg("first", () => Int, { defaultValue: 10, description: "How many, 0 to 50." }) first: number,
    @Arg("controls", () => RecommendationControlsInput, controlsArg)
    controls: RecommendationControlsInput | null | undefined,
  ): Promise<RecommendationType[]> {
    const parsed = parseControls(controls, this.catalog);
    const items = await this.surfaces.buyAgain(ctx, user.id, first, parsed);
    return this.presenter.present(items, SURFACES_VERSION.buyAgain);
  }

  @Authorized(OWNER_OR_SERVICE)
  @Directive("@cost(weight: 1)")
  @Directive('@listSize(slicingArguments: ["first"])')
  @FieldResolver(() => [RecommendationType], {
    nullable: true,
    description: "Recently viewed products, newest first. Private: the user themself or a service.",
  })
  async recentlyViewed(
    @Root() user: RecommendationUserType,
    @Ctx() ctx: RequestContext,
    @Arg("first", () => Int, { defaultValue: 10, description: "How many, 0 to 50." }) first: number,
    @Arg("controls", () => RecommendationControlsInput, controlsArg)
    controls: RecommendationControlsInput | null | undefined,
  ): Promise<RecommendationType[]> {
    const parsed = parseControls(controls, this.catalog);
    const items = await this.surfaces.recentlyViewed(ctx, user.id, first, parsed);
    return this.presenter.present(items, SURFACES_VERSION.recentlyViewed);
  }

  @Authorized(OWNER_OR_SERVICE)
  @Directive("@inaccessible")
  @FieldResolver(() => [ID], {
    nullable: true,
    description:
      "Products considered for the shopper's on-sale shelf: their personal feed's top 100 candidates. Internal " +
      "to the supergraph: pricing requires it to price them for `onSale`.",
  })
  async saleCandidateIds(
    @Root() user: RecommendationUserType,
    @Ctx() ctx: RequestContext,
  ): Promise<string[]> {
    return this.surfaces.saleCandidates(ctx, user.id);
  }

  @Authorized(OWNER_OR_SERVICE)
  @Directive('@requires(fields: "saleDiscounts { productId discountPercent }")')
  @Directive("@cost(weight: 3)")
  @Directive('@listSize(slicingArguments: ["first"])')
  @FieldResolver(() => [RecommendationType], {
    nullable: true,
    description:
      "On sale for the shopper: products of their feed's candidates that pricing discounts now, ranked by " +
      "discount × affinity. The gateway joins pricing's discounts (this field @requires them), so neither " +
      "subgraph imports the other. Private: the user themself or a service.",
  })
  async onSale(
    @Root() user: RecommendationUserType,
    @Ctx() ctx: RequestContext,
    @Arg("first", () => Int, { defaultValue: 10, description: "How many, 0 to 50." }) first: number,
    @Arg("controls", () => RecommendationControlsInput, controlsArg)
    controls: RecommendationControlsInput | null | undefined,
  ): Promise<RecommendationType[]> {
    const parsed = parseControls(controls, this.catalog);
    const items = await this.surfaces.onSale(ctx, user.id, user.saleDiscounts ?? [], first, parsed);
    return this.presenter.present(items, SURFACES_VERSION.onSale);
  }
}
