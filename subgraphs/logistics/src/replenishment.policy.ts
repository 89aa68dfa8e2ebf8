import { normalCdf } from "./delivery.model.ts";
import { normalQuantile } from "./promise.strategy.ts";

/** What the reorder maths needs for one product in one warehouse. Units per day; days. */
export interface ReplenishmentInput {
  /** Mean forecast demand per day over the planning window. */
  readonly dailyDemand: number;
  /** Standard deviation of one day's demand. */
  readonly dailyDemandSd: number;
  /** Mean supplier lead time, days (0 = instant). */
  readonly leadTimeDays: number;
  /** Standard deviation of the lead time, days. */
  readonly leadTimeSdDays: number;
  /** Units on hand. */
  readonly onHand: number;
  /** Target cycle service level: the probability of no stock-out during a lead time, in (0, 1). */
  readonly serviceLevel: number;
  /** Fixed cost of placing one order, cents. */
  readonly orderCostMinor: number;
  /** Cost of holding one unit for a year, cents (unit cost × holding rate). */
  readonly annualHoldingCostMinor: number;
}

export interface ReplenishmentPlan {
  readonly safetyStock: number;
  readonly reorderPoint: number;
  readonly economicOrderQuantity: number;
  /** Days the stock on hand lasts at the forecast rate; null when no demand is forecast. */
  readonly daysOfCover: number | null;
  /** Probability that demand over one lead time exceeds the stock on hand. */
  readonly stockoutRisk: number;
  /** True when stock on hand is at or below the reorder point. */
  readonly reorderNow: boolean;
}

/** The reorder policy: swap it (e.g. for a periodic-review or simulation-based one) behind this interface. */
export interface ReplenishmentPolicy {
  readonly name: string;
  plan(input: ReplenishmentInput): ReplenishmentPlan;
}

function check(input: ReplenishmentInput): void {
  const nonNegative: (keyof ReplenishmentInput)[] = [
    "dailyDemand",
    "dailyDemandSd",
    "leadTimeDays",
    "leadTimeSdDays",
    "onHand",
    "orderCostMinor",
  ];
  for (const key of nonNegative) {
    const v = input[key];
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${key} must be a finite number >= 0 (got ${v})`);
  }
  if (!(input.serviceLevel > 0 && input.serviceLevel < 1))
    throw new RangeError("serviceLevel must be in (0, 1)");
  if (!(Number.isFinite(input.annualHoldingCostMinor) && input.annualHoldingCostMinor > 0)) {
    throw new RangeError("annualHoldingCostMinor must be > 0");
  }
}

/** Standard deviation of demand over a lead time: sqrt(L·σd² + d²·σL²). */
export function leadTimeDemandSd(i: ReplenishmentInput): number {
  return Math.sqrt(i.leadTimeDays * i.dailyDemandSd ** 2 + i.dailyDemand ** 2 * i.leadTimeSdDays ** 2);
}

/** Safety stock z·σ_LT for the service level (0 when demand over the lead time is certain). */
export function safetyStock(i: ReplenishmentInput): number {
  return normalQuantile(i.serviceLevel) * leadTimeDemandSd(i);
}

/** Reorder point: expected demand over the lead time plus safety stock. */
export function reorderPoint(i: ReplenishmentInput): number {
  return i.dailyDemand * i.leadTimeDays + safetyStock(i);
}

/** Economic order quantity sqrt(2·D·S/H) with D the annual demand; 0 when nothing sells. */
export function economicOrderQuantity(i: ReplenishmentInput): number {
  const annualDemand = i.dailyDemand * 365;
  return Math.sqrt((2 * annualDemand * i.orderCostMinor) / i.annualHoldingCostMinor);
}

/** P(lead-time demand > on hand), normal approximation; a step when the lead-time demand is certain. */
export function stockoutRisk(i: ReplenishmentInput): number {
  const mean = i.dailyDemand * i.leadTimeDays;
  const sd = leadTimeDemandSd(i);
  if (sd === 0) return mean > i.onHand ? 1 : 0;
  return 1 - normalCdf((i.onHand - mean) / sd);
}

/** Continuous-review (s, Q) policy with normal lead-time demand: the textbook default. */
export const normalApproximationPolicy: ReplenishmentPolicy = {
  name: "continuous-review-normal",
  plan(input) {
    check(input);
    const rop = reorderPoint(input);
    return {
      safetyStock: safetyStock(input),
      reorderPoint: rop,
      economicOrderQuantity: economicOrderQuantity(input),
      daysOfCover: input.dailyDemand === 0 ? null : input.onHand / input.dailyDemand,
      stockoutRisk: stockoutRisk(input),
      reorderNow: input.onHand <= rop,
    };
  },
};
