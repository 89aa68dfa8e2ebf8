import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { PartnerContract } from "@aisle/kit";
import type { RequestContext } from "@aisle/kit";
import type { Brand, Category } from "@aisle/world";
import { BrandType } from "./brand.type.ts";
import { CategoryType } from "./category.type.ts";
import type { CatalogLoaders } from "./loaders.ts";

@Resolver(() => BrandType)
export class BrandResolver {
  constructor(private readonly loaders: CatalogLoaders) {}

  @PartnerContract()
  @Query(() => BrandType, { nullable: true, description: "One brand by id; null when unknown." })
  brand(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Brand | null> {
    return ctx.loaders.get(this.loaders.brandById).load(id);
  }

  @FieldResolver(() => [CategoryType], { description: "Leaf categories the brand sells in." })
  async categories(@Root() brand: Brand, @Ctx() ctx: RequestContext): Promise<Category[]> {
    const found = await ctx.loaders.get(this.loaders.categoryById).loadMany(brand.categoryIds);
    return found.filter((c): c is Category => c !== null && !(c instanceof Error));
  }
}
