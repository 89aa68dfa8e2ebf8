import { describe, expect, it } from "vitest";
import type { Category, Product } from "@aisle/world";
import { CatalogStore } from "./catalog.store.ts";

const category = (id: string, parentId: string | null) => ({ id, parentId }) as Category;

describe("CatalogStore.listing", () => {
  it("lists a department whose subcategory holds more products than a call can take as arguments", () => {
    const count = 300_000;
    const products = Array.from(
      { length: count },
      (_, i) =>
        ({ id: `p-${i}`, categoryId: "c-leaf", createdAt: new Date(i * 1000).toISOString() }) as Product,
    );
    const store = new CatalogStore({
      categories: [category("c-dept", null), category("c-leaf", "c-dept")],
      brands: [],
      products,
    });
    const listing = store.listing("c-dept");
    expect(listing).toHaveLength(count);
    // Newest first.
    expect(listing[0]!.id).toBe(`p-${count - 1}`);
  });
});
