import { Directive, Field, ID, ObjectType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { connectionTypes } from "@aisle/kit";

@ObjectType("ProductAttribute", { description: "A named property of a product, e.g. color = Black." })
export class ProductAttributeType {
  @Field(() => String, { description: "Attribute name, e.g. color, size, material." })
  name!: string;

  @Field(() => String, { description: "Attribute value, e.g. Black." })
  value!: string;
}

@Directive('@key(fields: "id")')
@ObjectType("Product", {
  description: "Something Aisle sells. Other subgraphs extend it with prices, stock and more.",
})
export class ProductType {
  @Field(() => ID, { description: "Stable product id, e.g. p-42." })
  id!: string;

  @Field(() => String, { description: "Merchant stock-keeping unit." })
  sku!: string;

  @Field(() => String, { description: "Display title." })
  title!: string;

  @Field(() => String, { description: "Plain-text description, a few sentences." })
  description!: string;

  @Field(() => [ProductAttributeType], {
    description: "Attributes shown on the product page and used as filters.",
  })
  attributes!: ProductAttributeType[];

  @Field(() => [String], { description: "Image URLs, the primary image first." })
  imageUrls!: string[];

  @Field(() => DateTimeISOResolver, { description: "When the product was listed." })
  createdAt!: Date;
}

export const { ConnectionType: ProductConnection, EdgeType: ProductEdge } = connectionTypes(
  ProductType,
  "Product",
);
