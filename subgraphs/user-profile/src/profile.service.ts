import type { World } from "@aisle/world";
import { decodeActivity, type DecodedActivity, type UserActivity } from "@aisle/behaviour";

/** Derived, readable facts about a user's behaviour. */
export interface DerivedProfile {
  readonly segments: readonly string[];
  readonly categories: readonly { id: string; weight: number }[];
  readonly brands: readonly { id: string; weight: number }[];
  /** 0 (buys premium) to 1 (buys the cheapest); 0.5 when unknown. */
  readonly priceSensitivity: number;
  readonly activity: DecodedActivity;
}

function shares(map: Readonly<Record<string, number>>): { id: string; weight: number }[] {
  const total = Object.values(map).reduce((a, b) => a + b, 0);
  if (total <= 0) return [];
  return Object.entries(map)
    .map(([id, w]) => ({ id, weight: Math.round((w / total) * 1000) / 1000 }))
    .sort((a, b) => b.weight - a.weight || (a.id < b.id ? -1 : 1));
}

/** Turns a user's activity record into profile fields (segments, interests, price sensitivity). */
export class ProfileService {
  readonly #price = new Map<string, { categoryId: string; priceMinor: number }>();
  readonly #leafMedian = new Map<string, number>();
  readonly #departmentSlug = new Map<string, string>();

  constructor(world: World) {
    const byLeaf = new Map<string, number[]>();
    for (const p of world.products) {
      this.#price.set(p.id, { categoryId: p.categoryId, priceMinor: p.listPrice.amountMinor });
      const list = byLeaf.get(p.categoryId) ?? [];
      list.push(p.listPrice.amountMinor);
      byLeaf.set(p.categoryId, list);
    }
    for (const [leaf, prices] of byLeaf) {
      prices.sort((a, b) => a - b);
      this.#leafMedian.set(leaf, prices[Math.floor(prices.length / 2)] as number);
    }
    for (const c of world.categories) if (c.parentId === null) this.#departmentSlug.set(c.id, c.slug);
  }

  derive(record: UserActivity): DerivedProfile {
    const activity = decodeActivity(record);
    const relative: number[] = [];
    for (const entry of activity.sequence) {
      if (entry.type === "view") continue;
      const product = this.#price.get(entry.productId);
      const median = product === undefined ? undefined : this.#leafMedian.get(product.categoryId);
      if (product !== undefined && median !== undefined) relative.push(Math.log(product.priceMinor / median));
    }
    const meanRelative = relative.length === 0 ? 0 : relative.reduce((a, b) => a + b, 0) / relative.length;
    const priceSensitivity = Math.round((1 / (1 + Math.exp(3 * meanRelative))) * 1000) / 1000;
    const categories = shares(activity.categories);
    const departments = shares(activity.departments);
    const segments: string[] = [];
    const { counts } = activity;
    const events = counts.views + counts.clicks + counts.carts + counts.purchases + counts.searches;
    if (events === 0) segments.push("new-visitor");
    else if (counts.purchases >= 5) segments.push("loyal-buyer");
    else if (counts.purchases > 0) segments.push("buyer");
    else segments.push("browser");
    if (relative.length >= 3 && priceSensitivity >= 0.6) segments.push("bargain-hunter");
    if (relative.length >= 3 && priceSensitivity <= 0.4) segments.push("premium-shopper");
    const top = departments[0];
    if (top !== undefined && top.weight >= 0.5) {
      segments.push(`${this.#departmentSlug.get(top.id) ?? top.id}-enthusiast`);
    }
    if (counts.carts > counts.purchases * 2 + 2) segments.push("cart-abandoner");
    return { segments, categories, brands: shares(activity.brands), priceSensitivity, activity };
  }
}
