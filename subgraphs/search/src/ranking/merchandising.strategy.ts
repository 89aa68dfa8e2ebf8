import { passesFilters, type ResolvedFilters } from "../backends/backend.ts";
import type { SearchDocument } from "../retrieval/documents.ts";

/** What a boost or bury rule matches on. */
export type MerchandisingField = "product" | "brand" | "category";
export const MERCHANDISING_FIELDS: readonly MerchandisingField[] = ["product", "brand", "category"];

/** One boost (weight > 0) or bury (weight < 0) rule: products whose field has one of the values. */
export interface MerchandisingRule {
  readonly field: MerchandisingField;
  readonly values: readonly string[];
  readonly weight: number;
}

/** A request's merchandising, validated (search.service.ts `resolveMerchandising`). */
export interface Merchandising {
  /** Product ids placed first, in this order (ids unknown to the index or outside the filters are skipped). */
  readonly pins: readonly string[];
  /** Boosts and buries together (buries with negative weights). */
  readonly rules: readonly MerchandisingRule[];
  /** Optional filters: a product passing one gains `OPTIONAL_FILTER_WEIGHT`; nothing is excluded. */
  readonly optionalFilters: readonly ResolvedFilters[];
}

export const NO_MERCHANDISING: Merchandising = { pins: [], rules: [], optionalFilters: [] };

export function hasMerchandising(m: Merchandising): boolean {
  return m.pins.length > 0 || m.rules.length > 0 || m.optionalFilters.length > 0;
}

/** Weight a product gains per optional filter it passes (the same as a boost of weight 1). */
export const OPTIONAL_FILTER_WEIGHT = 1;
/** Pins per request. */
export const MAX_PINS = 10;
/** Boost and bury rules per request, together. */
export const MAX_RULES = 20;
/** Optional filters per request. */
export const MAX_OPTIONAL_FILTERS = 10;
/** Largest boost or bury weight. */
export const MAX_WEIGHT = 10;
/**
 * Candidates merchandising reorders (at least the page end): a boosted product further down the relevance
 * order than this is not lifted. The service retrieves this many when a request has rules.
 */
export const MERCHANDISING_WINDOW = 200;

export interface Ranked {
  readonly doc: SearchDocument;
  readonly score: number;
}

/**
 * How a request's merchandising reorders the relevance order (STYLE: strategies for policy). The default is
 * `RankMerchandising`; a deployment may swap it.
 */
export interface MerchandisingStrategy {
  /**
   * Reorders `ranked` (the relevance order, best first); `pinned` holds the documents of the pins in order, already
   * looked up and filtered. Returns the served order with the pinned documents first and which ids are pins.
   */
  apply<C extends Ranked>(
    ranked: readonly C[],
    merchandising: Merchandising,
    pinned: readonly C[],
  ): { ranked: C[]; pinnedIds: ReadonlySet<string> };
}

/**
 * Scale-free merchandising on positions, whatever the ranker's score scale: the hit at relevance position r
 * (0-based) gets -log2(2 + r), plus the weights of the boosts and optional filters it matches, minus those of the
 * buries. So a weight of 1 halves a product's position (position 10 → about 5), 2 quarters it, and a bury of 1
 * doubles it; equal scores keep the relevance order. Pins come first, in the order given.
 */
export class RankMerchandising implements MerchandisingStrategy {
  apply<C extends Ranked>(
    ranked: readonly C[],
    merchandising: Merchandising,
    pinned: readonly C[],
  ): { ranked: C[]; pinnedIds: ReadonlySet<string> } {
    const pinnedIds = new Set(pinned.map((p) => p.doc.id));
    const rest = ranked
      .filter((c) => !pinnedIds.has(c.doc.id))
      .map((c, r) => ({ c, r, score: -Math.log2(2 + r) + merchandisingWeight(c.doc, merchandising) }))
      .sort((a, b) => b.score - a.score || a.r - b.r);
    const top = rest[0]?.score ?? 0;
    return {
      ranked: [
        ...pinned.map((c, i) => ({ ...c, score: top + pinned.length - i })),
        ...rest.map((e) => ({ ...e.c, score: e.score })),
      ],
      pinnedIds,
    };
  }
}

/** The summed weight of the rules and optional filters a document matches (negative for buries). */
export function merchandisingWeight(doc: SearchDocument, m: Merchandising): number {
  let weight = 0;
  for (const rule of m.rules) if (ruleMatches(rule, doc)) weight += rule.weight;
  for (const filter of m.optionalFilters) if (passesFilters(doc, filter)) weight += OPTIONAL_FILTER_WEIGHT;
  return weight;
}

function ruleMatches(rule: MerchandisingRule, doc: SearchDocument): boolean {
  switch (rule.field) {
    case "product":
      return rule.values.includes(doc.id);
    case "brand":
      return rule.values.includes(doc.brandId);
    case "category":
      return rule.values.some((v) => doc.categoryPath.includes(v));
  }
}
