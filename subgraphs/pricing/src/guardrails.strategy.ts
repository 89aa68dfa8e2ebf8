/** A pricing guardrail that can bound the offered price. */
export type Guardrail = "FLOOR" | "MAX_DISCOUNT" | "MAX_CHANGE_PER_DAY" | "CEILING";

/** What the guardrails of one product depend on. Money in US cents. */
export interface GuardrailInput {
  readonly listMinor: number;
  readonly costMinor: number;
  /** Yesterday's offered price; null when unknown (then the max-change rule cannot apply). */
  readonly lastPriceMinor: number | null;
}

/** The prices the guardrails allow for one product: every price in [lowMinor, highMinor], in whole cents. */
export interface PriceWindow {
  readonly lowMinor: number;
  readonly highMinor: number;
  /** The guardrail that set each end of the window. */
  readonly lowBy: Guardrail | null;
  readonly highBy: Guardrail | null;
  /** The nearest allowed price. */
  clamp(priceMinor: number): number;
  /** Guardrails holding a price at the edge of the window (empty inside it). */
  bindingAt(priceMinor: number): Guardrail[];
}

/** Turns a product's list price, cost and last price into the window of prices it may be offered at. */
export interface GuardrailStrategy {
  readonly name: string;
  window(input: GuardrailInput): PriceWindow;
}

/** The standard guardrails' settings (from PRICING_* variables; see pricing.config.ts for defaults). */
export interface GuardrailConfig {
  /** Floor = cost × (1 + minMargin). */
  readonly minMargin: number;
  /** The offered price moves at most this share of yesterday's price per day, either way. */
  readonly maxChangePerDay: number;
  /** The offered price is at least list × (1 − maxDiscount). */
  readonly maxDiscount: number;
  /** When false the offered price never exceeds the list price. */
  readonly allowAboveList: boolean;
  /** With allowAboveList: at most list × (1 + maxAboveList). */
  readonly maxAboveList: number;
}

/**
 * The standard guardrails, applied in order of increasing precedence so that when two conflict the later one
 * wins: max change per day, then max discount, then the floor (cost plus minimum margin), then the ceiling
 * (list price, or list plus the allowed premium). So a product whose cost plus margin is above its list price
 * is offered at list (the ceiling wins), and a price far below list after a clearance jumps back to the
 * max-discount bound at once (max discount beats max change).
 */
export class StandardGuardrails implements GuardrailStrategy {
  readonly name = "standard";

  constructor(private readonly config: GuardrailConfig) {}

  window(input: GuardrailInput): PriceWindow {
    const { minMargin, maxChangePerDay, maxDiscount, allowAboveList, maxAboveList } = this.config;
    const rules: { guardrail: Guardrail; apply: (p: number) => number }[] = [];
    if (input.lastPriceMinor !== null && input.lastPriceMinor > 0) {
      const down = Math.ceil(input.lastPriceMinor * (1 - maxChangePerDay));
      const up = Math.floor(input.lastPriceMinor * (1 + maxChangePerDay));
      rules.push({ guardrail: "MAX_CHANGE_PER_DAY", apply: (p) => Math.min(Math.max(p, down), up) });
    }
    const discountBound = Math.ceil(input.listMinor * (1 - maxDiscount));
    rules.push({ guardrail: "MAX_DISCOUNT", apply: (p) => Math.max(p, discountBound) });
    const floor = Math.ceil(input.costMinor * (1 + minMargin));
    rules.push({ guardrail: "FLOOR", apply: (p) => Math.max(p, floor) });
    const ceiling = allowAboveList ? Math.floor(input.listMinor * (1 + maxAboveList)) : input.listMinor;
    rules.push({ guardrail: "CEILING", apply: (p) => Math.min(p, ceiling) });

    const run = (start: number): { price: number; by: Guardrail | null } => {
      let price = start;
      let by: Guardrail | null = null;
      for (const rule of rules) {
        const next = rule.apply(price);
        if (next !== price) by = rule.guardrail;
        price = next;
      }
      return { price: Math.round(price), by };
    };
    const low = run(0);
    const high = run(Number.POSITIVE_INFINITY);
    return {
      lowMinor: low.price,
      highMinor: high.price,
      lowBy: low.by,
      highBy: high.by,
      clamp: (priceMinor) => run(Math.round(priceMinor)).price,
      bindingAt: (priceMinor) => {
        const bound: Guardrail[] = [];
        if (priceMinor === low.price && low.by !== null) bound.push(low.by);
        if (priceMinor === high.price && high.by !== null && high.by !== low.by) bound.push(high.by);
        return bound;
      },
    };
  }
}
