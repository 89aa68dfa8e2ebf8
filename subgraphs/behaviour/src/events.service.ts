import { randomUUID } from "node:crypto";
import { badUserInput, isServiceScope, unavailable, type Logger, type RequestContext } from "@aisle/kit";
import {
  EVENT_TYPES,
  type ActivityEvent,
  type EventAttribution,
  type EventType,
  type ProductFacts,
} from "./activity.features.ts";
import { AttributionError, type AttributionTokens } from "./attribution.ts";
import type { EventStream } from "./event-stream.ts";

/** Most events in one `recordEvents` call. */
export const MAX_EVENTS_PER_CALL = 500;
/** Clock skew tolerated on client timestamps before an event counts as "in the future". */
export const FUTURE_TOLERANCE_MS = 60_000;
const EVENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_QUERY_LENGTH = 200;
const DEVICES = new Set(["web", "ios", "android", "other"]);
/** Event types a recommendation can be credited with (the others carry no attribution token). */
export const ATTRIBUTABLE_TYPES: readonly EventType[] = ["click", "add_to_cart", "purchase"];

/** One event as a client sends it (validated here, not by the schema, so one bad event never sinks a batch). */
export interface EventInput {
  readonly id?: string | null;
  readonly userId?: string | null;
  readonly type: string;
  readonly productId?: string | null;
  readonly query?: string | null;
  readonly occurredAt: string;
  readonly device?: string | null;
  readonly surface?: string | null;
  /** The `attributionToken` of the recommendation that showed the product (click, add_to_cart, purchase). */
  readonly attributionToken?: string | null;
}

export interface RejectedEvent {
  readonly index: number;
  readonly eventId: string | null;
  readonly reasons: readonly string[];
}

export interface RecordEventsResult {
  readonly accepted: number;
  readonly acceptedIds: readonly string[];
  readonly rejected: readonly RejectedEvent[];
  /** Accepted events credited to a recommendation list (they carried a valid attribution token). */
  readonly attributed: number;
}

/**
 * Validates behaviour events one by one and appends the valid ones to the stream. Rejected events come back
 * with their reasons (an expected outcome, part of the schema); the rest are accepted, and only once the
 * stream has them: when the append fails (Redis down, or slower than the stream's bound) the call answers
 * UNAVAILABLE and nothing is reported accepted.
 */
export class EventsService {
  constructor(
    private readonly stream: EventStream,
    private readonly facts: (productId: string) => ProductFacts | null,
    private readonly userExists: (userId: string) => boolean,
    private readonly now: () => number = Date.now,
    private readonly log?: Logger,
    private readonly attribution: AttributionTokens | null = null,
  ) {}

  async record(ctx: RequestContext, inputs: readonly EventInput[]): Promise<RecordEventsResult> {
    if (inputs.length > MAX_EVENTS_PER_CALL) {
      throw badUserInput(`At most ${MAX_EVENTS_PER_CALL} events per call (got ${inputs.length})`, "events");
    }
    const service = ctx.identity.scopes.some(isServiceScope);
    const now = this.now();
    // A bad token is a client bug or a forgery, not an expected outcome: the whole call is refused, coded.
    const attributions = inputs.map((input, index) => this.#attribution(input, index));
    const accepted: ActivityEvent[] = [];
    const rejected: RejectedEvent[] = [];
    inputs.forEach((input, index) => {
      const { event, reasons } = this.#check(input, ctx.userId, service, now);
      const attribution = attributions[index] ?? null;
      if (event === null) rejected.push({ index, eventId: input.id ?? null, reasons });
      else accepted.push(attribution === null ? event : { ...event, attribution });
    });
    try {
      await this.stream.append(accepted);
    } catch (error) {
      // Not appended, so not accepted: the caller retries (with the same event ids, replays are no-ops).
      this.log?.warn({ err: error, events: accepted.length }, "event stream append failed; events refused");
      throw unavailable("The event stream");
    }
    return {
      accepted: accepted.length,
      acceptedIds: accepted.map((e) => e.id),
      rejected,
      attributed: accepted.filter((e) => e.attribution !== undefined && e.attribution !== null).length,
    };
  }

  /** The verified attribution of one input (null without a token); BAD_USER_INPUT for a token that fails. */
  #attribution(input: EventInput, index: number): EventAttribution | null {
    const token = input.attributionToken;
    if (token === undefined || token === null) return null;
    const field = `events[${index}].attributionToken`;
    const type = input.type.trim().toLowerCase() as EventType;
    if (!ATTRIBUTABLE_TYPES.includes(type)) {
      throw badUserInput(
        `Event ${index}: only ${ATTRIBUTABLE_TYPES.join(", ")} events carry an attribution token`,
        field,
      );
    }
    if (this.attribution === null) throw badUserInput(`Event ${index}: attribution is not enabled`, field);
    try {
      const claim = this.attribution.verify(token);
      if (claim.productId !== (input.productId ?? null)) {
        throw new AttributionError("attribution token was issued for another product");
      }
      return {
        listId: claim.listId,
        position: claim.position,
        modelVersion: claim.modelVersion,
        reasonCode: claim.reasonCode,
      };
    } catch (error) {
      if (error instanceof AttributionError) throw badUserInput(`Event ${index}: ${error.message}`, field);
      throw error;
    }
  }

  #check(
    input: EventInput,
    callerId: string | null,
    service: boolean,
    now: number,
  ): { event: ActivityEvent | null; reasons: string[] } {
    const reasons: string[] = [];
    const type = input.type.trim().toLowerCase() as EventType;
    if (!EVENT_TYPES.includes(type)) {
      reasons.push(`unknown type ${JSON.stringify(input.type)} (expected one of ${EVENT_TYPES.join(", ")})`);
    }
    const userId = input.userId ?? callerId;
    if (userId === null || userId === undefined) {
      reasons.push("userId is required for a service caller");
    } else if (!service && userId !== callerId) {
      reasons.push("a shopper may record only their own events");
    } else if (!this.userExists(userId)) {
      reasons.push(`unknown user ${JSON.stringify(userId)}`);
    }
    if (input.id !== undefined && input.id !== null && !EVENT_ID_PATTERN.test(input.id)) {
      reasons.push("id must be 1 to 128 characters of A-Z a-z 0-9 . _ : -");
    }
    const at = Date.parse(input.occurredAt);
    if (Number.isNaN(at) || !/^\d{4}-\d\d-\d\dT/.test(input.occurredAt)) {
      reasons.push(`occurredAt ${JSON.stringify(input.occurredAt)} is not an ISO-8601 date-time`);
    } else if (at > now + FUTURE_TOLERANCE_MS) {
      reasons.push("occurredAt is in the future");
    }
    const productId = input.productId ?? null;
    const query = input.query?.trim() ?? null;
    if (type === "search") {
      if (query === null || query.length === 0 || query.length > MAX_QUERY_LENGTH) {
        reasons.push(`a search needs a query of 1 to ${MAX_QUERY_LENGTH} characters`);
      }
    } else if (EVENT_TYPES.includes(type)) {
      if (productId === null) reasons.push(`a ${type} event needs a productId`);
      else if (this.facts(productId) === null) reasons.push(`unknown product ${JSON.stringify(productId)}`);
    }
    const device = input.device ?? "web";
    if (!DEVICES.has(device))
      reasons.push(`unknown device ${JSON.stringify(device)} (web, ios, android, other)`);
    if (reasons.length > 0 || userId === null || userId === undefined) return { event: null, reasons };
    return {
      event: {
        id: input.id ?? `ev-${randomUUID()}`,
        userId,
        type,
        productId: type === "search" ? null : productId,
        query: type === "search" ? query : null,
        at,
        receivedAt: now,
        device,
        surface: input.surface ?? "other",
      },
      reasons,
    };
  }
}
