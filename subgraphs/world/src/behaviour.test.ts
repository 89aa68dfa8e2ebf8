import { describe, expect, it } from "vitest";
import { behaviourFor } from "./behaviour.ts";
import { generateWorld } from "./world.ts";

const world = generateWorld({ productCount: 2_000, userCount: 300 });
const behaviour = behaviourFor(world);

describe("demo behaviour", { timeout: 60_000 }, () => {
  it("is deterministic and lazy per user: the same seed gives the same events, in any order of asking", () => {
    const again = behaviourFor(generateWorld({ productCount: 2_000, userCount: 300 }));
    expect(again.events("17")).toEqual(behaviour.events("17"));
    const fresh = behaviourFor(generateWorld({ productCount: 2_000, userCount: 300 }));
    fresh.events("250");
    expect(fresh.events("3")).toEqual(behaviour.events("3"));
  });

  it("orders each user's events in time, before the end of the history, with unique ids", () => {
    const ids = new Set<string>();
    for (const user of world.users.slice(0, 120)) {
      const events = behaviour.events(user.id);
      for (let i = 1; i < events.length; i++) expect(events[i]!.at).toBeGreaterThan(events[i - 1]!.at);
      for (const e of events) {
        expect(e.at).toBeLessThan(behaviour.until);
        expect(e.at).toBeGreaterThanOrEqual(Date.parse(user.signupAt));
        expect(ids.has(e.id)).toBe(false);
        ids.add(e.id);
        expect(e.type === "search" ? e.productId === null && e.query !== null : e.productId !== null).toBe(
          true,
        );
      }
    }
  });

  it("follows the funnel: every purchase and add-to-cart comes after a click on the same product", () => {
    for (const user of world.users.slice(0, 100)) {
      const clicked = new Set<string>();
      for (const e of behaviour.events(user.id)) {
        if (e.type === "click") clicked.add(e.productId!);
        if (e.type === "purchase" || e.type === "add_to_cart") expect(clicked.has(e.productId!)).toBe(true);
      }
    }
  });

  it("reflects the hidden taste: most views fall in the user's favourite categories", () => {
    const products = new Map(world.products.map((p) => [p.id, p]));
    let inFavourites = 0;
    let views = 0;
    for (const user of world.users) {
      const favourites = new Set(behaviour.taste(user.id)!.favouriteCategoryIds);
      for (const e of behaviour.events(user.id)) {
        if (e.type !== "view") continue;
        views += 1;
        if (favourites.has(products.get(e.productId!)!.categoryId)) inFavourites += 1;
      }
    }
    expect(views).toBeGreaterThan(1_000);
    expect(inFavourites / views).toBeGreaterThan(0.6);
  });

  it("clicks what the user likes more than what they merely see", () => {
    let clickedUtility = 0;
    let clicked = 0;
    let viewedUtility = 0;
    let viewed = 0;
    for (const user of world.users.slice(0, 150)) {
      for (const e of behaviour.events(user.id)) {
        const u = behaviour.utility(user.id, e.productId ?? "")!;
        if (e.type === "view") [viewedUtility, viewed] = [viewedUtility + u, viewed + 1];
        if (e.type === "click") [clickedUtility, clicked] = [clickedUtility + u, clicked + 1];
      }
    }
    expect(clickedUtility / clicked).toBeGreaterThan(viewedUtility / viewed);
  });

  it("has new users without events, and knows nothing of unknown users", () => {
    const quiet = world.users.filter((u) => behaviour.events(u.id).length === 0);
    expect(quiet.length).toBeGreaterThan(0);
    expect(quiet.length).toBeLessThan(world.users.length * 0.15);
    expect(behaviour.taste("nope")).toBeNull();
    expect(behaviour.events("nope")).toEqual([]);
  });

  it("plants bought-together pairs between complementary categories", () => {
    const leaf = world.products[0]!.categoryId;
    const complements = behaviour.complements(leaf);
    expect(complements.length).toBeGreaterThanOrEqual(1);
    expect(complements).not.toContain(leaf);
  });
});
