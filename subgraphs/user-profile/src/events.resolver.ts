import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import { Rule, Scope, type RequestContext } from "@aisle/kit";
import type { EventsService, RecordEventsResult } from "@aisle/behaviour";
import { BehaviourEventInput, RecordEventsResultType } from "./events.type.ts";

@Resolver()
export class EventsResolver {
  constructor(private readonly service: EventsService) {}

  @Authorized(Rule.authenticated, Rule.scope(Scope.ops), Rule.scope(Scope.checkout))
  @Mutation(() => RecordEventsResultType, {
    description:
      "Records a batch of behaviour events (at most 500): each is validated on its own, the valid ones are " +
      "appended to the event stream and reach the user's features and recommendations within a second or so. " +
      "A shopper records their own events; a service (service:ops, service:checkout) anyone's.",
  })
  recordEvents(
    @Arg("events", () => [BehaviourEventInput], { description: "The events, oldest first." })
    events: BehaviourEventInput[],
    @Ctx() ctx: RequestContext,
  ): Promise<RecordEventsResult> {
    return this.service.record(ctx, events);
  }
}
