import { badUserInput, type RequestContext } from "@aisle/kit";
import type { BatchedModel } from "@aisle/ml";
import {
  MARKET_HISTORY_DAYS,
  MARKET_HISTORY_START,
  marketFor,
  type Warehouse,
  type World,
} from "@aisle/world";
import { DEMAND_HORIZON_DAYS, type DemandRow } from "./demand.features.ts";
import type { DemandForecast } from "./demand.model.ts";
import type { ReplenishmentPlan, ReplenishmentPolicy } from "./replenishment.policy.ts";
import type { StockService } from "./stock.service.ts";

const DAY_MS = 86_400_000;
const Z90 = 1.2815515655446004;

export interface ReplenishmentSettings {
  /** Fixed cost of one purchase order, cents. */
  readonly orderCostMinor: number;
  /** Yearly holding cost as a share of unit cost. */
  readonly holdingRate: number;
}

export interface WarehouseReplenishment extends ReplenishmentPlan {
  readonly warehouse: Warehouse;
  readonly onHand: number;
  readonly demandShare: number;
  readonly dailyDemand: number;
  readonly dailyDemandSd: number;
  readonly leadTimeDays: number;
}

export interface Replenishment {
  readonly serviceLevel: number;
  readonly policy: string;
  readonly forecast: { date: string; units: number; upper: number }[];
  readonly totalStock: number;
  readonly warehouses: WarehouseReplenishment[];
}

/**
 * Forecast (demand model, one batched run per request) + reorder maths (a ReplenishmentPolicy) per warehouse.
 * A warehouse's demand is the product's forecast times its demand share; its daily spread scales with the
 * square root of the share (independent orders).
 */
export class ReplenishmentService {
  constructor(
    private readonly world: World,
    private readonly stock: StockService,
    private readonly model: BatchedModel<DemandRow, DemandForecast>,
    private readonly policy: ReplenishmentPolicy,
    private readonly settings: ReplenishmentSettings,
  ) {}

  async plan(ctx: RequestContext, productId: string, serviceLevel: number): Promise<Replenishment | null> {
    if (!(serviceLevel >= 0.5 && serviceLevel <= 0.999)) {
      throw badUserInput("serviceLevel must be between 0.5 and 0.999", "serviceLevel");
    }
    const product = this.stock.product(productId);
    const market = marketFor(this.world);
    const economics = market.economics(productId);
    if (product === null || economics === null) return null;
    const units = new Array<number>(MARKET_HISTORY_DAYS).fill(0);
    let lastPrice = economics.listPriceMinor;
    for (const day of market.history(productId)) {
      units[day.day] = day.units;
      lastPrice = day.priceMinor;
    }
    const rows: DemandRow[] = Array.from({ length: DEMAND_HORIZON_DAYS }, (_, i) => ({
      units,
      targetMs: MARKET_HISTORY_START + (MARKET_HISTORY_DAYS + i) * DAY_MS,
      horizon: i + 1,
      priceRatio: lastPrice / economics.listPriceMinor,
    }));
    const predicted = await this.model.loadMany(ctx, rows);
    const forecast = predicted.map((p, i) => ({
      date: new Date(MARKET_HISTORY_START + (MARKET_HISTORY_DAYS + i) * DAY_MS).toISOString().slice(0, 10),
      units: round(p.rate, 3),
      upper: round(p.upper, 3),
    }));
    const daily = predicted.reduce((s, p) => s + p.rate, 0) / predicted.length;
    const dailySd = Math.sqrt(
      predicted.reduce((s, p) => s + ((p.upper - p.rate) / Z90) ** 2, 0) / predicted.length,
    );
    const warehouses = product.stock.map((s) => {
      const warehouse = this.stock.warehouse(s.warehouseId) as Warehouse;
      const input = {
        dailyDemand: daily * s.demandShare,
        dailyDemandSd: dailySd * Math.sqrt(s.demandShare),
        leadTimeDays: warehouse.supplierLeadDays,
        leadTimeSdDays: warehouse.supplierLeadSdDays,
        onHand: s.quantity,
        serviceLevel,
        orderCostMinor: this.settings.orderCostMinor,
        annualHoldingCostMinor: Math.max(1, economics.costMinor * this.settings.holdingRate),
      };
      const plan = this.policy.plan(input);
      return {
        warehouse,
        onHand: s.quantity,
        demandShare: round(s.demandShare, 4),
        dailyDemand: round(input.dailyDemand, 3),
        dailyDemandSd: round(input.dailyDemandSd, 3),
        leadTimeDays: warehouse.supplierLeadDays,
        safetyStock: round(plan.safetyStock, 2),
        reorderPoint: round(plan.reorderPoint, 2),
        economicOrderQuantity: round(plan.economicOrderQuantity, 1),
        daysOfCover: plan.daysOfCover === null ? null : round(plan.daysOfCover, 1),
        stockoutRisk: round(plan.stockoutRisk, 4),
        reorderNow: plan.reorderNow,
      };
    });
    return { serviceLevel, policy: this.policy.name, forecast, totalStock: product.totalStock, warehouses };
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
