import { Directive, Field, Float, ID, Int, ObjectType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";

@Directive('@key(fields: "id", resolvable: false)')
@ObjectType("Category", { description: "A catalog category (owned by the catalog subgraph)." })
export class CategoryRef {
  @Field(() => ID, { description: "Category id." })
  id!: string;
}

@Directive('@key(fields: "id", resolvable: false)')
@ObjectType("Brand", { description: "A brand (owned by the catalog subgraph)." })
export class BrandRef {
  @Field(() => ID, { description: "Brand id." })
  id!: string;
}

@Directive('@key(fields: "id", resolvable: false)')
@ObjectType("Product", { description: "A product (owned by the catalog subgraph)." })
export class ProductRef {
  @Field(() => ID, { description: "Product id." })
  id!: string;
}

@ObjectType("CategoryInterest", { description: "How much of a user's activity falls in one category." })
export class CategoryInterestType {
  @Field(() => CategoryRef, { description: "The leaf category." })
  category!: CategoryRef;

  @Field(() => Float, { description: "Share of the user's weighted interactions, 0 to 1." })
  weight!: number;
}

@ObjectType("BrandInterest", { description: "How much of a user's activity goes to one brand." })
export class BrandInterestType {
  @Field(() => BrandRef, { description: "The brand." })
  brand!: BrandRef;

  @Field(() => Float, { description: "Share of the user's weighted interactions, 0 to 1." })
  weight!: number;
}

@ObjectType("ActivityItem", { description: "One recent interaction of a user with a product." })
export class ActivityItemType {
  @Field(() => String, { description: "view, click, add_to_cart or purchase." })
  type!: string;

  @Field(() => ProductRef, { description: "The product." })
  product!: ProductRef;
}

@ObjectType("LifetimeCounts", { description: "How many events of each kind a user has made, ever." })
export class LifetimeCountsType {
  @Field(() => Int, { description: "Product views." })
  views!: number;

  @Field(() => Int, { description: "Clicks." })
  clicks!: number;

  @Field(() => Int, { description: "Add-to-cart events." })
  addToCarts!: number;

  @Field(() => Int, { description: "Purchases." })
  purchases!: number;

  @Field(() => Int, { description: "Searches." })
  searches!: number;

  @Field(() => DateTimeISOResolver, { nullable: true, description: "First event; null with no events." })
  firstEventAt!: Date | null;

  @Field(() => DateTimeISOResolver, { nullable: true, description: "Latest event; null with no events." })
  lastEventAt!: Date | null;
}
