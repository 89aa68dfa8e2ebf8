import { describe, expect, it } from "vitest";
import { GraphQLError } from "graphql";
import { createLogger, RequestContext } from "@aisle/kit";
import type { ProductFacts } from "./activity.features.ts";
import { MemoryEventStream } from "./event-stream.ts";
import { EventsService, MAX_EVENTS_PER_CALL } from "./events.service.ts";

const NOW = Date.UTC(2026, 10, 1, 12);
const log = createLogger("t", "silent");
const shopper = new RequestContext("r1", { userId: "1", scopes: ["shopper"] }, log);
const service = new RequestContext("r2", { userId: null, scopes: ["service:ops"] }, log);
const facts = (id: string): ProductFacts | null =>
  id === "p-1" ? { categoryId: "c", departmentId: "d", brandId: "b", priceMinor: 100 } : null;

function make() {
  const stream = new MemoryEventStream();
  return {
    stream,
    events: new EventsService(
      stream,
      facts,
      (id) => id === "1" || id === "2",
      () => NOW,
    ),
  };
}
const at = new Date(NOW - 1000).toISOString();

describe("EventsService.record", () => {
  it("accepts good events and rejects each bad one with its reasons", async () => {
    const { stream, events } = make();
    const result = await events.record(shopper, [
      { id: "a", type: "view", productId: "p-1", occurredAt: at },
      { id: "b", type: "teleport", productId: "p-1", occurredAt: at },
      { id: "c", type: "click", productId: "p-404", occurredAt: at },
      { id: "d", type: "purchase", productId: "p-1", occurredAt: new Date(NOW + 3_600_000).toISOString() },
      { id: "e", type: "search", query: "tents", occurredAt: at },
      { id: "f", type: "view", productId: "p-1", occurredAt: "yesterday" },
      { id: "g", type: "view", productId: "p-1", occurredAt: at, userId: "2" },
    ]);
    expect(result.accepted).toBe(2);
    expect(result.acceptedIds).toEqual(["a", "e"]);
    const reasons = Object.fromEntries(result.rejected.map((r) => [r.eventId, r.reasons.join("; ")]));
    expect(reasons["b"]).toMatch(/unknown type/);
    expect(reasons["c"]).toMatch(/unknown product/);
    expect(reasons["d"]).toMatch(/future/);
    expect(reasons["f"]).toMatch(/ISO-8601/);
    expect(reasons["g"]).toMatch(/only their own/);
    const delivered = await stream.read("x", 10, 0);
    expect(delivered.map((d) => d.event.id)).toEqual(["a", "e"]);
    expect(delivered[0]?.event.receivedAt).toBe(NOW);
  });

  it("lets a service record events of any known user, and asks it for the user", async () => {
    const { events } = make();
    const result = await events.record(service, [
      { type: "view", productId: "p-1", occurredAt: at, userId: "2" },
      { type: "view", productId: "p-1", occurredAt: at },
      { type: "view", productId: "p-1", occurredAt: at, userId: "999" },
    ]);
    expect(result.accepted).toBe(1);
    expect(result.acceptedIds[0]).toMatch(/^ev-/);
    expect(result.rejected.map((r) => r.index)).toEqual([1, 2]);
  });

  it("refuses an oversized batch as a whole with BAD_USER_INPUT", async () => {
    const { events } = make();
    const many = Array.from({ length: MAX_EVENTS_PER_CALL + 1 }, () => ({
      type: "view",
      productId: "p-1",
      occurredAt: at,
    }));
    const error = await events.record(shopper, many).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions["code"]).toBe("BAD_USER_INPUT");
  });
});
