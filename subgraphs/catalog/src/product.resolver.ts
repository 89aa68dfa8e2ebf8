import { Arg, Ctx, Directive, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { Money, PartnerContract, toMoney, type Connection, type RequestContext } from "@aisle/kit";
import type { Brand, Category, Product } from "@aisle/world";
import { BrandType } from "./brand.type.ts";
import type { CatalogService } from "./catalog.service.ts";
import { CategoryType } from "./category.type.ts";
import type { CatalogLoaders } from "./loaders.ts";
import { ProductConnection, ProductType } from "./product.type.ts";

@Resolver(() => ProductType)
export class ProductResolver {
  constructor(
    private readonly service: CatalogService,
    private readonly loaders: CatalogLoaders,
  ) {}

  @PartnerContract()
  @Query(() => ProductType, {
    nullable: true,
    description: "One product by id; null when no product has that id.",
  })
  product(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Product | null> {
    return ctx.loaders.get(this.loaders.productById).load(id);
  }

  @PartnerContract()
  @Directive("@listSize(assumedSize: 100)")
  @Query(() => [ProductType], {
    nullable: "items",
    description: "Products by id, in the order asked, null for unknown ids. At most 100 ids.",
  })
  products(
    @Arg("ids", () => [ID]) ids: string[],
    @Ctx() ctx: RequestContext,
  ): Promise<(Product | null | Error)[]> {
    this.service.checkIdList(ids);
    return ctx.loaders.get(this.loaders.productById).loadMany(ids);
  }

  @PartnerContract()
  @Directive('@listSize(slicingArguments: ["first"], sizedFields: ["edges"])')
  @Query(() => ProductConnection, {
    description: "Products of a category and its sub-categories, newest first, as a cursor connection.",
  })
  productsByCategory(
    @Arg("categoryId", () => ID, { description: "A category id; unknown ids give NOT_FOUND." })
    categoryId: string,
    @Arg("first", () => Int, { defaultValue: 20, description: "Page size, 0 to 100." }) first: number,
    @Arg("after", () => String, { nullable: true, description: "`endCursor` of the previous page." })
    after: string | null | undefined,
  ): Connection<Product> {
    return this.service.productsByCategory(categoryId, { first, after: after ?? null });
  }

  @PartnerContract()
  @FieldResolver(() => Money, { description: "The manufacturer's list price, before any offer." })
  listPrice(@Root() product: Product): Money {
    return toMoney(product.listPrice.amountMinor, product.listPrice.currency);
  }

  @PartnerContract()
  @FieldResolver(() => CategoryType, { description: "The leaf category the product is listed in." })
  async category(@Root() product: Product, @Ctx() ctx: RequestContext): Promise<Category | null> {
    return ctx.loaders.get(this.loaders.categoryById).load(product.categoryId);
  }

  @PartnerContract()
  @FieldResolver(() => BrandType, { description: "The product's brand." })
  async brand(@Root() product: Product, @Ctx() ctx: RequestContext): Promise<Brand | null> {
    return ctx.loaders.get(this.loaders.brandById).load(product.brandId);
  }
}
