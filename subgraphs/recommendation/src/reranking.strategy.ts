import { createRng, hashString, type Rng } from "@aisle/world";
import type { DecodedActivity } from "@aisle/behaviour";
import type { Candidate } from "./recall.ts";

/** What re-ranking steps may look at besides the list. */
export interface RerankContext {
  readonly activity: DecodedActivity;
  /** How many items the caller wants. */
  readonly first: number;
  /** Units in stock; null when unknown (then the item is kept). */
  stockOf(productId: string): number | null;
  /** Similarity of two items in [0, 1] (for diversity). */
  similarity(a: Candidate, b: Candidate): number;
  /** A random stream seeded by the request's inputs, so the same inputs give the same list. */
  readonly rng: Rng;
}

/** One policy applied after ranking. Steps run in order; each returns a new list. */
export interface RerankStep {
  readonly name: string;
  apply(list: readonly Candidate[], context: RerankContext): Candidate[];
}

/** Drops what the user already bought. */
export class ExcludePurchased implements RerankStep {
  readonly name = "exclude-purchased";
  apply(list: readonly Candidate[], context: RerankContext): Candidate[] {
    return list.filter((c) => !context.activity.purchased.has(c.id));
  }
}

/** Drops items known to be out of stock; items of unknown stock stay. */
export class ExcludeOutOfStock implements RerankStep {
  readonly name = "exclude-out-of-stock";
  apply(list: readonly Candidate[], context: RerankContext): Candidate[] {
    return list.filter((c) => {
      const stock = context.stockOf(c.id);
      return stock === null || stock > 0;
    });
  }
}

/** A business rule: multiply the score of matching items (e.g. a brand campaign, a category push). */
export interface BoostRule {
  readonly field: "brand" | "category" | "department";
  readonly id: string;
  readonly factor: number;
}

/**
 * Parses `brand:b-nordvik=1.3,category:c-tents=0.8`. Throws a readable error on a bad rule (config is
 * checked at start).
 */
export function parseBoosts(text: string): BoostRule[] {
  if (text.trim() === "") return [];
  return text.split(",").map((part) => {
    const match = /^\s*(brand|category|department):([A-Za-z0-9._-]+)=(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (match === null) throw new Error(`bad boost rule ${JSON.stringify(part)}; expected field:id=factor`);
    const factor = Number(match[3]);
    if (factor < 0 || factor > 10) throw new Error(`boost factor ${factor} is outside [0, 10]`);
    return { field: match[1] as BoostRule["field"], id: match[2] as string, factor };
  });
}

export class BusinessBoosts implements RerankStep {
  readonly name = "business-boosts";
  constructor(private readonly rules: readonly BoostRule[]) {}

  apply(list: readonly Candidate[]): Candidate[] {
    if (this.rules.length === 0) return [...list];
    return list
      .map((c) => {
        let factor = 1;
        for (const rule of this.rules) {
          const value =
            rule.field === "brand"
              ? c.item.brandId
              : rule.field === "category"
                ? c.item.categoryId
                : c.item.departmentId;
          if (value === rule.id) factor *= rule.factor;
        }
        if (factor !== 1) c.score *= factor;
        return c;
      })
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  }
}

/**
 * Maximal marginal relevance: picks `first` items, each maximising λ·relevance − (1 − λ)·(highest similarity
 * to an item already picked), so one category cannot fill the list. Relevance is the rank in the pool scaled
 * to [0, 1] (1 for the best): scores are logits made positive (exp(s − s_max)), so a few leaders would take
 * almost all of a min-max scale and no similarity penalty could outweigh it. Below λ = 1 no category takes
 * more than `maxCategoryShare` of the list while items of other categories remain: a sequence model's user
 * vector can rank a whole pool of one category above everything else, which no similarity penalty undoes.
 */
export class MmrDiversity implements RerankStep {
  readonly name = "mmr-diversity";
  constructor(
    private readonly lambda = 0.7,
    private readonly pool = 100,
    private readonly maxCategoryShare = 0.5,
  ) {}

  apply(list: readonly Candidate[], context: RerankContext): Candidate[] {
    const pool = [...list].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, this.pool);
    const n = pool.length;
    if (n === 0) return [];
    // Lazy greedy over pool positions: a candidate's highest similarity to the picked items only grows, so a
    // value computed with the similarities folded in so far bounds its true value from above. Similarities are
    // folded in (`folded[i]` picked items so far) only for a candidate whose bound can still win, and the scan
    // stops once relevance alone cannot (it falls along the pool). The picks are exactly those of computing
    // every similarity after every pick, which was the largest self time of the home feed's recommendation
    // profile (first × pool similarity calls per request).
    const categoryIndex = new Map<string, number>();
    const category = Int32Array.from(pool, (c) => {
      let index = categoryIndex.get(c.item.categoryId);
      if (index === undefined) categoryIndex.set(c.item.categoryId, (index = categoryIndex.size));
      return index;
    });
    const perCategory = new Int32Array(categoryIndex.size);
    const maxSim = new Float64Array(n);
    const folded = new Int32Array(n);
    const taken = new Uint8Array(n);
    const cap = this.lambda < 1 ? Math.max(1, Math.ceil(context.first * this.maxCategoryShare)) : Infinity;
    const picked: Candidate[] = [];
    const relevance = (i: number) => (n === 1 ? 1 : 1 - i / (n - 1));
    const value = (i: number) => this.lambda * relevance(i) - (1 - this.lambda) * (maxSim[i] as number);
    /** The first position with the highest value among those not taken and (not) at their category's cap. */
    const bestOf = (atCap: boolean): number => {
      let best = -1;
      let bestValue = -Infinity;
      for (let i = 0; i < n; i++) {
        if (best >= 0 && this.lambda * relevance(i) <= bestValue) break;
        if (taken[i] === 1 || (perCategory[category[i] as number] as number) >= cap !== atCap) continue;
        if (best >= 0 && value(i) <= bestValue) continue;
        for (let k = folded[i] as number; k < picked.length; k++) {
          const s = context.similarity(picked[k] as Candidate, pool[i] as Candidate);
          if (s > (maxSim[i] as number)) maxSim[i] = s;
        }
        folded[i] = picked.length;
        const exact = value(i);
        if (exact > bestValue) {
          best = i;
          bestValue = exact;
        }
      }
      return best;
    };
    while (picked.length < context.first && picked.length < n) {
      const uncapped = bestOf(false);
      const chosenIndex = uncapped >= 0 ? uncapped : bestOf(true);
      picked.push(pool[chosenIndex] as Candidate);
      taken[chosenIndex] = 1;
      const chosenCategory = category[chosenIndex] as number;
      perCategory[chosenCategory] = (perCategory[chosenCategory] as number) + 1;
    }
    const chosenSet = new Set(picked);
    return [...picked, ...list.filter((c) => !chosenSet.has(c))];
  }
}

/**
 * Exploration: a small share of the first `first` slots (at least one in a list of 10 or more) goes to items
 * ranked just below the cut, at positions drawn from the request's seeded stream, so new and less-seen items get
 * a chance and the feedback loop does not close. Deterministic for the same inputs and seed.
 */
export class Exploration implements RerankStep {
  readonly name = "exploration";
  constructor(
    private readonly share = 0.1,
    private readonly window = 50,
  ) {}

  apply(list: readonly Candidate[], context: RerankContext): Candidate[] {
    const head = list.slice(0, context.first);
    const tail = list.slice(context.first, context.first + this.window);
    const slots = Math.min(tail.length, Math.floor(head.length * this.share));
    if (slots === 0) return [...list];
    const positions = context.rng.sample(
      Array.from({ length: head.length - 2 }, (_, i) => i + 2),
      slots,
    );
    const picks = context.rng.sample(tail, slots);
    positions.forEach((position, i) => {
      const pick = picks[i] as Candidate;
      pick.reason = `something new to explore: ${pick.reason}`;
      pick.sources.add("exploration");
      head[position] = pick;
    });
    const used = new Set(head.map((c) => c.id));
    return [...head, ...list.filter((c) => !used.has(c.id))];
  }
}

/** The seeded stream of one request: same seed and inputs, same list. */
export function requestRng(seed: number, ...parts: readonly string[]): Rng {
  return createRng(hashString(`${seed}:recommendation:${parts.join(":")}`));
}

/** The default pipeline. */
export function defaultRerankSteps(
  boosts: readonly BoostRule[],
  options: { lambda: number; exploration: number },
): RerankStep[] {
  return [
    new ExcludePurchased(),
    new ExcludeOutOfStock(),
    new BusinessBoosts(boosts),
    new MmrDiversity(options.lambda),
    new Exploration(options.exploration),
  ];
}
