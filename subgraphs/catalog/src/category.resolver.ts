import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { PartnerContract } from "@aisle/kit";
import type { RequestContext } from "@aisle/kit";
import type { Category } from "@aisle/world";
import type { CatalogService } from "./catalog.service.ts";
import { CategoryType } from "./category.type.ts";
import type { CatalogLoaders } from "./loaders.ts";

@Resolver(() => CategoryType)
export class CategoryResolver {
  constructor(
    private readonly service: CatalogService,
    private readonly loaders: CatalogLoaders,
  ) {}

  @PartnerContract()
  @Query(() => [CategoryType], { description: "The top of the category tree: the departments." })
  categories(): readonly Category[] {
    return this.service.rootCategories();
  }

  @PartnerContract()
  @Query(() => CategoryType, { nullable: true, description: "One category by id; null when unknown." })
  category(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Category | null> {
    return ctx.loaders.get(this.loaders.categoryById).load(id);
  }

  @FieldResolver(() => CategoryType, {
    nullable: true,
    description: "The parent category; null for a department.",
  })
  parent(@Root() category: Category, @Ctx() ctx: RequestContext): Promise<Category | null> | null {
    return category.parentId === null
      ? null
      : ctx.loaders.get(this.loaders.categoryById).load(category.parentId);
  }

  @FieldResolver(() => [CategoryType], { description: "Direct sub-categories; empty for a leaf." })
  children(@Root() category: Category): readonly Category[] {
    return this.service.childCategories(category);
  }

  @FieldResolver(() => [CategoryType], {
    description: "The path from the department down to this category, inclusive.",
  })
  ancestry(@Root() category: Category): (Category | null)[] {
    return this.service.ancestry(category);
  }

  @FieldResolver(() => Boolean, {
    description: "True when the category has no sub-categories (products live here).",
  })
  isLeaf(@Root() category: Category): boolean {
    return this.service.childCategories(category).length === 0;
  }

  @FieldResolver(() => Int, { description: "Number of products in this category and its sub-categories." })
  productCount(@Root() category: Category): number {
    return this.service.productCountIn(category);
  }
}
