import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Rule, Scope, type RequestContext } from "@aisle/kit";
import { CARRIERS, WAREHOUSES, type Carrier, type Warehouse } from "@aisle/world";
import type { LogisticsLoaders } from "./loaders.ts";
import {
  ArrivalEstimateType,
  EventOutcome,
  RecordShipmentEventsResultType,
  ShipmentEventInput,
  ShipmentType,
} from "./shipment.type.ts";
import type { ArrivalEstimate, EventResult, TrackedShipment, TrackingService } from "./tracking.service.ts";
import { CarrierType } from "./delivery.type.ts";
import { WarehouseType } from "./warehouse.type.ts";

/** Who may read shipments and send scans: ops tooling and checkout (carrier integrations run as ops). */
const SHIPMENT_READERS = [Rule.scope(Scope.ops), Rule.scope(Scope.checkout)];

@Resolver(() => ShipmentType)
export class TrackingResolver {
  constructor(
    private readonly tracking: TrackingService,
    private readonly loaders: LogisticsLoaders,
  ) {}

  @Authorized(SHIPMENT_READERS)
  @Query(() => ShipmentType, {
    nullable: true,
    description: "A shipment by id (scopes service:ops, service:checkout); null when unknown.",
  })
  shipment(
    @Arg("id", () => ID, { description: "Shipment id, e.g. t-000042." }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<TrackedShipment | null> {
    return ctx.loaders.get(this.loaders.shipmentById).load(id);
  }

  @Authorized(Rule.scope(Scope.ops))
  @Mutation(() => RecordShipmentEventsResultType, {
    nullable: true,
    description:
      "Records carrier scans (scope service:ops). Each scan is validated on its own: unknown shipments, " +
      "out-of-order or post-delivery scans are REJECTED with a reason, a replayed eventId is a DUPLICATE (no " +
      "change), the rest are APPLIED and update hub congestion features at once. 1 to 500 scans per call.",
  })
  async recordShipmentEvent(
    @Arg("events", () => [ShipmentEventInput], { description: "Scans, applied in this order." })
    events: ShipmentEventInput[],
    @Ctx() ctx: RequestContext,
  ): Promise<{ applied: number; duplicates: number; rejected: number; results: EventResult[] }> {
    const results = await this.tracking.record(ctx, events);
    const count = (outcome: EventOutcome) => results.filter((r) => r.outcome === outcome).length;
    return {
      applied: count(EventOutcome.APPLIED),
      duplicates: count(EventOutcome.DUPLICATE),
      rejected: count(EventOutcome.REJECTED),
      results,
    };
  }

  @FieldResolver(() => CarrierType, { description: "The carrier." })
  carrier(@Root() shipment: TrackedShipment): Carrier | undefined {
    return CARRIERS.find((c) => c.id === shipment.carrierId);
  }

  @FieldResolver(() => WarehouseType, { description: "Where it left from." })
  warehouse(@Root() shipment: TrackedShipment): Warehouse | undefined {
    return WAREHOUSES.find((w) => w.id === shipment.warehouseId);
  }

  @FieldResolver(() => ArrivalEstimateType, {
    description: "Arrival re-estimated now from the model and today's backlog, given it has not arrived yet.",
  })
  estimatedArrival(@Root() shipment: TrackedShipment, @Ctx() ctx: RequestContext): Promise<ArrivalEstimate> {
    return this.tracking.estimate(ctx, shipment);
  }
}
