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
    if (pool.length === 0) return [];
    const rank = new Map(pool.map((c, i) => [c, i]));
    const relevance = (c: Candidate) => (pool.length === 1 ? 1 : 1 - (rank.get(c) ?? 0) / (pool.length - 1));
    const picked: Candidate[] = [];
    const maxSim = new Map<string, number>();
    const remaining = new Set(pool);
    const perCategory = new Map<string, number>();
    const cap = this.lambda < 1 ? Math.max(1, Math.ceil(context.first * this.maxCategoryShare)) : Infinity;
    while (picked.length < context.first && remaining.size > 0) {
      let best: Candidate | undefined;
      let bestValue = -Infinity;
      let capped: Candidate | undefined;
      let cappedValue = -Infinity;
      for (const c of remaining) {
        const value = this.lambda * relevance(c) - (1 - this.lambda) * (maxSim.get(c.id) ?? 0);
        if ((perCategory.get(c.item.categoryId) ?? 0) >= cap) {
          if (value > cappedValue) [capped, cappedValue] = [c, value];
        } else if (value > bestValue) [best, bestValue] = [c, value];
      }
      const chosen = (best ?? capped) as Candidate;
      picked.push(chosen);
      remaining.delete(chosen);
      perCategory.set(chosen.item.categoryId, (perCategory.get(chosen.item.categoryId) ?? 0) + 1);
      for (const c of remaining) {
        const s = context.similarity(chosen, c);
        if (s > (maxSim.get(c.id) ?? 0)) maxSim.set(c.id, s);
      }
    }
    const rest = [...list].filter((c) => !picked.includes(c));
    return [...picked, ...rest];
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
