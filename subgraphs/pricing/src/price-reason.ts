import type { Guardrail } from "./guardrails.strategy.ts";

/** Why the offered price is what it is (stable codes for clients; the text is for people). */
export type PriceReasonCode =
  | "LIST_PRICE"
  | "FALLBACK"
  | "CLEARANCE"
  | "DEMAND_UP"
  | "DEMAND_DOWN"
  | "PRICE_SENSITIVE"
  | "CHANGE_LIMITED"
  | "ABOVE_LIST";

export interface PriceReason {
  readonly code: PriceReasonCode;
  /** Null when the offered price is the list price. */
  readonly text: string | null;
}

export interface ReasonInput {
  readonly listMinor: number;
  readonly offeredMinor: number;
  readonly lastPriceMinor: number | null;
  readonly stockLevel: number | null;
  /** Expected units per day at the list price (from the model). */
  readonly demandAtList: number;
  /** log(recent 7-day demand / 28-day demand). */
  readonly trend: number;
  /** Mean units per day over 28 days: below MIN_UNITS_PER_DAY_FOR_TREND the trend is noise and not used. */
  readonly unitsPerDay: number;
  readonly binding: readonly Guardrail[];
  readonly clearanceCoverDays: number;
}

const TREND_THRESHOLD = 0.2;
/** A 7-day mean of a product selling less than this is mostly Poisson noise: no "demand up/down" then. */
export const MIN_UNITS_PER_DAY_FOR_TREND = 2;

/** Explains a chosen price from the facts the optimiser saw. The first matching rule wins. */
export function explainPrice(input: ReasonInput): PriceReason {
  const { listMinor, offeredMinor, lastPriceMinor, stockLevel, demandAtList, binding } = input;
  const trend = input.unitsPerDay >= MIN_UNITS_PER_DAY_FOR_TREND ? input.trend : 0;
  if (offeredMinor === listMinor) return { code: "LIST_PRICE", text: null };
  const previous = lastPriceMinor ?? listMinor;
  if (offeredMinor > previous && trend >= TREND_THRESHOLD) return { code: "DEMAND_UP", text: "demand up" };
  if (binding.includes("MAX_CHANGE_PER_DAY")) {
    const direction = offeredMinor > previous ? "up" : "down";
    return { code: "CHANGE_LIMITED", text: `moving ${direction} at the maximum change per day` };
  }
  if (offeredMinor > listMinor) return { code: "ABOVE_LIST", text: "demand supports a price above list" };
  const cover = stockLevel !== null && demandAtList > 0 ? stockLevel / demandAtList : 0;
  if (cover > input.clearanceCoverDays) return { code: "CLEARANCE", text: "clearance: stock high" };
  if (trend <= -TREND_THRESHOLD) return { code: "DEMAND_DOWN", text: "demand down" };
  return { code: "PRICE_SENSITIVE", text: "price-sensitive demand: a lower price earns more margin" };
}
