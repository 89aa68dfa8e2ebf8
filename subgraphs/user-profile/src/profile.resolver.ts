import { Arg, Authorized, Ctx, Directive, FieldResolver, Float, Int, Resolver, Root } from "type-graphql";
import {
  badUserInput,
  defineLoader,
  OWNER_OR_SERVICE,
  type LoaderSpec,
  type RequestContext,
} from "@aisle/kit";
import type { User } from "@aisle/world";
import type { ActivityStore } from "@aisle/behaviour";
import type { DerivedProfile, ProfileService } from "./profile.service.ts";
import {
  ActivityItemType,
  BrandInterestType,
  CategoryInterestType,
  LifetimeCountsType,
} from "./profile.type.ts";
import { UserType } from "./user.type.ts";

const MAX_FIRST = 50;

function checkFirst(first: number): number {
  if (!Number.isInteger(first) || first < 0 || first > MAX_FIRST) {
    throw badUserInput(`first must be 0 to ${MAX_FIRST}`, "first");
  }
  return first;
}

/** A derived profile, and whether the features it comes from were incomplete. */
export type LoadedProfile = DerivedProfile & { readonly degraded: boolean };

/** The per-request loader of derived profiles: every user of a request in one feature-store read. */
export function profileLoader(
  store: ActivityStore,
  profiles: ProfileService,
): LoaderSpec<string, LoadedProfile> {
  return defineLoader("userProfile.derivedProfile", async (ids) => {
    const { values, degraded } = await store.read(ids);
    return values.map((record) => ({ ...profiles.derive(record), degraded }));
  });
}

/** Behaviour-derived fields of User. All private: the user themself or a back-end service. */
@Resolver(() => UserType)
export class ProfileResolver {
  constructor(private readonly loader: LoaderSpec<string, LoadedProfile>) {}

  #profile(user: User, ctx: RequestContext): Promise<LoadedProfile | null> {
    return ctx.loaders.get(this.loader).load(user.id);
  }

  @Authorized(OWNER_OR_SERVICE)
  @FieldResolver(() => Boolean, {
    nullable: true,
    description:
      "True when the behaviour fields (segments, interests, priceSensitivity, recentActivity, lifetimeCounts) " +
      "come from incomplete features: the feature store is unavailable, or lost its data and is being rebuilt " +
      "from the event stream. Private: owner or service only.",
  })
  async behaviourDegraded(@Root() user: User, @Ctx() ctx: RequestContext): Promise<boolean | null> {
    return (await this.#profile(user, ctx))?.degraded ?? null;
  }

  @Authorized(OWNER_OR_SERVICE)
  @FieldResolver(() => [String], {
    nullable: true,
    description:
      "Behaviour segments, e.g. new-visitor, browser, buyer, loyal-buyer, bargain-hunter, premium-shopper, " +
      "<department>-enthusiast, cart-abandoner. Private: owner or service only.",
  })
  async segments(@Root() user: User, @Ctx() ctx: RequestContext): Promise<readonly string[] | null> {
    return (await this.#profile(user, ctx))?.segments ?? null;
  }

  @Authorized(OWNER_OR_SERVICE)
  @Directive('@listSize(slicingArguments: ["first"])')
  @FieldResolver(() => [CategoryInterestType], {
    nullable: true,
    description:
      "Categories the user engages with, strongest first, with weights summing to at most 1. Private.",
  })
  async interestCategories(
    @Root() user: User,
    @Ctx() ctx: RequestContext,
    @Arg("first", () => Int, { defaultValue: 5, description: "How many, 0 to 50." }) first: number,
  ): Promise<CategoryInterestType[] | null> {
    const profile = await this.#profile(user, ctx);
    return (
      profile?.categories
        .slice(0, checkFirst(first))
        .map((c) => ({ category: { id: c.id }, weight: c.weight })) ?? null
    );
  }

  @Authorized(OWNER_OR_SERVICE)
  @Directive('@listSize(slicingArguments: ["first"])')
  @FieldResolver(() => [BrandInterestType], {
    nullable: true,
    description: "Brands the user engages with, strongest first, with weights. Private.",
  })
  async interestBrands(
    @Root() user: User,
    @Ctx() ctx: RequestContext,
    @Arg("first", () => Int, { defaultValue: 5, description: "How many, 0 to 50." }) first: number,
  ): Promise<BrandInterestType[] | null> {
    const profile = await this.#profile(user, ctx);
    return (
      profile?.brands.slice(0, checkFirst(first)).map((b) => ({ brand: { id: b.id }, weight: b.weight })) ??
      null
    );
  }

  @Authorized(OWNER_OR_SERVICE)
  @FieldResolver(() => Float, {
    nullable: true,
    description:
      "0 (buys above the typical price of a category) to 1 (buys the cheapest); 0.5 with no signal. Private.",
  })
  async priceSensitivity(@Root() user: User, @Ctx() ctx: RequestContext): Promise<number | null> {
    return (await this.#profile(user, ctx))?.priceSensitivity ?? null;
  }

  @Authorized(OWNER_OR_SERVICE)
  @Directive('@listSize(slicingArguments: ["first"])')
  @FieldResolver(() => [ActivityItemType], {
    nullable: true,
    description: "The user's latest product interactions, newest first. Private.",
  })
  async recentActivity(
    @Root() user: User,
    @Ctx() ctx: RequestContext,
    @Arg("first", () => Int, { defaultValue: 10, description: "How many, 0 to 50." }) first: number,
  ): Promise<ActivityItemType[] | null> {
    const profile = await this.#profile(user, ctx);
    if (profile === null) return null;
    return [...profile.activity.sequence]
      .reverse()
      .slice(0, checkFirst(first))
      .map((entry) => ({ type: entry.type, product: { id: entry.productId } }));
  }

  @Authorized(OWNER_OR_SERVICE)
  @FieldResolver(() => LifetimeCountsType, {
    nullable: true,
    description: "Lifetime event counts and first/last event times. Private.",
  })
  async lifetimeCounts(@Root() user: User, @Ctx() ctx: RequestContext): Promise<LifetimeCountsType | null> {
    const profile = await this.#profile(user, ctx);
    if (profile === null) return null;
    const { counts, firstEventAt, lastEventAt } = profile.activity;
    return {
      views: counts.views,
      clicks: counts.clicks,
      addToCarts: counts.carts,
      purchases: counts.purchases,
      searches: counts.searches,
      firstEventAt: firstEventAt === null ? null : new Date(firstEventAt),
      lastEventAt: lastEventAt === null ? null : new Date(lastEventAt),
    };
  }
}
