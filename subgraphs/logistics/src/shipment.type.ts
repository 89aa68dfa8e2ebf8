import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { CarrierType, ServiceLevelEnum } from "./delivery.type.ts";
import { WarehouseType } from "./warehouse.type.ts";

export enum ShipmentEventKind {
  PICKED = "PICKED",
  IN_TRANSIT_AT_HUB = "IN_TRANSIT_AT_HUB",
  OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY",
  DELIVERED = "DELIVERED",
  EXCEPTION = "EXCEPTION",
}

registerEnumType(ShipmentEventKind, {
  name: "ShipmentEventKind",
  description:
    "A carrier scan. Scans follow PICKED → IN_TRANSIT_AT_HUB (one or more) → OUT_FOR_DELIVERY → DELIVERED.",
  valuesConfig: {
    PICKED: { description: "The carrier collected the parcel at the warehouse." },
    IN_TRANSIT_AT_HUB: { description: "Scanned in at the carrier hub serving the destination region." },
    OUT_FOR_DELIVERY: { description: "On the van for the last mile." },
    DELIVERED: { description: "At the door. Nothing is accepted after it." },
    EXCEPTION: {
      description: "A problem (damage, address issue, weather); allowed at any time before delivery.",
    },
  },
});

export enum ShipmentStatus {
  PLACED = "PLACED",
  PICKED = "PICKED",
  IN_TRANSIT_AT_HUB = "IN_TRANSIT_AT_HUB",
  OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY",
  DELIVERED = "DELIVERED",
}

registerEnumType(ShipmentStatus, {
  name: "ShipmentStatus",
  description: "Where a shipment is, from the last applied scan.",
  valuesConfig: {
    PLACED: { description: "Ordered; no scan yet." },
    PICKED: { description: "Collected by the carrier." },
    IN_TRANSIT_AT_HUB: { description: "At the carrier's hub for the destination region." },
    OUT_FOR_DELIVERY: { description: "On the van." },
    DELIVERED: { description: "Delivered." },
  },
});

export enum EventOutcome {
  APPLIED = "APPLIED",
  DUPLICATE = "DUPLICATE",
  REJECTED = "REJECTED",
}

registerEnumType(EventOutcome, {
  name: "ShipmentEventOutcome",
  description: "What happened to one submitted scan.",
  valuesConfig: {
    APPLIED: { description: "Recorded; status and backlog features updated." },
    DUPLICATE: { description: "Already recorded (same eventId): nothing changed. Replays are safe." },
    REJECTED: { description: "Not recorded; see reason." },
  },
});

@InputType("ShipmentEventInput", { description: "One carrier scan." })
export class ShipmentEventInput {
  @Field(() => ID, { description: "The carrier's unique id of this scan: the idempotency key." })
  eventId!: string;

  @Field(() => ID, { description: "The shipment scanned." })
  shipmentId!: string;

  @Field(() => ShipmentEventKind, { description: "What the scan says." })
  kind!: ShipmentEventKind;

  @Field(() => DateTimeISOResolver, { description: "When the scan happened (not in the future)." })
  at!: Date;

  @Field(() => String, {
    nullable: true,
    description: "Free text from the carrier (exception details), ≤ 200 chars.",
  })
  detail?: string | null;
}

@ObjectType("ShipmentEvent", { description: "A scan applied to a shipment." })
export class ShipmentEventType {
  @Field(() => ID, { description: "The carrier's scan id." })
  eventId!: string;

  @Field(() => ShipmentEventKind, { description: "What the scan said." })
  kind!: ShipmentEventKind;

  @Field(() => DateTimeISOResolver, { description: "When it happened." })
  at!: Date;

  @Field(() => String, { nullable: true, description: "Carrier's free text." })
  detail!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The hub of an IN_TRANSIT_AT_HUB scan (carrier:region).",
  })
  hub!: string | null;
}

@ObjectType("ShipmentEventResult", { description: "The outcome of one submitted scan." })
export class ShipmentEventResultType {
  @Field(() => ID, { description: "The scan id as submitted." })
  eventId!: string;

  @Field(() => ID, { description: "The shipment id as submitted." })
  shipmentId!: string;

  @Field(() => EventOutcome, { description: "Applied, duplicate or rejected." })
  outcome!: EventOutcome;

  @Field(() => String, { nullable: true, description: "Why it was rejected; null otherwise." })
  reason!: string | null;
}

@ObjectType("RecordShipmentEventsResult", { description: "Outcomes of a batch of scans, in input order." })
export class RecordShipmentEventsResultType {
  @Field(() => Int, { description: "Scans applied." })
  applied!: number;

  @Field(() => Int, { description: "Scans already recorded." })
  duplicates!: number;

  @Field(() => Int, { description: "Scans rejected." })
  rejected!: number;

  @Field(() => [ShipmentEventResultType], { description: "One result per submitted scan." })
  results!: ShipmentEventResultType[];
}

@ObjectType("ArrivalEstimate", {
  description:
    "A shipment's arrival re-estimated now: the model's distribution given that it has not arrived yet.",
})
export class ArrivalEstimateType {
  @Field(() => String, { description: "Median arrival date (UTC)." })
  p50Date!: string;

  @Field(() => String, { description: "P90 arrival date (UTC)." })
  p90Date!: string;

  @Field(() => Float, { description: "Probability of arriving by the end of the promised date." })
  onTimeProbability!: number;

  @Field(() => Boolean, { description: "True when already delivered (dates are the delivery date)." })
  delivered!: boolean;
}

@Directive('@key(fields: "id")')
@ObjectType("Shipment", { description: "A parcel on its way: its scans and a live arrival estimate." })
export class ShipmentType {
  @Field(() => ID, { description: "Shipment id, e.g. t-000042." })
  id!: string;

  @Field(() => ShipmentStatus, { description: "Status from the last applied scan." })
  status!: ShipmentStatus;

  @Field(() => CarrierType, { description: "The carrier." })
  carrier!: CarrierType;

  @Field(() => ServiceLevelEnum, { description: "The service level." })
  service!: ServiceLevelEnum;

  @Field(() => WarehouseType, { description: "Where it left from." })
  warehouse!: WarehouseType;

  @Field(() => String, { description: "Destination postal code." })
  postalCode!: string;

  @Field(() => DateTimeISOResolver, { description: "When it was ordered." })
  orderedAt!: Date;

  @Field(() => String, { description: "The date promised at checkout." })
  promisedDate!: string;

  @Field(() => [ShipmentEventType], { description: "Applied scans, oldest first." })
  events!: ShipmentEventType[];
}
