import { Field, ID, InputType } from "type-graphql";

@InputType("ProductAttributeInput", { description: "A named property of a product, e.g. color = Black." })
export class ProductAttributeInput {
  @Field(() => String, { description: "Attribute name, 1–100 characters, unique within the product." })
  name!: string;

  @Field(() => String, { description: "Attribute value, 1–500 characters." })
  value!: string;
}

@InputType("ProductInput", {
  description:
    "A product to create or the new state of one to update, validated as the catalog importer validates a row " +
    "(src/import/FORMAT.md).",
})
export class ProductInput {
  @Field(() => ID, { description: "Product id: 1–64 characters of A–Z a–z 0–9 . _ -." })
  id!: string;

  @Field(() => String, { description: "Merchant stock-keeping unit, 1–64 characters without spaces." })
  sku!: string;

  @Field(() => String, { description: "Display title, 1–300 characters." })
  title!: string;

  @Field(() => ID, { description: "A leaf category id, e.g. c-wireless-earbuds." })
  categoryId!: string;

  @Field(() => String, {
    description: "An existing brand id or name, or a new brand's name (created with tier mid).",
  })
  brand!: string;

  @Field(() => String, { description: 'List price in dollars, e.g. "19.99" (> 0, at most 2 decimals).' })
  listPrice!: string;

  @Field(() => String, { defaultValue: "USD", description: "Currency of the list price; only USD." })
  currency!: string;

  @Field(() => String, { nullable: true, description: "Plain-text description, at most 5,000 characters." })
  description?: string | null;

  @Field(() => [String], { nullable: true, description: "Absolute https:// image URLs, at most 20." })
  imageUrls?: string[] | null;

  @Field(() => [ProductAttributeInput], { nullable: true, description: "Attributes, at most 50." })
  attributes?: ProductAttributeInput[] | null;
}
