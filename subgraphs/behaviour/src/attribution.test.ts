import { describe, expect, it } from "vitest";
import { GraphQLError } from "graphql";
import { createLogger, RequestContext } from "@aisle/kit";
import { applyEvents, decodeActivity, userActivityFeatures, type ProductFacts } from "./activity.features.ts";
import { AttributionError, AttributionTokens, ATTRIBUTION_MAX_AGE_MS } from "./attribution.ts";
import { MemoryEventStream } from "./event-stream.ts";
import { EventsService } from "./events.service.ts";

const NOW = Date.UTC(2026, 10, 1, 12);
const SECRET = "a-test-secret-of-enough-length";
const tokens = new AttributionTokens(SECRET, () => NOW);
const claim = {
  listId: "rl-1",
  position: 3,
  productId: "p-1",
  modelVersion: "rec@2",
  reasonCode: "PERSONALIZED",
};

describe("AttributionTokens", () => {
  it("verifies what it signed and returns the claim", () => {
    const token = tokens.sign(claim);
    expect(token).toMatch(/^at1\.[\w-]+\.[\w-]+$/);
    expect(tokens.verify(token)).toEqual({ ...claim, issuedAt: NOW });
  });

  it("refuses a token signed with another secret, tampered with, malformed or expired", () => {
    const token = tokens.sign(claim);
    const other = new AttributionTokens("another-secret-of-enough-length", () => NOW).sign(claim);
    expect(() => tokens.verify(other)).toThrow(/signature/);
    const [v, payload, mac] = token.split(".");
    const forged = Buffer.from(JSON.stringify(["rl-1", 1, "p-1", "rec@2", "PERSONALIZED", NOW])).toString(
      "base64url",
    );
    expect(() => tokens.verify(`${v}.${forged}.${mac}`)).toThrow(AttributionError);
    expect(() => tokens.verify(`${v}.${payload}`)).toThrow(/malformed/);
    expect(() => tokens.verify("garbage")).toThrow(/malformed/);
    const old = tokens.sign({ ...claim, issuedAt: NOW - ATTRIBUTION_MAX_AGE_MS - 1 });
    expect(() => tokens.verify(old)).toThrow(/expired/);
  });
});

describe("EventsService with attribution", () => {
  const log = createLogger("t", "silent");
  const shopper = new RequestContext("r1", { userId: "1", scopes: ["shopper"] }, log);
  const facts = (id: string): ProductFacts | null =>
    id.startsWith("p-") ? { categoryId: "c", departmentId: "d", brandId: "b", priceMinor: 100 } : null;
  const make = () => {
    const stream = new MemoryEventStream();
    return {
      stream,
      events: new EventsService(
        stream,
        facts,
        (id) => id === "1",
        () => NOW,
        log,
        tokens,
      ),
    };
  };
  const at = new Date(NOW - 1000).toISOString();

  it("records the attribution with a click and counts it", async () => {
    const { stream, events } = make();
    const result = await events.record(shopper, [
      { id: "c1", type: "click", productId: "p-1", occurredAt: at, attributionToken: tokens.sign(claim) },
      { id: "v1", type: "view", productId: "p-1", occurredAt: at },
    ]);
    expect(result).toMatchObject({ accepted: 2, attributed: 1, rejected: [] });
    const { deliveries } = await stream.range(null, 10);
    expect(deliveries[0]?.event.attribution).toEqual({
      listId: "rl-1",
      position: 3,
      modelVersion: "rec@2",
      reasonCode: "PERSONALIZED",
    });
    expect(deliveries[1]?.event.attribution).toBeUndefined();
  });

  it("refuses the whole call with BAD_USER_INPUT for a bad token, another product's token or a token on a view", async () => {
    const { stream, events } = make();
    const cases = [
      { type: "click", productId: "p-1", attributionToken: "at1.x.y" },
      { type: "purchase", productId: "p-2", attributionToken: tokens.sign(claim) },
      { type: "view", productId: "p-1", attributionToken: tokens.sign(claim) },
    ];
    for (const bad of cases) {
      const call = events.record(shopper, [
        { id: "ok", type: "view", productId: "p-1", occurredAt: at },
        { id: "bad", occurredAt: at, ...bad },
      ]);
      await expect(call).rejects.toThrow(GraphQLError);
      await call.catch((error: GraphQLError) => {
        expect(error.extensions).toMatchObject({
          code: "BAD_USER_INPUT",
          field: "events[1].attributionToken",
        });
      });
    }
    expect((await stream.range(null, 10)).deliveries).toEqual([]);
  });
});

describe("purchase log", () => {
  it("counts purchases per product with the time of the last one", () => {
    const facts = (): ProductFacts => ({ categoryId: "c", departmentId: "d", brandId: "b", priceMinor: 100 });
    const base = { userId: "u", query: null, receivedAt: 0, device: "web", surface: "x" } as const;
    const { activity } = applyEvents(
      { ...userActivityFeatures.defaults },
      [
        { ...base, id: "1", type: "purchase", productId: "p-1", at: 1_000 },
        { ...base, id: "2", type: "purchase", productId: "p-2", at: 2_000 },
        { ...base, id: "3", type: "purchase", productId: "p-1", at: 3_000 },
        { ...base, id: "4", type: "view", productId: "p-3", at: 4_000 },
      ],
      facts,
      5_000,
    );
    const log = decodeActivity(activity).purchaseLog;
    expect([...log.entries()]).toEqual([
      ["p-2", { count: 1, lastAt: 2_000 }],
      ["p-1", { count: 2, lastAt: 3_000 }],
    ]);
    expect(decodeActivity({ ...userActivityFeatures.defaults }).purchaseLog.size).toBe(0);
  });
});
