import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CITIES } from "./user-data.ts";
import { demoWorld, generateWorld } from "./world.ts";
import type { World } from "./types.ts";

const sha256 = (value: unknown): string => createHash("sha256").update(JSON.stringify(value)).digest("hex");

// Computed once for the default options. If this changes, every demo id, title and price changed
// with it: on purpose only (and then update it), never because of the machine or Node version.
const GOLDEN_WORLD_SHA256 = "ca6371109709f3e71a9a1f9b08aa0fcd28b8644708be25ab4e0af75d1938e765";
const GOLDEN_FIRST_TITLE = "Stenand Essential Cat-Eye Sunglasses, Mirrored Blue";

describe("generateWorld", () => {
  const world = demoWorld();
  const leafIds = new Set(
    world.categories.filter((c) => !world.categories.some((d) => d.parentId === c.id)).map((c) => c.id),
  );

  it("matches the golden fingerprint", () => {
    expect(world.products[0]?.title).toBe(GOLDEN_FIRST_TITLE);
    expect(sha256(world)).toBe(GOLDEN_WORLD_SHA256);
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const again = generateWorld();
    expect(again).not.toBe(world);
    expect(sha256(again)).toBe(sha256(world));
    expect(sha256(generateWorld({ seed: 1 }))).not.toBe(sha256(world));
  });

  it("memoises the demo world", () => {
    expect(demoWorld()).toBe(world);
  });

  it("generates the default world quickly", () => {
    const started = performance.now();
    generateWorld();
    // The budget is "well under a second"; the ceiling leaves room for slow CI machines.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("has the requested sizes", () => {
    expect(world.seed).toBe(20261123);
    expect(world.products).toHaveLength(10_000);
    expect(world.users).toHaveLength(5_000);
    expect(world.brands.length).toBeGreaterThanOrEqual(150);
    expect(world.categories.length).toBeGreaterThanOrEqual(60);
    expect(leafIds.size).toBeGreaterThanOrEqual(50);
    const small = generateWorld({ productCount: 12, userCount: 3 });
    expect(small.products).toHaveLength(12);
    expect(small.users).toHaveLength(3);
  });

  it("rejects nonsensical options", () => {
    expect(() => generateWorld({ productCount: -1 })).toThrow(RangeError);
    expect(() => generateWorld({ userCount: 1.5 })).toThrow(RangeError);
    expect(() => generateWorld({ seed: Number.NaN })).toThrow(RangeError);
  });

  it("keeps parts independent: changing one count leaves the other parts untouched", () => {
    const fewerUsers = generateWorld({ userCount: 10 });
    expect(sha256(fewerUsers.products)).toBe(sha256(world.products));
    expect(sha256(fewerUsers.brands)).toBe(sha256(world.brands));

    const fewerProducts = generateWorld({ productCount: 10 });
    expect(sha256(fewerProducts.users)).toBe(sha256(world.users));
    expect(sha256(fewerProducts.categories)).toBe(sha256(world.categories));
  });

  it("uses unique ids everywhere", () => {
    const unique = (ids: readonly string[]) => new Set(ids).size === ids.length;
    expect(unique(world.categories.map((c) => c.id))).toBe(true);
    expect(unique(world.categories.map((c) => c.slug))).toBe(true);
    expect(unique(world.brands.map((b) => b.id))).toBe(true);
    expect(unique(world.products.map((p) => p.id))).toBe(true);
    expect(unique(world.products.map((p) => p.sku))).toBe(true);
    expect(unique(world.users.map((u) => u.id))).toBe(true);
    expect(unique(world.users.map((u) => u.email))).toBe(true);
  });

  describe("categories", () => {
    const byId = new Map(world.categories.map((c) => [c.id, c]));

    it("form a tree whose paths agree with the parents", () => {
      for (const category of world.categories) {
        expect(category.id).toBe(`c-${category.slug}`);
        expect(category.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(category.path.at(-1)).toBe(category.id);
        if (category.parentId === null) {
          expect(category.path).toEqual([category.id]);
        } else {
          const parent = byId.get(category.parentId);
          expect(parent).toBeDefined();
          expect(category.path).toEqual([...(parent as World["categories"][number]).path, category.id]);
        }
      }
    });

    it("has 8–10 departments of 5–10 leaves each", () => {
      const roots = world.categories.filter((c) => c.parentId === null);
      expect(roots.length).toBeGreaterThanOrEqual(8);
      expect(roots.length).toBeLessThanOrEqual(10);
      for (const root of roots) {
        const children = world.categories.filter((c) => c.parentId === root.id);
        expect(children.length).toBeGreaterThanOrEqual(5);
        expect(children.length).toBeLessThanOrEqual(10);
        expect(children.every((c) => leafIds.has(c.id))).toBe(true);
      }
      expect(byId.has("c-electronics")).toBe(true);
      expect(byId.has("c-wireless-earbuds")).toBe(true);
    });
  });

  describe("brands", () => {
    const departmentOf = (leafId: string) => world.categories.find((c) => c.id === leafId)?.parentId;

    it("sell in 1–4 leaves of at most two departments", () => {
      for (const brand of world.brands) {
        expect(brand.id).toMatch(/^b-[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(["budget", "mid", "premium"]).toContain(brand.tier);
        expect(brand.categoryIds.length).toBeGreaterThanOrEqual(1);
        expect(brand.categoryIds.length).toBeLessThanOrEqual(4);
        expect(new Set(brand.categoryIds).size).toBe(brand.categoryIds.length);
        expect(brand.categoryIds.every((id) => leafIds.has(id))).toBe(true);
        expect(new Set(brand.categoryIds.map(departmentOf)).size).toBeLessThanOrEqual(2);
      }
    });

    it("cover every leaf at least three times", () => {
      for (const leaf of leafIds) {
        expect(world.brands.filter((b) => b.categoryIds.includes(leaf)).length).toBeGreaterThanOrEqual(3);
      }
    });
  });

  describe("products", () => {
    const brands = new Map(world.brands.map((b) => [b.id, b]));

    it("sit in a leaf, with a brand that sells there", () => {
      const problems = world.products.flatMap((product) => {
        const brand = brands.get(product.brandId);
        return [
          !leafIds.has(product.categoryId) && `${product.id}: ${product.categoryId} is not a leaf`,
          !brand?.categoryIds.includes(product.categoryId) && `${product.id}: brand does not sell there`,
          !product.title.startsWith(`${brand?.name} `) &&
            `${product.id}: title does not start with the brand`,
        ].filter((p) => p !== false);
      });
      expect(problems).toEqual([]);
    });

    it("have well-formed ids, SKUs, prices, images, attributes and dates", () => {
      const from = Date.parse("2024-01-01T00:00:00Z");
      const until = Date.parse("2026-11-01T00:00:00Z");
      const problems = world.products.flatMap((product, index) => {
        const price = product.listPrice.amountMinor;
        const created = Date.parse(product.createdAt);
        const names = product.attributes.map((a) => a.name);
        const images = product.imageUrls;
        return [
          product.id !== `p-${index + 1}` && "id out of sequence",
          !/^AIS-[A-Z]{4}-\d{6}$/.test(product.sku) && `bad sku ${product.sku}`,
          !(Number.isInteger(price) && price > 0) && `bad price ${price}`,
          ![49, 99].includes(price % 100) && `price ${price} does not end in .49 or .99`,
          product.listPrice.currency !== "USD" && "not USD",
          (images.length < 1 || images.length > 3) && `${images.length} images`,
          images.some((url, i) => url !== `https://img.aisle.example/products/${product.id}/${i + 1}.jpg`) &&
            "bad image url",
          (names.length < 3 || names.length > 5) && `${names.length} attributes`,
          new Set(names).size !== names.length && "repeated attribute",
          !product.title.includes(`, ${product.attributes[0]?.value}`) && "title lacks the key attribute",
          new Date(created).toISOString() !== product.createdAt && "createdAt is not ISO",
          (created < from || created >= until) && `createdAt ${product.createdAt} out of range`,
        ]
          .filter((p) => p !== false)
          .map((p) => `${product.id}: ${p}`);
      });
      expect(problems).toEqual([]);
    });

    it("are listed in id order", () => {
      const times = world.products.map((p) => p.createdAt);
      expect(times).toEqual(times.slice().sort());
    });

    it("have mostly unique titles and 2–3 sentence descriptions that mention an attribute", () => {
      expect(new Set(world.products.map((p) => p.title)).size).toBeGreaterThan(0.95 * world.products.length);
      const problems = world.products.flatMap((product) => {
        // "Co." ends some brand names, not sentences.
        const sentences = product.description.split(/(?<!\bCo)\.(?:\s|$)/).filter((s) => s.trim() !== "");
        return [
          (sentences.length < 2 || sentences.length > 3) && `${sentences.length} sentences`,
          !product.attributes.some((a) => product.description.includes(a.value)) && "mentions no attribute",
          /[{}]/.test(product.description) && "unfilled placeholder",
        ]
          .filter((p) => p !== false)
          .map((p) => `${product.id}: ${p} in "${product.description}"`);
      });
      expect(problems).toEqual([]);
    });

    it("spread unevenly over the leaves and price by category and tier", () => {
      const perLeaf = new Map<string, number>();
      for (const p of world.products) perLeaf.set(p.categoryId, (perLeaf.get(p.categoryId) ?? 0) + 1);
      expect(perLeaf.size).toBe(leafIds.size);
      const counts = [...perLeaf.values()].sort((a, b) => a - b);
      expect((counts.at(-1) as number) / (counts[0] as number)).toBeGreaterThan(5);

      const medianPrice = (categoryId: string) => {
        const prices = world.products
          .filter((p) => p.categoryId === categoryId)
          .map((p) => p.listPrice.amountMinor)
          .sort((a, b) => a - b);
        return prices[Math.floor(prices.length / 2)] as number;
      };
      expect(medianPrice("c-laptops")).toBeGreaterThan(10 * medianPrice("c-spices"));
    });
  });

  describe("users", () => {
    it("have decimal ids in signup order, lowercase emails and US locations", () => {
      const cities = new Map(CITIES.map((c) => [c.city, c]));
      const problems = world.users.flatMap((user, index) => {
        const city = cities.get(user.location.city);
        return [
          user.id !== String(index + 1) && "id out of sequence",
          !new RegExp(`^[a-z]+\\.[a-z]+${user.id}@example\\.com$`).test(user.email) &&
            `bad email ${user.email}`,
          !/^\S+ \S+$/.test(user.displayName) && `bad display name ${user.displayName}`,
          city?.region !== user.location.region && "unknown city or wrong region",
          user.location.country !== "US" && "not in the US",
          !/^\d{5}$/.test(user.location.postalCode) && `bad ZIP ${user.location.postalCode}`,
          (Math.abs(user.location.lat - (city?.lat ?? 0)) > 0.1 ||
            Math.abs(user.location.lon - (city?.lon ?? 0)) > 0.1) &&
            "too far from the city centre",
          !(user.signupAt >= "2019-01-01" && user.signupAt < "2026-11-01") &&
            `signupAt ${user.signupAt} out of range`,
        ]
          .filter((p) => p !== false)
          .map((p) => `user ${user.id}: ${p}`);
      });
      expect(problems).toEqual([]);
      const times = world.users.map((u) => u.signupAt);
      expect(times).toEqual(times.slice().sort());
    });
  });
});
