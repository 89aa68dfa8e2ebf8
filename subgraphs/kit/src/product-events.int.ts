import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { createLogger } from "./logger.ts";
import { RedisProductEventBus, type ProductChange } from "./product-events.ts";

/** The shared Redis on 6379, under a key of this run only (deleted after). */
const url = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const key = `test:product-events:${randomUUID()}`;
const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
afterAll(async () => {
  await admin.del(key).catch(() => undefined);
  admin.disconnect();
});

const change = (version: number): ProductChange => ({
  kind: version === 3 ? "archived" : "updated",
  productId: "p-1",
  version,
  at: "2026-12-02T00:00:00.000Z",
  product: {
    id: "p-1",
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

describe("RedisProductEventBus", () => {
  it("fans every change out to each subscriber (two replicas, one late) once, in order, through one stream", async () => {
    const log = createLogger("t", "silent");
    const writer = new RedisProductEventBus({ url, key, log });
    const replicaA = new RedisProductEventBus({ url, key, log });
    const replicaB = new RedisProductEventBus({ url, key, log });
    const seenA: number[] = [];
    const seenB: number[] = [];
    replicaA.subscribe("search", async (c) => void seenA.push(c.version));
    try {
      // Replica B subscribes after the first change: it replays it from the stream, then follows.
      setTimeout(() => replicaB.subscribe("search", async (c) => void seenB.push(c.version)), 50);
      await writer.publish(change(1));
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const version of [2, 2, 3]) await writer.publish(change(version));
      for (let i = 0; i < 100 && (seenA.length < 3 || seenB.length < 3); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seenA).toEqual([1, 2, 3]);
      expect(seenB).toEqual([1, 2, 3]);
      expect(await admin.xlen(key)).toBe(4);
    } finally {
      await Promise.all([writer.close(), replicaA.close(), replicaB.close()]);
    }
  });
});
