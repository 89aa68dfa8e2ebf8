import { Field, Float, Int, ObjectType } from "type-graphql";
import { WarehouseType } from "./warehouse.type.ts";

@ObjectType("DemandForecastDay", { description: "Forecast demand for one day, all warehouses together." })
export class DemandForecastDayType {
  @Field(() => String, { description: "The day (YYYY-MM-DD, UTC)." })
  date!: string;

  @Field(() => Float, { description: "Expected units sold that day." })
  units!: number;

  @Field(() => Float, { description: "Upper forecast: the 0.9 quantile of units that day." })
  upper!: number;
}

@ObjectType("WarehouseReplenishment", { description: "Reorder figures for one product in one warehouse." })
export class WarehouseReplenishmentType {
  @Field(() => WarehouseType, { description: "The warehouse." })
  warehouse!: WarehouseType;

  @Field(() => Int, { description: "Units on hand (exact: service callers only)." })
  onHand!: number;

  @Field(() => Float, { description: "Share of the product's demand this warehouse serves." })
  demandShare!: number;

  @Field(() => Float, { description: "Mean forecast demand per day served from here." })
  dailyDemand!: number;

  @Field(() => Float, { description: "Standard deviation of one day's demand served from here." })
  dailyDemandSd!: number;

  @Field(() => Float, { description: "Mean supplier lead time in days." })
  leadTimeDays!: number;

  @Field(() => Float, { description: "Safety stock for the service level, units." })
  safetyStock!: number;

  @Field(() => Float, { description: "Reorder point: lead-time demand plus safety stock, units." })
  reorderPoint!: number;

  @Field(() => Float, { description: "Economic order quantity, units." })
  economicOrderQuantity!: number;

  @Field(() => Float, {
    nullable: true,
    description: "Days the stock on hand lasts; null when no demand is forecast.",
  })
  daysOfCover!: number | null;

  @Field(() => Float, { description: "Probability of running out before a reorder placed now arrives." })
  stockoutRisk!: number;

  @Field(() => Boolean, { description: "True when stock on hand is at or below the reorder point." })
  reorderNow!: boolean;
}

@ObjectType("Replenishment", {
  description:
    "Replenishment plan for a product: a 28-day daily demand forecast and per-warehouse reorder figures. " +
    "Forecasts start the day after the demo sales history ends.",
})
export class ReplenishmentType {
  @Field(() => Float, { description: "Target cycle service level used for safety stock." })
  serviceLevel!: number;

  @Field(() => String, { description: "The reorder policy that computed the figures." })
  policy!: string;

  @Field(() => [DemandForecastDayType], { description: "Daily forecast, 28 days." })
  forecast!: DemandForecastDayType[];

  @Field(() => Int, { description: "Units on hand over all warehouses." })
  totalStock!: number;

  @Field(() => [WarehouseReplenishmentType], { description: "Per warehouse stocking the product." })
  warehouses!: WarehouseReplenishmentType[];
}
