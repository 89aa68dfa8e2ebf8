import { Field, ObjectType, registerEnumType } from "type-graphql";
import { PartnerContract } from "@aisle/kit";
import { WarehouseType } from "./warehouse.type.ts";

/** How much stock the public sees: a band, never the exact count. */
export enum StockBand {
  OUT_OF_STOCK = "OUT_OF_STOCK",
  FEW = "FEW",
  SOME = "SOME",
  MANY = "MANY",
  PLENTY = "PLENTY",
}

registerEnumType(StockBand, {
  name: "StockBand",
  description: "Units in stock as a band (exact counts are not public).",
  valuesConfig: {
    OUT_OF_STOCK: { description: "None in any warehouse." },
    FEW: { description: "1 to 5 units." },
    SOME: { description: "6 to 20 units." },
    MANY: { description: "21 to 100 units." },
    PLENTY: { description: "More than 100 units." },
  },
});

@PartnerContract()
@ObjectType("Availability", {
  description: "Whether a product can be bought now, and from where it would ship.",
})
export class AvailabilityType {
  @Field(() => Boolean, { description: "True when at least one unit is in stock in some warehouse." })
  inStock!: boolean;

  @Field(() => StockBand, { description: "Units in stock over all warehouses, as a band." })
  quantityBand!: StockBand;

  @Field(() => String, { description: 'The band for display, e.g. "6–20".' })
  quantityLabel!: string;

  @Field(() => Boolean, {
    description:
      "True when stock covers less than a week of recent demand (or fewer than 5 units): buy soon.",
  })
  lowStock!: boolean;

  @Field(() => WarehouseType, {
    nullable: true,
    description:
      "The warehouse that would ship one unit: the nearest one with stock to the destination, or the one " +
      "holding most stock when no destination is given. Null when out of stock or the destination is not served.",
  })
  shipsFrom!: WarehouseType | null;

  @Field(() => String, {
    nullable: true,
    description: "Why the destination cannot be served (then shipsFrom is null); null otherwise.",
  })
  unservedReason!: string | null;
}
