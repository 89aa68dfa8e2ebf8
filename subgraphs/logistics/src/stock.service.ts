import type { ProductChange } from "@aisle/kit";
import {
  marketFor,
  roadKm,
  type Logistics,
  type ProductLogistics,
  type Warehouse,
  type World,
} from "@aisle/world";
import { StockBand } from "./availability.type.ts";
import type { Located, NotServed } from "./destination.ts";

/** The public view of a product's stock. */
export interface Availability {
  readonly inStock: boolean;
  readonly quantityBand: StockBand;
  readonly quantityLabel: string;
  readonly lowStock: boolean;
  readonly shipsFrom: Warehouse | null;
  readonly unservedReason: string | null;
}

const BANDS: readonly (readonly [number, StockBand, string])[] = [
  [0, StockBand.OUT_OF_STOCK, "0"],
  [5, StockBand.FEW, "1–5"],
  [20, StockBand.SOME, "6–20"],
  [100, StockBand.MANY, "21–100"],
];

export function bandOf(units: number): { band: StockBand; label: string } {
  for (const [max, band, label] of BANDS) if (units <= max) return { band, label };
  return { band: StockBand.PLENTY, label: "100+" };
}

/**
 * Stock per product and warehouse, from the demo world (a snapshot: orders do not decrement it). Exact counts
 * stay inside the subgraph; the public sees bands.
 */
export class StockService {
  readonly #warehouses: ReadonlyMap<string, Warehouse>;
  /** Stock records of products changed after start (product-change events); null once archived. */
  readonly #changed = new Map<string, ProductLogistics | null>();

  constructor(
    private readonly world: World,
    readonly logistics: Logistics,
  ) {
    this.#warehouses = new Map(logistics.warehouses.map((w) => [w.id, w]));
  }

  warehouse(id: string): Warehouse | null {
    return this.#warehouses.get(id) ?? null;
  }

  product(id: string): ProductLogistics | null {
    const changed = this.#changed.get(id);
    return changed !== undefined ? changed : this.logistics.product(id);
  }

  /**
   * Applies a catalog change: a new product gets a stock record with no units yet (stock arrives with goods
   * receipts) and the unit weight of a product of its category; a changed one keeps its record; an archived
   * one has none, so it shows no availability and cannot be quoted for delivery.
   */
  applyProductChange(change: ProductChange): void {
    if (change.kind === "archived") {
      this.#changed.set(change.productId, null);
      return;
    }
    if (this.product(change.productId) !== null) return;
    const sibling = this.world.products.find((p) => p.categoryId === change.product.categoryId);
    const unitWeightKg =
      (sibling === undefined ? null : this.logistics.product(sibling.id))?.unitWeightKg ?? 1;
    this.#changed.set(change.productId, {
      productId: change.productId,
      unitWeightKg,
      totalStock: 0,
      stock: [],
    });
  }

  /** Mean units sold per day over the last 28 days (the market's state), 0 when unknown. */
  recentDailyDemand(productId: string): number {
    return marketFor(this.world).state(productId)?.unitsPerDay28 ?? 0;
  }

  /** Warehouses holding at least `quantity` units, nearest to the destination first. */
  warehousesWith(
    product: ProductLogistics,
    quantity: number,
    where: Located,
  ): { warehouse: Warehouse; km: number; units: number }[] {
    return product.stock
      .filter((s) => s.quantity >= quantity)
      .map((s) => {
        const warehouse = this.#warehouses.get(s.warehouseId) as Warehouse;
        return {
          warehouse,
          km: roadKm(warehouse.lat, warehouse.lon, where.lat, where.lon),
          units: s.quantity,
        };
      })
      .sort((a, b) => a.km - b.km);
  }

  availability(productId: string, where: Located | NotServed | null): Availability | null {
    const product = this.product(productId);
    if (product === null) return null;
    const { band, label } = bandOf(product.totalStock);
    const inStock = product.totalStock > 0;
    const lowStock = inStock && product.totalStock < Math.max(5, 7 * this.recentDailyDemand(productId));
    let shipsFrom: Warehouse | null = null;
    let unservedReason: string | null = null;
    if (where !== null && !where.served) unservedReason = where.reason;
    else if (inStock && where === null) {
      const most = [...product.stock].sort((a, b) => b.quantity - a.quantity)[0];
      shipsFrom = most === undefined ? null : this.warehouse(most.warehouseId);
    } else if (inStock && where !== null) {
      shipsFrom = this.warehousesWith(product, 1, where)[0]?.warehouse ?? null;
    }
    return { inStock, quantityBand: band, quantityLabel: label, lowStock, shipsFrom, unservedReason };
  }
}
