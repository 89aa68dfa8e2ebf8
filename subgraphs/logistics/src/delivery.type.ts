import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { Money, PartnerContract } from "@aisle/kit";
import { WarehouseType } from "./warehouse.type.ts";

export enum ServiceLevelEnum {
  ECONOMY = "ECONOMY",
  GROUND = "GROUND",
  EXPRESS = "EXPRESS",
  OVERNIGHT = "OVERNIGHT",
}

registerEnumType(ServiceLevelEnum, {
  name: "ServiceLevel",
  description: "How fast a carrier service is meant to be.",
  valuesConfig: {
    ECONOMY: { description: "Cheapest, slowest; 4–9 days across the country." },
    GROUND: { description: "Standard ground service." },
    EXPRESS: { description: "Two-day-ish air/ground mix." },
    OVERNIGHT: { description: "Next business day on most lanes." },
  },
});

@PartnerContract()
@ObjectType("Carrier", { description: "A parcel carrier." })
export class CarrierType {
  @Field(() => ID, { description: "Stable carrier id, e.g. swiftship." })
  id!: string;

  @Field(() => String, { description: "Display name." })
  name!: string;
}

@PartnerContract()
@ObjectType("ParcelLine", { description: "Units of one product in a parcel." })
export class ParcelLineType {
  @Field(() => ID, { description: "Product id." })
  productId!: string;

  @Field(() => Int, { description: "Units of that product in the parcel." })
  quantity!: number;
}

@PartnerContract()
@ObjectType("PlannedParcel", { description: "One parcel of a delivery option: what leaves which warehouse." })
export class PlannedParcelType {
  @Field(() => WarehouseType, { description: "The warehouse it ships from." })
  warehouse!: WarehouseType;

  // Cost estimate: a product's estimate has one line per parcel, a cart up to 50 in all.
  @Directive("@listSize(assumedSize: 2)")
  @Field(() => [ParcelLineType], { description: "What it holds." })
  lines!: ParcelLineType[];

  @Field(() => Float, { description: "Parcel weight in kg." })
  weightKg!: number;

  @Field(() => Float, { description: "Road distance to the destination in km (approximate)." })
  distanceKm!: number;
}

@PartnerContract()
@ObjectType("DeliveryOption", {
  description:
    "One way to deliver: a carrier service for every parcel. Dates are UTC calendar dates (YYYY-MM-DD) of " +
    "the LAST parcel's arrival, from the calibrated delivery-time distribution (models/logistics/CARD.md).",
})
export class DeliveryOptionType {
  @Field(() => CarrierType, { description: "The carrier." })
  carrier!: CarrierType;

  @Field(() => ServiceLevelEnum, { description: "The carrier's service level." })
  service!: ServiceLevelEnum;

  @Field(() => Money, { description: "Shipping cost, all parcels together." })
  cost!: Money;

  @Field(() => String, { description: "Earliest likely date: the 10th percentile of arrival." })
  earliestDate!: string;

  @Field(() => String, { description: "Latest likely date: the 99th percentile of arrival." })
  latestDate!: string;

  @Field(() => String, { description: "Median arrival date (P50): half of such orders arrive by then." })
  p50Date!: string;

  @Field(() => String, { description: "P90 arrival date: nine orders in ten arrive by then (calibrated)." })
  p90Date!: string;

  @Field(() => String, { description: "The date Aisle promises (by default the P90 date)." })
  promisedDate!: string;

  @Field(() => Float, {
    description: "Probability (0–1) that everything arrives by the end of the promised date.",
  })
  onTimeProbability!: number;

  @Field(() => String, {
    description: "The carrier's own published promise for the slowest parcel, for comparison.",
  })
  carrierPromisedDate!: string;

  @Field(() => Float, { description: "Median days from now to arrival (fractional)." })
  p50Days!: number;

  // Cost estimate: most options ship in one parcel; at most one per warehouse (4).
  @Directive("@listSize(assumedSize: 2)")
  @Field(() => [PlannedParcelType], { description: "The parcels: more than one when the order is split." })
  parcels!: PlannedParcelType[];
}

@PartnerContract()
@ObjectType("DeliveryEstimate", {
  description:
    "Delivery options for a product or a cart to a destination. An empty list with a reason when the " +
    "destination cannot be served or the stock does not suffice; never an error for that.",
})
export class DeliveryEstimateType {
  // At most one per carrier and service level: 3 carriers × 4 levels.
  @Directive("@listSize(assumedSize: 12)")
  @Field(() => [DeliveryOptionType], { description: "Options, fastest median first." })
  options!: DeliveryOptionType[];

  @Field(() => String, { nullable: true, description: "Why there are no options; null when there are." })
  reason!: string | null;

  @Field(() => Boolean, { description: "True when the order must be split across warehouses." })
  split!: boolean;

  @Field(() => Boolean, {
    description:
      "True when live backlog features were unavailable and defaults were used (wider uncertainty).",
  })
  degraded!: boolean;
}

@InputType("CartItemInput", { description: "A product and how many units of it." })
export class CartItemInput {
  @Field(() => ID, { description: "Product id." })
  productId!: string;

  @Field(() => Int, { description: "Units, 1 to 99." })
  quantity!: number;
}

export enum PromiseChoiceEnum {
  CHEAPEST = "CHEAPEST",
  FASTEST = "FASTEST",
}

registerEnumType(PromiseChoiceEnum, {
  name: "DeliveryPromiseChoice",
  description: "Which delivery option a listing's compact promise stands for.",
  valuesConfig: {
    CHEAPEST: { description: "The cheapest carrier service (the standard delivery a listing shows)." },
    FASTEST: { description: "The earliest promised date of any carrier service (then the cheaper)." },
  },
});

@PartnerContract()
@ObjectType("DeliveryPromise", {
  description:
    "A listing's compact delivery promise for one unit: one date, its on-time probability and the carrier, " +
    "without the other options or the parcels (those are in deliveryEstimate, for the product page and the " +
    "cart). The same date as the matching option of deliveryEstimate. When the product cannot be delivered " +
    "there, date, onTimeProbability, carrier and service are null and reason says why.",
})
export class DeliveryPromiseType {
  @Field(() => String, {
    nullable: true,
    description: "The promised arrival date (UTC, YYYY-MM-DD); null when it cannot be delivered.",
  })
  date!: string | null;

  @Field(() => Float, {
    nullable: true,
    description: "Probability (0–1) that it arrives by the end of the promised date.",
  })
  onTimeProbability!: number | null;

  @Field(() => CarrierType, { nullable: true, description: "The carrier of the promised option." })
  carrier!: CarrierType | null;

  @Field(() => ServiceLevelEnum, { nullable: true, description: "The carrier's service level." })
  service!: ServiceLevelEnum | null;

  @Field(() => Money, { nullable: true, description: "Shipping cost of that option." })
  cost!: Money | null;

  @Field(() => String, { nullable: true, description: "Why there is no promise; null when there is." })
  reason!: string | null;

  @Field(() => Boolean, {
    description:
      "True when live backlog features were unavailable and defaults were used (wider uncertainty).",
  })
  degraded!: boolean;
}
