import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import { InProcessProductEventBus, type ProductChange } from "./product-events.ts";

const change = (
  productId: string,
  version: number,
  kind: ProductChange["kind"] = "updated",
): ProductChange => ({
  kind,
  productId,
  version,
  at: "2026-12-02T00:00:00.000Z",
  product: {
    id: productId,
    sku: "S",
    title: `v${version}`,
    description: "",
    categoryId: "c-x",
    categoryPath: ["c-x"],
    brand: { id: "b-x", name: "X", tier: "mid" },
    attributes: [],
    imageUrls: [],
    listPriceMinor: 100,
    createdAt: "2026-01-01T00:00:00.000Z",
  },
});

describe("InProcessProductEventBus", () => {
  it("hands each product version to a subscriber once, skipping versions older than one applied", async () => {
    const bus = new InProcessProductEventBus(createLogger("t", "silent"));
    const seen: string[] = [];
    bus.subscribe("t", async (c) => void seen.push(`${c.productId}@${c.version}`));
    for (const c of [
      change("a", 1),
      change("a", 1),
      change("b", 1),
      change("a", 3),
      change("a", 2),
      change("a", 4),
    ]) {
      await bus.publish(c);
    }
    expect(seen).toEqual(["a@1", "b@1", "a@3", "a@4"]);
  });

  it("applies one subscriber's changes in order even when a handler is slow, and keeps going after a failure", async () => {
    const bus = new InProcessProductEventBus(createLogger("t", "silent"));
    const applied: number[] = [];
    bus.subscribe("t", async (c) => {
      if (c.version === 2) throw new Error("boom");
      await new Promise((resolve) => setTimeout(resolve, c.version === 1 ? 20 : 0));
      applied.push(c.version);
    });
    await Promise.all([
      bus.publish(change("a", 1)),
      bus.publish(change("a", 2)),
      bus.publish(change("a", 3)),
    ]);
    expect(applied).toEqual([1, 3]);
  });

  it("replays what was published before a subscriber came, then follows", async () => {
    const bus = new InProcessProductEventBus(createLogger("t", "silent"));
    await bus.publish(change("a", 1));
    await bus.publish(change("b", 1, "created"));
    const seen: string[] = [];
    bus.subscribe("late", async (c) => void seen.push(`${c.productId}@${c.version}`));
    await bus.publish(change("a", 2));
    expect(seen).toEqual(["a@1", "b@1", "a@2"]);
  });

  it("stops calling a subscriber once it unsubscribes", async () => {
    const bus = new InProcessProductEventBus(createLogger("t", "silent"));
    const seen: number[] = [];
    const unsubscribe = bus.subscribe("t", async (c) => void seen.push(c.version));
    await bus.publish(change("a", 1));
    unsubscribe();
    await bus.publish(change("a", 2));
    expect(seen).toEqual([1]);
  });
});
