import { badUserInput } from "@aisle/kit";
import type { ItemFacts } from "./catalog-facts.store.ts";
import type { Candidate } from "./recall.ts";
import { MmrDiversity, type RerankContext, type RerankStep } from "./reranking.strategy.ts";
import {
  type DiversityLevel,
  FilterMode,
  RecommendationReason,
  type RecommendationControlsInput,
} from "./recommendation.type.ts";

/** Most ids in one of the id lists of the controls (boost, pin, exclude, categories, brands). */
export const MAX_CONTROL_IDS = 50;
/** Score factor of a boosted id. */
export const BOOST_FACTOR = 2;

const LAMBDAS: Readonly<Record<DiversityLevel, number>> = { OFF: 1, LOW: 0.9, MEDIUM: 0.7, HIGH: 0.4 };

export interface ItemFilter {
  readonly categories: ReadonlySet<string> | null;
  readonly brands: ReadonlySet<string> | null;
  readonly minPriceMinor: number | null;
  readonly maxPriceMinor: number | null;
  readonly mode: FilterMode;
}

/** The per-request controls of a list, validated. */
export interface FeedControls {
  readonly filter: ItemFilter | null;
  /** MMR λ replacing the service's; null keeps it. */
  readonly lambda: number | null;
  /** −1 … 1; 0 is none. */
  readonly priceLevel: number;
  readonly boost: ReadonlySet<string>;
  readonly pin: readonly string[];
  readonly exclude: ReadonlySet<string>;
  /** 0 … 1 share of the best score; 0 is none. */
  readonly minRelevance: number;
}

export const NO_CONTROLS: FeedControls = {
  filter: null,
  lambda: null,
  priceLevel: 0,
  boost: new Set(),
  pin: [],
  exclude: new Set(),
  minRelevance: 0,
};

function ids(list: readonly string[] | null | undefined, field: string): string[] {
  const out = [...new Set(list ?? [])];
  if (out.length > MAX_CONTROL_IDS) {
    throw badUserInput(`${field}: at most ${MAX_CONTROL_IDS} ids (got ${out.length})`, `controls.${field}`);
  }
  return out;
}

function level(value: number | null | undefined, min: number, max: number, field: string): number {
  if (value === null || value === undefined) return 0;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw badUserInput(`${field} must be between ${min} and ${max}`, `controls.${field}`);
  }
  return value;
}

/**
 * Validates the controls argument: BAD_USER_INPUT naming the field for a min price above the max, a negative
 * price, an unknown category, more than 50 ids in a list, a level out of range or an unknown enum value.
 */
export function parseControls(
  input: RecommendationControlsInput | null | undefined,
  catalog: { knowsCategory(id: string): boolean },
): FeedControls {
  if (input === null || input === undefined) return NO_CONTROLS;
  let filter: ItemFilter | null = null;
  if (input.filter !== null && input.filter !== undefined) {
    const f = input.filter;
    const categories = ids(f.categoryIds, "filter.categoryIds");
    const unknown = categories.find((id) => !catalog.knowsCategory(id));
    if (unknown !== undefined) {
      throw badUserInput(`unknown category ${JSON.stringify(unknown)}`, "controls.filter.categoryIds");
    }
    const brands = ids(f.brandIds, "filter.brandIds");
    const min = f.minPriceMinor ?? null;
    const max = f.maxPriceMinor ?? null;
    for (const [name, value] of [
      ["minPriceMinor", min],
      ["maxPriceMinor", max],
    ] as const) {
      if (value !== null && value < 0)
        throw badUserInput(`${name} must not be negative`, `controls.filter.${name}`);
    }
    if (min !== null && max !== null && min > max) {
      throw badUserInput(
        `minPriceMinor (${min}) is above maxPriceMinor (${max})`,
        "controls.filter.minPriceMinor",
      );
    }
    const mode = f.mode ?? FilterMode.STRICT;
    if (!Object.values(FilterMode).includes(mode))
      throw badUserInput(`unknown filter mode ${JSON.stringify(mode)}`, "controls.filter.mode");
    filter = {
      categories: categories.length > 0 ? new Set(categories) : null,
      brands: brands.length > 0 ? new Set(brands) : null,
      minPriceMinor: min,
      maxPriceMinor: max,
      mode,
    };
  }
  let lambda: number | null = null;
  if (input.diversity !== null && input.diversity !== undefined) {
    const value = LAMBDAS[input.diversity];
    if (value === undefined)
      throw badUserInput(`unknown diversity ${JSON.stringify(input.diversity)}`, "controls.diversity");
    lambda = value;
  }
  return {
    filter,
    lambda,
    priceLevel: level(input.priceLevel, -1, 1, "priceLevel"),
    boost: new Set(ids(input.boostIds, "boostIds")),
    pin: ids(input.pinIds, "pinIds"),
    exclude: new Set(ids(input.excludeIds, "excludeIds")),
    minRelevance: level(input.minRelevance, 0, 1, "minRelevance"),
  };
}

/** Whether an item passes a filter (categories match the leaf or its department). */
export function matchesFilter(filter: ItemFilter, item: ItemFacts): boolean {
  if (
    filter.categories !== null &&
    !filter.categories.has(item.categoryId) &&
    !filter.categories.has(item.departmentId)
  )
    return false;
  if (filter.brands !== null && !filter.brands.has(item.brandId)) return false;
  if (filter.minPriceMinor !== null && item.priceMinor < filter.minPriceMinor) return false;
  if (filter.maxPriceMinor !== null && item.priceMinor > filter.maxPriceMinor) return false;
  return true;
}

const byScoreThenId = (a: Candidate, b: Candidate): number =>
  b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Drops excluded ids. */
export class ExcludeIds implements RerankStep {
  readonly name = "exclude-ids";
  constructor(private readonly ids: ReadonlySet<string>) {}
  apply(list: readonly Candidate[]): Candidate[] {
    return list.filter((c) => !this.ids.has(c.id));
  }
}

/** STRICT: keeps matches only. RELAXED: matches first, then the rest, each part in its order. */
export class FilterStep implements RerankStep {
  readonly name = "filter";
  constructor(private readonly filter: ItemFilter) {}
  apply(list: readonly Candidate[]): Candidate[] {
    const matching = list.filter((c) => matchesFilter(this.filter, c.item));
    if (this.filter.mode === FilterMode.STRICT) return matching;
    const kept = new Set(matching);
    return [...matching, ...list.filter((c) => !kept.has(c))];
  }
}

/** Drops items scoring below a share of the best score. */
export class MinRelevance implements RerankStep {
  readonly name = "min-relevance";
  constructor(private readonly share: number) {}
  apply(list: readonly Candidate[]): Candidate[] {
    const best = Math.max(0, ...list.map((c) => c.score));
    return list.filter((c) => c.score >= this.share * best);
  }
}

/** Multiplies boosted ids' scores (and marks them promoted) and the price re-rank factor, then re-sorts. */
export class ScoreAdjustments implements RerankStep {
  readonly name = "score-adjustments";
  constructor(
    private readonly boost: ReadonlySet<string>,
    private readonly priceLevel: number,
    private readonly medianPrice: (item: ItemFacts) => number,
  ) {}
  apply(list: readonly Candidate[]): Candidate[] {
    for (const c of list) {
      if (this.boost.has(c.id)) {
        c.score *= BOOST_FACTOR;
        c.sources.add("promoted");
      }
      if (this.priceLevel !== 0) {
        const ratio = c.item.priceMinor / Math.max(1, this.medianPrice(c.item));
        c.score *= Math.max(ratio, 1e-3) ** this.priceLevel;
      }
    }
    return [...list].sort(byScoreThenId);
  }
}

/** Puts pinned ids first, in the caller's order; an id that was no candidate is made one by `candidate`. */
export class PinIds implements RerankStep {
  readonly name = "pin-ids";
  constructor(
    private readonly pins: readonly string[],
    private readonly candidate: (id: string) => Candidate | null,
  ) {}
  apply(list: readonly Candidate[]): Candidate[] {
    if (this.pins.length === 0) return [...list];
    const byId = new Map(list.map((c) => [c.id, c]));
    const pinned: Candidate[] = [];
    for (const id of this.pins) {
      const c = byId.get(id) ?? this.candidate(id);
      if (c === null) continue; // unknown or archived product: nothing to show
      c.sources.add("promoted");
      pinned.push(c);
    }
    const ids = new Set(pinned.map((c) => c.id));
    return [...pinned, ...list.filter((c) => !ids.has(c.id))];
  }
}

/**
 * The re-ranking pipeline of one request: the caller's exclusions, strict filter, minimum relevance, boosts and
 * price level first, then the service's steps (diversity with the caller's λ), then the relaxed filter's
 * partition and the pins. Exclusions also remove pinned ids.
 */
export function controlledSteps(
  controls: FeedControls,
  defaults: readonly RerankStep[],
  options: {
    readonly medianPrice: (item: ItemFacts) => number;
    readonly candidate: (id: string) => Candidate | null;
  },
): RerankStep[] {
  if (controls === NO_CONTROLS) return [...defaults];
  const steps: RerankStep[] = [];
  if (controls.exclude.size > 0) steps.push(new ExcludeIds(controls.exclude));
  if (controls.filter !== null && controls.filter.mode === FilterMode.STRICT)
    steps.push(new FilterStep(controls.filter));
  if (controls.minRelevance > 0) steps.push(new MinRelevance(controls.minRelevance));
  if (controls.boost.size > 0 || controls.priceLevel !== 0)
    steps.push(new ScoreAdjustments(controls.boost, controls.priceLevel, options.medianPrice));
  const lambda = controls.lambda;
  for (const step of defaults)
    steps.push(lambda !== null && step instanceof MmrDiversity ? new MmrDiversity(lambda) : step);
  if (controls.filter !== null && controls.filter.mode === FilterMode.RELAXED)
    steps.push(new FilterStep(controls.filter));
  const pins = controls.pin.filter((id) => !controls.exclude.has(id));
  if (pins.length > 0) steps.push(new PinIds(pins, options.candidate));
  return steps;
}

/** Runs steps in order (a list of candidates, already sorted by score). */
export function applySteps(
  list: Candidate[],
  steps: readonly RerankStep[],
  context: RerankContext,
): Candidate[] {
  let out = list;
  for (const step of steps) out = step.apply(out, context);
  return out;
}

/** The reason code of a feed item, from the recall path that proposed it and its reason. */
export function reasonCodeOf(item: {
  readonly sources: Iterable<string>;
  readonly reason: string;
}): RecommendationReason {
  const sources = new Set(item.sources);
  if (sources.has("promoted")) return RecommendationReason.PROMOTED;
  if (sources.has("exploration")) return RecommendationReason.EXPLORATION;
  const reason = item.reason;
  if (reason.startsWith("because you viewed") || reason.startsWith("similar to"))
    return RecommendationReason.SIMILAR_TO_VIEWED;
  if (reason.startsWith("often bought with") || reason.startsWith("viewed together with"))
    return RecommendationReason.BOUGHT_TOGETHER;
  if (reason.startsWith("trending")) return RecommendationReason.TRENDING;
  if (reason.startsWith("popular in")) return RecommendationReason.POPULAR_IN_CATEGORY;
  if (sources.has("co-occurrence") || sources.has("category-co-purchase"))
    return RecommendationReason.BOUGHT_TOGETHER;
  if (sources.has("content")) return RecommendationReason.SIMILAR_TO_VIEWED;
  return RecommendationReason.PERSONALIZED;
}
