import { Arg, Ctx, Directive, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { PartnerContract } from "@aisle/kit";
import type { RequestContext } from "@aisle/kit";
import { AvailabilityType } from "./availability.type.ts";
import { DeliveryEstimateType, DeliveryPromiseType, PromiseChoiceEnum } from "./delivery.type.ts";
import { checkItems, type DeliveryEstimate, type DeliveryPromise } from "./delivery.service.ts";
import { DestinationInput, locate, parseDestination } from "./destination.ts";
import type { LogisticsLoaders } from "./loaders.ts";
import { ProductType, type ProductRef } from "./product.type.ts";
import type { Availability, StockService } from "./stock.service.ts";

@Resolver(() => ProductType)
export class ProductLogisticsResolver {
  constructor(
    private readonly stock: StockService,
    private readonly loaders: LogisticsLoaders,
  ) {}

  @PartnerContract()
  @FieldResolver(() => AvailabilityType, {
    nullable: true,
    description:
      "Stock as a band, the low-stock flag and the warehouse that would ship. Null for a product the " +
      "warehouses do not know.",
  })
  availability(
    @Root() product: ProductRef,
    @Arg("destination", () => DestinationInput, {
      nullable: true,
      description: "Where it would go; without it, shipsFrom is the warehouse with most stock.",
    }) // Left out, the argument is undefined (type-graphql passes no value), not null.
    destination: DestinationInput | null | undefined,
  ): Availability | null {
    const where = destination == null ? null : locate(parseDestination(destination));
    return this.stock.availability(product.id, where);
  }

  @Directive("@cost(weight: 5)")
  @PartnerContract()
  @FieldResolver(() => DeliveryEstimateType, {
    nullable: true,
    description:
      "Delivery options (carrier, service, cost, P50/P90 dates, on-time probability) for `quantity` units to " +
      "a destination. A malformed destination gives BAD_USER_INPUT; one that cannot be served, or too little " +
      "stock, an empty list with a reason. All products of one request share one model run. Null with " +
      "UNAVAILABLE or TIMEOUT when the model fails, so the rest of the page still renders.",
  })
  deliveryEstimate(
    @Root() product: ProductRef,
    @Arg("destination", () => DestinationInput, { description: "Where to deliver." })
    destination: DestinationInput,
    @Arg("quantity", () => Int, { defaultValue: 1, description: "Units, 1 to 99." }) quantity: number,
    @Ctx() ctx: RequestContext,
  ): Promise<DeliveryEstimate | null> {
    const where = locate(parseDestination(destination));
    const items = [{ productId: product.id, quantity }];
    checkItems(items, (id) => this.stock.product(id) !== null);
    return ctx.loaders.get(this.loaders.deliveryEstimate).load({ items, where });
  }

  @Directive("@cost(weight: 2)")
  @PartnerContract()
  @FieldResolver(() => DeliveryPromiseType, {
    nullable: true,
    description:
      "A listing's compact delivery promise for one unit to a destination: one date, its on-time probability " +
      "and the carrier, computed without building every option and its parcels (all products of one " +
      "request share one model run). A malformed destination gives BAD_USER_INPUT; one that cannot be " +
      "served, or no stock, a promise with a null date and a reason. Null for a product the warehouses do " +
      "not know, and null with UNAVAILABLE or TIMEOUT when the model fails.",
  })
  deliveryPromise(
    @Root() product: ProductRef,
    @Arg("destination", () => DestinationInput, { description: "Where to deliver." })
    destination: DestinationInput,
    @Arg("choose", () => PromiseChoiceEnum, {
      defaultValue: PromiseChoiceEnum.CHEAPEST,
      description: "Which option to promise: the cheapest (default) or the fastest.",
    })
    choose: PromiseChoiceEnum,
    @Ctx() ctx: RequestContext,
  ): Promise<DeliveryPromise | null> | null {
    const where = locate(parseDestination(destination));
    if (this.stock.product(product.id) === null) return null;
    return ctx.loaders
      .get(this.loaders.deliveryPromise)
      .load({ productId: product.id, where, choice: choose });
  }
}
