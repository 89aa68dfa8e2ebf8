import { Field, Float, ID, ObjectType } from "type-graphql";
import { PartnerContract } from "@aisle/kit";

@PartnerContract()
@ObjectType("Warehouse", { description: "A fulfilment centre that stocks and ships products." })
export class WarehouseType {
  @Field(() => ID, { description: "Stable warehouse id, e.g. wh-nj." })
  id!: string;

  @Field(() => String, { description: "Display name, e.g. Edison DC." })
  name!: string;

  @Field(() => String, { description: "City." })
  city!: string;

  @Field(() => String, { description: "State code, e.g. NJ." })
  region!: string;

  @Field(() => String, { description: "Postal code." })
  postalCode!: string;

  @Field(() => Float, { description: "Latitude in degrees (WGS 84)." })
  lat!: number;

  @Field(() => Float, { description: "Longitude in degrees (WGS 84)." })
  lon!: number;
}
