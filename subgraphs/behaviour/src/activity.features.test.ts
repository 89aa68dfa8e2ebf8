import { describe, expect, it } from "vitest";
import {
  applyEvents,
  decodeActivity,
  SEQUENCE_LENGTH,
  userActivityFeatures,
  type ActivityEvent,
  type ProductFacts,
} from "./activity.features.ts";

const facts = (id: string): ProductFacts | null =>
  id.startsWith("p-")
    ? { categoryId: `c-${Number(id.slice(2)) % 3}`, departmentId: "d-1", brandId: "b-1", priceMinor: 1000 }
    : null;

function event(n: number, type: ActivityEvent["type"], productId: string | null = `p-${n}`): ActivityEvent {
  return {
    id: `e-${n}`,
    userId: "u1",
    type,
    productId: type === "search" ? null : productId,
    query: type === "search" ? "tents" : null,
    at: 1_000 + n,
    receivedAt: 2_000 + n,
    device: "web",
    surface: "home",
  };
}

describe("applyEvents", () => {
  it("folds events into counts, affinities, the sequence and the purchase list", () => {
    const events = [
      event(1, "view"),
      event(2, "click", "p-1"),
      event(3, "purchase", "p-1"),
      event(4, "search"),
    ];
    const { activity, applied } = applyEvents({ ...userActivityFeatures.defaults }, events, facts, 5_000);
    expect(applied).toBe(4);
    const decoded = decodeActivity(activity);
    expect(decoded.counts).toEqual({ views: 1, clicks: 1, carts: 0, purchases: 1, searches: 1 });
    expect(decoded.sequence.map((s) => `${s.type}:${s.productId}`)).toEqual([
      "view:p-1",
      "click:p-1",
      "purchase:p-1",
    ]);
    expect(decoded.categories).toEqual({ "c-1": 4.5 });
    expect([...decoded.purchased]).toEqual(["p-1"]);
    expect(decoded.recentSearches).toEqual(["tents"]);
    expect(decoded.firstEventAt).toBe(1_001);
    expect(decoded.lastEventAt).toBe(1_004);
    expect(activity.updatedAt).toBe(5_000);
  });

  it("is idempotent by event id: replaying a batch, or part of it, changes nothing", () => {
    const events = Array.from({ length: 20 }, (_, i) => event(i, i % 4 === 0 ? "click" : "view"));
    const once = applyEvents({ ...userActivityFeatures.defaults }, events, facts, 1).activity;
    const replay = applyEvents(once, events, facts, 2);
    expect(replay.applied).toBe(0);
    expect(replay.activity).toEqual(once);
    const partial = applyEvents(
      applyEvents({ ...userActivityFeatures.defaults }, events.slice(0, 7), facts, 1).activity,
      events,
      facts,
      1,
    );
    expect(partial.applied).toBe(13);
    expect(decodeActivity(partial.activity).counts).toEqual(decodeActivity(once).counts);
  });

  it("keeps the sequence bounded, newest last", () => {
    const events = Array.from({ length: SEQUENCE_LENGTH + 30 }, (_, i) => event(i, "view"));
    const decoded = decodeActivity(
      applyEvents({ ...userActivityFeatures.defaults }, events, facts, 1).activity,
    );
    expect(decoded.sequence).toHaveLength(SEQUENCE_LENGTH);
    expect(decoded.sequence.at(-1)?.productId).toBe(`p-${SEQUENCE_LENGTH + 29}`);
    expect(decoded.counts.views).toBe(SEQUENCE_LENGTH + 30);
  });

  it("decodes garbage fields to empty values instead of throwing", () => {
    const broken = { ...userActivityFeatures.defaults, categories: "{not json", recentSearches: "42" };
    const decoded = decodeActivity(broken);
    expect(decoded.categories).toEqual({});
    expect(decoded.recentSearches).toEqual([]);
    expect(decoded.meanLogPrice).toBeNull();
  });
});
