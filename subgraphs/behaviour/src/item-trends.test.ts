import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "./activity.features.ts";
import { MemoryEventStream } from "./event-stream.ts";
import { DecayedCounts, followEventStream } from "./item-trends.ts";

const DAY = 86_400_000;

describe("DecayedCounts", () => {
  it("halves a count every half-life and adds new weight on top", () => {
    const counts = new DecayedCounts(DAY);
    counts.add("a", 4, 0);
    expect(counts.score("a", 0)).toBeCloseTo(4);
    expect(counts.score("a", DAY)).toBeCloseTo(2);
    counts.add("a", 2, DAY);
    expect(counts.score("a", DAY)).toBeCloseTo(4);
    expect(counts.score("missing", DAY)).toBe(0);
  });

  it("ranks recent activity above older, heavier activity, and stays finite at epoch-scale times", () => {
    const now = Date.UTC(2026, 11, 1);
    const counts = new DecayedCounts(DAY);
    counts.add("old", 100, now - 30 * DAY);
    counts.add("fresh", 1, now - DAY);
    counts.add("fresh", 1, now);
    expect(counts.ranked().map((r) => r.id)).toEqual(["fresh", "old"]);
    expect(Number.isFinite(counts.ranked()[0]!.log2)).toBe(true);
    expect(counts.score("old", now)).toBeCloseTo(100 / 2 ** 30, 10);
  });
});

describe("followEventStream", () => {
  it("hands over every appended event without consuming the stream", async () => {
    const stream = new MemoryEventStream();
    const seen: string[] = [];
    const stop = followEventStream(
      () => stream,
      (events) => seen.push(...events.map((e) => e.id)),
      {
        everyMs: 5,
      },
    );
    const event = (id: string): ActivityEvent => ({
      id,
      userId: "u",
      type: "click",
      productId: "p-1",
      query: null,
      at: 0,
      receivedAt: 0,
      device: "web",
      surface: "home",
    });
    await stream.append([event("a"), event("b")]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await stream.append([event("c")]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await stop();
    expect(seen).toEqual(["a", "b", "c"]);
    // The updater's consumer still gets all three.
    expect((await stream.read("updater", 10, 0)).map((d) => d.event.id)).toEqual(["a", "b", "c"]);
  });
});
