import { Arg, Ctx, Directive, Query, Resolver } from "type-graphql";
import { PartnerContract } from "@aisle/kit";
import type { RequestContext } from "@aisle/kit";
import type { Warehouse } from "@aisle/world";
import { CartItemInput, DeliveryEstimateType } from "./delivery.type.ts";
import { checkItems, type DeliveryEstimate } from "./delivery.service.ts";
import { DestinationInput, locate, parseDestination } from "./destination.ts";
import type { LogisticsLoaders } from "./loaders.ts";
import type { StockService } from "./stock.service.ts";
import { WarehouseType } from "./warehouse.type.ts";

@Resolver()
export class DeliveryResolver {
  constructor(
    private readonly stock: StockService,
    private readonly loaders: LogisticsLoaders,
  ) {}

  @Directive("@cost(weight: 10)")
  @PartnerContract()
  @Query(() => DeliveryEstimateType, {
    nullable: true,
    description:
      "Delivery options for a cart: split across warehouses when no single one has everything (dates are " +
      "then those of the last parcel). Unknown products, bad quantities or a malformed destination give " +
      "BAD_USER_INPUT; an unserved destination or too little stock an empty list with a reason; a model " +
      "failure null with UNAVAILABLE or TIMEOUT.",
  })
  deliveryOptions(
    @Arg("items", () => [CartItemInput], { description: "The cart: 1 to 50 distinct products." })
    items: CartItemInput[],
    @Arg("destination", () => DestinationInput, { description: "Where to deliver." })
    destination: DestinationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeliveryEstimate | null> {
    const where = locate(parseDestination(destination));
    checkItems(items, (id) => this.stock.product(id) !== null);
    return ctx.loaders.get(this.loaders.deliveryEstimate).load({ items, where });
  }

  @PartnerContract()
  @Query(() => [WarehouseType], { description: "Every warehouse, east to west." })
  warehouses(): readonly Warehouse[] {
    return this.stock.logistics.warehouses;
  }
}
