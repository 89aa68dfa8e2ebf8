import { describe, expect, it } from "vitest";
import { generateWorld } from "@aisle/world";
import { applyEvents, userActivityFeatures, worldProductFacts, type ActivityEvent } from "@aisle/behaviour";
import { ProfileService } from "./profile.service.ts";

const world = generateWorld({ productCount: 600, userCount: 2 });
const facts = worldProductFacts(world);
const profiles = new ProfileService(world);
const leaf = world.products[0]!.categoryId;
const inLeaf = world.products
  .filter((p) => p.categoryId === leaf)
  .sort((a, b) => a.listPrice.amountMinor - b.listPrice.amountMinor);

function events(products: readonly { id: string }[], type: ActivityEvent["type"], from = 0): ActivityEvent[] {
  return products.map((p, i) => ({
    id: `e-${type}-${from + i}`,
    userId: "1",
    type,
    productId: p.id,
    query: null,
    at: 1_000 + from + i,
    receivedAt: 0,
    device: "web",
    surface: "home",
  }));
}

describe("ProfileService.derive", () => {
  it("calls a user without events a new visitor with neutral price sensitivity", () => {
    const profile = profiles.derive({ ...userActivityFeatures.defaults });
    expect(profile.segments).toEqual(["new-visitor"]);
    expect(profile.priceSensitivity).toBe(0.5);
    expect(profile.categories).toEqual([]);
  });

  it("ranks interests by weight and spots bargain hunters and loyal buyers", () => {
    const cheap = inLeaf.slice(0, 3);
    const record = applyEvents(
      { ...userActivityFeatures.defaults },
      [...events(cheap, "click"), ...events([...cheap, ...cheap.slice(0, 2)], "purchase", 100)],
      facts,
      1,
    ).activity;
    const profile = profiles.derive(record);
    expect(profile.categories[0]).toEqual({ id: leaf, weight: 1 });
    expect(profile.priceSensitivity).toBeGreaterThan(0.6);
    expect(profile.segments).toEqual(expect.arrayContaining(["loyal-buyer", "bargain-hunter"]));
    expect(profile.segments.some((s) => s.endsWith("-enthusiast"))).toBe(true);
  });

  it("spots premium shoppers", () => {
    const dear = inLeaf.slice(-3);
    const profile = profiles.derive(
      applyEvents({ ...userActivityFeatures.defaults }, events(dear, "click"), facts, 1).activity,
    );
    expect(profile.priceSensitivity).toBeLessThan(0.4);
    expect(profile.segments).toEqual(expect.arrayContaining(["browser", "premium-shopper"]));
  });
});
