import { describe, expect, it } from "vitest";
import { createLogger, eventStreamLagSeconds } from "@aisle/kit";
import { FeatureStore, MemoryFeatureBackend } from "@aisle/ml";
import type { ActivityEvent } from "./activity.features.ts";
import { ActivityStore } from "./activity.store.ts";
import { MemoryEventStream } from "./event-stream.ts";
import { FeatureUpdater } from "./feature-updater.ts";

const NOW = 1_700_000_000_000;

function event(id: string, receivedAt: number): ActivityEvent {
  return {
    id,
    userId: "u1",
    type: "view",
    productId: "p-1",
    query: null,
    at: receivedAt,
    receivedAt,
    device: "web",
    surface: "home",
  };
}

async function lag(): Promise<number | undefined> {
  const metric = await eventStreamLagSeconds.get();
  return metric.values.find((v) => v.labels["stream"] === "user-activity")?.value;
}

describe("event-stream lag metric", () => {
  it("is the age of the oldest event of the batch just applied, and 0 once the stream is drained", async () => {
    const store = new ActivityStore(
      new FeatureStore({ backend: new MemoryFeatureBackend(), cacheTtlMs: 0 }),
      () => null,
    );
    const stream = new MemoryEventStream();
    await stream.append([event("e-1", NOW - 4_000), event("e-2", NOW - 1_500)]);
    const updater = new FeatureUpdater(stream, store, () => null, {
      consumer: "a",
      batchSize: 8,
      log: createLogger("test", "silent"),
      now: () => NOW,
    });
    expect(await updater.runOnce(0)).toBe(2);
    expect(await lag()).toBe(4);
    expect(await updater.runOnce(0)).toBe(0);
    expect(await lag()).toBe(0);
  });
});
