import type { ProductChange } from "@aisle/kit";
import type { Market, World } from "@aisle/world";

/** Cost of a product listed after start, as a share of its list price, until the ERP says otherwise. */
export const NEW_PRODUCT_COST_SHARE = 0.6;

/** What pricing knows about a product from its own master data: list price, cost and category. Cents, USD. */
export interface PricedProduct {
  readonly productId: string;
  readonly categoryId: string;
  readonly listMinor: number;
  readonly costMinor: number;
}

/**
 * Pricing's master data. In the demo it is the world's market (list price as in the catalog, plus cost);
 * in production it would be the ERP's price list. Looked up per product, lazily (the market caches).
 */
export class PricingStore {
  /** Products changed after start (product-change events): their master data, or null once archived. */
  readonly #changed = new Map<string, PricedProduct | null>();

  constructor(
    private readonly world: World,
    private readonly market: Market,
  ) {}

  product(id: string): PricedProduct | null {
    const changed = this.#changed.get(id);
    if (changed !== undefined) return changed;
    const economics = this.market.economics(id);
    if (economics === null) return null;
    return {
      productId: id,
      categoryId: economics.categoryId,
      listMinor: economics.listPriceMinor,
      costMinor: economics.costMinor,
    };
  }

  /**
   * Applies a catalog change: a listed or changed product is priced from its new list price (its cost kept,
   * or estimated at NEW_PRODUCT_COST_SHARE for a new one); an archived product is priced no more.
   */
  apply(change: ProductChange): void {
    if (change.kind === "archived") {
      this.#changed.set(change.productId, null);
      return;
    }
    const listMinor = change.product.listPriceMinor;
    const known = this.product(change.productId);
    this.#changed.set(change.productId, {
      productId: change.productId,
      categoryId: change.product.categoryId,
      listMinor,
      costMinor: known?.costMinor ?? Math.round(listMinor * NEW_PRODUCT_COST_SHARE),
    });
  }

  /** Every product id of the demo world (feature seeding). */
  productIds(): string[] {
    return this.world.products.map((p) => p.id);
  }
}
