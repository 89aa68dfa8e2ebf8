import { Directive, Field, ID, ObjectType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { connectionTypes, PartnerContract } from "@aisle/kit";

@PartnerContract()
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
  @PartnerContract()
  @Field(() => ID, { description: "Stable product id, e.g. p-42." })
  id!: string;

  @PartnerContract()
  @Field(() => String, { description: "Merchant stock-keeping unit." })
  sku!: string;

  @PartnerContract()
  @Field(() => String, { description: "Display title." })
  title!: string;

  @PartnerContract()
  @Field(() => String, { description: "Plain-text description, a few sentences." })
  description!: string;

  @PartnerContract()
  @Field(() => [ProductAttributeType], {
    description: "Attributes shown on the product page and used as filters.",
  })
  attributes!: ProductAttributeType[];

  @PartnerContract()
  @Field(() => [String], { description: "Image URLs, the primary image first." })
  imageUrls!: string[];

  @PartnerContract()
  @Field(() => DateTimeISOResolver, { description: "When the product was listed." })
  createdAt!: Date;
}

export const { ConnectionType: ProductConnection, EdgeType: ProductEdge } = connectionTypes(
  ProductType,
  "Product",
  { partner: true },
);
