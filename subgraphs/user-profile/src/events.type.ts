import { Field, ID, InputType, Int, ObjectType } from "type-graphql";

@InputType("BehaviourEventInput", {
  description:
    "One behaviour event. Fields are checked per event (not by the schema), so a bad event is rejected with " +
    "its reasons while the others of the batch are accepted.",
})
export class BehaviourEventInput {
  @Field(() => ID, {
    nullable: true,
    description:
      "Client event id, unique per user; a replay with the same id is counted once. Generated when absent.",
  })
  id?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "Whose event: defaults to the caller; only a service may record events of other users.",
  })
  userId?: string | null;

  @Field(() => String, { description: "view, click, add_to_cart, purchase or search." })
  type!: string;

  @Field(() => ID, { nullable: true, description: "The product (required except for a search)." })
  productId?: string | null;

  @Field(() => String, { nullable: true, description: "The search text (searches only)." })
  query?: string | null;

  @Field(() => String, { description: "When it happened, ISO-8601; at most a minute in the future." })
  occurredAt!: string;

  @Field(() => String, { nullable: true, description: "web, ios, android or other. Default web." })
  device?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Where it happened, e.g. home, search, product, cart.",
  })
  surface?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The attributionToken of the recommendation or search hit that showed the product, on a click, add_to_cart " +
      "or purchase event: the event is credited to that list (list, position, model version). A token that does not verify, " +
      "was issued for another product, is older than 30 days or sits on another event type refuses the call " +
      "with BAD_USER_INPUT.",
  })
  attributionToken?: string | null;
}

@ObjectType("RejectedEvent", { description: "An event that was not accepted, and why." })
export class RejectedEventType {
  @Field(() => Int, { description: "Position of the event in the request's list." })
  index!: number;

  @Field(() => ID, { nullable: true, description: "The event's id when it had one." })
  eventId!: string | null;

  @Field(() => [String], { description: "Every problem found, in plain words." })
  reasons!: string[];
}

@ObjectType("RecordEventsResult", { description: "What became of a batch of behaviour events." })
export class RecordEventsResultType {
  @Field(() => Int, { description: "Events accepted and appended to the event stream." })
  accepted!: number;

  @Field(() => [ID], {
    description: "Ids of the accepted events, in request order (generated ids included).",
  })
  acceptedIds!: string[];

  @Field(() => [RejectedEventType], { description: "Events refused, with their reasons." })
  rejected!: RejectedEventType[];

  @Field(() => Int, {
    description:
      "Accepted events credited to a recommendation list (they carried a valid attribution token).",
  })
  attributed!: number;
}
