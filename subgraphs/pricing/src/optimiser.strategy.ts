import type { PriceWindow } from "./guardrails.strategy.ts";

/** What the demand model predicts for one candidate price. */
export interface CandidateOutcome {
  readonly priceMinor: number;
  /** Expected units per day at this price. */
  readonly demandPerDay: number;
}

/** The facts about a product the optimiser weighs. Money in US cents. */
export interface OptimiserInput {
  readonly listMinor: number;
  readonly costMinor: number;
  /** Units in stock; null when unknown (then stock neither caps sales nor costs anything). */
  readonly stockLevel: number | null;
  /** The model's outcome for every candidate price (at least one). */
  readonly outcomes: readonly CandidateOutcome[];
}

export interface OptimiserChoice {
  readonly priceMinor: number;
  readonly demandPerDay: number;
  /** The objective at the chosen price: expected margin in cents over the sell-through window, minus overstock losses. */
  readonly objective: number;
}

/** Picks the price to offer among candidates the guardrails allow. */
export interface PriceOptimiser {
  readonly name: string;
  /** Candidate prices to evaluate with the model, ascending, all inside the window. */
  candidates(window: PriceWindow, listMinor: number, lastPriceMinor: number | null): number[];
  choose(input: OptimiserInput): OptimiserChoice;
}

export interface ExpectedMarginConfig {
  /** Candidates spread evenly over the window (list and yesterday's price are added when inside it). */
  readonly candidateCount: number;
  /** Days in which stock should sell; margin is counted over this window. */
  readonly sellThroughDays: number;
  /** Share of its cost a unit loses when still in stock after the sell-through window (markdown, storage). */
  readonly overstockLoss: number;
}

/** Evenly spread prices over the window plus list and yesterday's price when allowed, ascending, deduplicated. */
export function spreadCandidates(
  window: PriceWindow,
  count: number,
  extra: readonly (number | null)[],
): number[] {
  const prices = new Set<number>();
  const span = window.highMinor - window.lowMinor;
  for (let i = 0; i < count; i++) {
    prices.add(Math.round(window.lowMinor + (count === 1 ? 0 : (span * i) / (count - 1))));
  }
  for (const price of extra) if (price !== null) prices.add(window.clamp(price));
  return [...prices].sort((a, b) => a - b);
}

/**
 * Maximises expected margin over the sell-through window: (price − cost) × expected sales (capped by stock),
 * minus `overstockLoss` × cost for every unit still left at its end. With little stock, sales are capped and a
 * higher price loses nothing; with a lot, every extra unit sold also saves its expected loss, which acts like
 * a lower cost and moves the optimum down (clearance). For constant elasticity e < −1 and plenty of stock the
 * optimum is cost × e / (1 + e). Ties go to the higher price (no needless discounts).
 */
export class ExpectedMarginOptimiser implements PriceOptimiser {
  readonly name = "expected-margin";

  constructor(private readonly config: ExpectedMarginConfig) {}

  candidates(window: PriceWindow, listMinor: number, lastPriceMinor: number | null): number[] {
    return spreadCandidates(window, this.config.candidateCount, [listMinor, lastPriceMinor]);
  }

  objective(input: OptimiserInput, outcome: CandidateOutcome): number {
    const demand = Math.max(0, outcome.demandPerDay) * this.config.sellThroughDays;
    if (input.stockLevel === null) return (outcome.priceMinor - input.costMinor) * demand;
    const sold = Math.min(demand, input.stockLevel);
    const left = input.stockLevel - sold;
    return (outcome.priceMinor - input.costMinor) * sold - this.config.overstockLoss * input.costMinor * left;
  }

  choose(input: OptimiserInput): OptimiserChoice {
    let best: OptimiserChoice | undefined;
    for (const outcome of input.outcomes) {
      const objective = this.objective(input, outcome);
      if (
        best === undefined ||
        objective > best.objective + 1e-9 ||
        (Math.abs(objective - best.objective) <= 1e-9 && outcome.priceMinor > best.priceMinor)
      ) {
        best = { priceMinor: outcome.priceMinor, demandPerDay: outcome.demandPerDay, objective };
      }
    }
    if (best === undefined) throw new Error("choose needs at least one candidate outcome");
    return best;
  }
}

/** Always the list price (within the guardrails): a kill switch for the model, and the baseline in comparisons. */
export class ListPriceOptimiser implements PriceOptimiser {
  readonly name = "list-price";

  candidates(window: PriceWindow, listMinor: number): number[] {
    return [window.clamp(listMinor)];
  }

  choose(input: OptimiserInput): OptimiserChoice {
    const outcome = input.outcomes[0];
    if (outcome === undefined) throw new Error("choose needs at least one candidate outcome");
    return { priceMinor: outcome.priceMinor, demandPerDay: outcome.demandPerDay, objective: 0 };
  }
}
