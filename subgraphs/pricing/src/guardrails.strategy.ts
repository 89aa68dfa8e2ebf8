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
    const rules: ClampRule[] = [];
    if (input.lastPriceMinor !== null && input.lastPriceMinor > 0) {
      rules.push({
        guardrail: "MAX_CHANGE_PER_DAY",
        min: Math.ceil(input.lastPriceMinor * (1 - maxChangePerDay)),
        max: Math.floor(input.lastPriceMinor * (1 + maxChangePerDay)),
      });
    }
    rules.push({
      guardrail: "MAX_DISCOUNT",
      min: Math.ceil(input.listMinor * (1 - maxDiscount)),
      max: Number.POSITIVE_INFINITY,
    });
    rules.push({
      guardrail: "FLOOR",
      min: Math.ceil(input.costMinor * (1 + minMargin)),
      max: Number.POSITIVE_INFINITY,
    });
    rules.push({
      guardrail: "CEILING",
      min: Number.NEGATIVE_INFINITY,
      max: allowAboveList ? Math.floor(input.listMinor * (1 + maxAboveList)) : input.listMinor,
    });
    return new RuleWindow(rules);
  }
}

/** One guardrail as the range it clamps a price into. */
interface ClampRule {
  readonly guardrail: Guardrail;
  readonly min: number;
  readonly max: number;
}

/**
 * The window of clamp rules applied in order. A class rather than closures: pricing builds one per product on
 * every request, and closures made per call cost more here (tsx names each one) than the arithmetic.
 */
class RuleWindow implements PriceWindow {
  readonly lowMinor: number;
  readonly highMinor: number;
  readonly lowBy: Guardrail | null;
  readonly highBy: Guardrail | null;

  constructor(private readonly rules: readonly ClampRule[]) {
    [this.lowMinor, this.lowBy] = this.#run(0);
    [this.highMinor, this.highBy] = this.#run(Number.POSITIVE_INFINITY);
  }

  clamp(priceMinor: number): number {
    return this.#run(Math.round(priceMinor))[0];
  }

  bindingAt(priceMinor: number): Guardrail[] {
    const bound: Guardrail[] = [];
    if (priceMinor === this.lowMinor && this.lowBy !== null) bound.push(this.lowBy);
    if (priceMinor === this.highMinor && this.highBy !== null && this.highBy !== this.lowBy)
      bound.push(this.highBy);
    return bound;
  }

  /** The price after every rule, and the last rule that moved it. */
  #run(start: number): [number, Guardrail | null] {
    let price = start;
    let by: Guardrail | null = null;
    for (const rule of this.rules) {
      const next = Math.min(Math.max(price, rule.min), rule.max);
      if (next !== price) by = rule.guardrail;
      price = next;
    }
    return [Math.round(price), by];
  }
}
