import type { Market, World } from "@aisle/world";

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
  constructor(
    private readonly world: World,
    private readonly market: Market,
  ) {}

  product(id: string): PricedProduct | null {
    const economics = this.market.economics(id);
    if (economics === null) return null;
    return {
      productId: id,
      categoryId: economics.categoryId,
      listMinor: economics.listPriceMinor,
      costMinor: economics.costMinor,
    };
  }

  /** Every product id of the demo world (feature seeding). */
  productIds(): string[] {
    return this.world.products.map((p) => p.id);
  }
}
