import { badUserInput, checkPageSize, decodeCursor, encodeCursor, type RequestContext } from "@aisle/kit";
import { passesFilters, PRICE_RANGES, type FacetCounts, type ResolvedFilters } from "./backends/backend.ts";
import type { AffinityProvider } from "./ranking/affinity.ts";
import type { Autocomplete, Suggestion } from "./understanding/autocomplete.ts";
import type { SearchDocument } from "./retrieval/documents.ts";
import type { QueryUnderstanding, Understanding } from "./understanding/query-understanding.ts";
import {
  hasMerchandising,
  MAX_OPTIONAL_FILTERS,
  MAX_PINS,
  MAX_RULES,
  MAX_WEIGHT,
  MERCHANDISING_FIELDS,
  MERCHANDISING_WINDOW,
  NO_MERCHANDISING,
  RankMerchandising,
  type Merchandising,
  type MerchandisingField,
  type MerchandisingRule,
  type MerchandisingStrategy,
} from "./ranking/merchandising.strategy.ts";
import type { HybridRetriever, Retrieved } from "./retrieval/retriever.ts";
import { MAX_PREFIX_LENGTH, MAX_QUERY_LENGTH, SearchSort } from "./search.type.ts";
import type { TextEncoder } from "./understanding/text-encoder.model.ts";
import { words } from "./understanding/text.ts";
import type { SearchImpressions } from "./search.impressions.ts";

/** Deepest position a client may page to (offset + first). */
export const MAX_RESULT_WINDOW = 1_000;
/** How strongly a signed-in shopper's affinity (0..1) lifts a hit, in re-ranker score units. */
export const AFFINITY_WEIGHT = 0.75;

const INTENT_SOURCES = { name: "NAME", results: "RESULTS", embedding: "EMBEDDING" } as const;

export interface FilterArg {
  readonly field: string;
  readonly values?: readonly string[] | null | undefined;
  readonly min?: number | null | undefined;
  readonly max?: number | null | undefined;
}

/** A boost or bury rule as the request gives it. */
export interface BoostArg {
  readonly field: string;
  readonly values: readonly string[];
  readonly weight?: number | null | undefined;
}

/** The request's merchandising as given (validated by `resolveMerchandising`). */
export interface MerchandisingArg {
  readonly pin?: readonly string[] | null | undefined;
  readonly boost?: readonly BoostArg[] | null | undefined;
  readonly bury?: readonly BoostArg[] | null | undefined;
  readonly optionalFilters?: readonly FilterArg[] | null | undefined;
}

export interface SearchArgs {
  readonly query: string;
  readonly filters: readonly FilterArg[];
  readonly sort: SearchSort;
  readonly first: number;
  readonly after: string | null;
  readonly personalize: boolean;
  /** Client surface (web, app), logged only. */
  readonly surface?: string | null | undefined;
  /** Pins, boosts, buries and optional filters (RELEVANCE only). */
  readonly merchandising?: MerchandisingArg | null | undefined;
}

export interface FacetValue {
  value: string;
  label: string;
  count: number;
  min: number | null;
  max: number | null;
  selected: boolean;
}

export interface SearchPage {
  edges: {
    node: {
      product: { id: string };
      score: number;
      highlight: string | null;
      pinned: boolean;
      attributionToken: string | null;
    };
    cursor: string;
  }[];
  /** This page's id, the list its hits' attribution tokens name; null when the server does not attribute. */
  searchId: string | null;
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number;
  facets: { field: string; label: string; values: FacetValue[]; usefulness: number }[];
  understanding: {
    originalQuery: string;
    correctedQuery: string | null;
    categoryIntent: {
      categoryId: string;
      name: string;
      confidence: number;
      source: "NAME" | "RESULTS" | "EMBEDDING";
    } | null;
    expandedSynonyms: string[];
    extractedFilters: { field: string; values: string[]; min: number | null; max: number | null }[];
    relaxedQuery: string | null;
    relaxed: boolean;
    appliedQuery: string;
  };
  personalized: boolean;
  backend: string;
}

/** Names shown for facets and filters, from the catalogue. */
export interface FacetLabels {
  readonly categories: ReadonlyMap<string, string>;
  readonly brands: ReadonlyMap<string, string>;
  /** Attribute names known in the catalogue (filter fields besides category, brand and price). */
  readonly attributeNames: readonly string[];
}

const FACET_VALUES = 10;
const ATTRIBUTE_FACETS = 6;

/** The search use case: validates arguments, understands the query, retrieves, personalises, pages and counts facets. */
export class SearchService {
  readonly #attributeByLower: Map<string, string>;

  constructor(
    private readonly retriever: HybridRetriever,
    private readonly understanding: QueryUnderstanding,
    private readonly encoder: TextEncoder,
    private readonly labels: FacetLabels,
    private readonly affinities: AffinityProvider,
    private readonly autocomplete: Autocomplete,
    private readonly merchandiser: MerchandisingStrategy = new RankMerchandising(),
    private readonly impressions: SearchImpressions | null = null,
  ) {
    this.#attributeByLower = new Map(labels.attributeNames.map((n) => [n.toLowerCase(), n]));
  }

  get backendName(): string {
    return this.retriever.backend.name;
  }

  /** The filters after validation; unknown fields and malformed values are BAD_USER_INPUT. */
  resolveFilters(filters: readonly FilterArg[]): ResolvedFilters {
    if (filters.length > 20) throw badUserInput("At most 20 filters", "filters");
    const categoryIds: string[] = [];
    const brandIds: string[] = [];
    let priceMinMinor: number | null = null;
    let priceMaxMinor: number | null = null;
    const attributes = new Map<string, string[]>();
    for (const f of filters) {
      const field = f.field.trim().toLowerCase();
      const values = f.values ?? [];
      if (values.length > 100 || values.some((v) => v.length > 200)) {
        throw badUserInput(`Filter ${f.field}: at most 100 values of 200 characters`, "filters");
      }
      if (field === "price") {
        if (values.length > 0) throw badUserInput("Filter price takes min and/or max, not values", "filters");
        const ok = (v: number | null | undefined) =>
          v === null || v === undefined || (Number.isFinite(v) && v >= 0 && v <= 1e7);
        if (!ok(f.min) || !ok(f.max))
          throw badUserInput("Filter price: min and max must be between 0 and 10,000,000", "filters");
        if ((f.min ?? null) === null && (f.max ?? null) === null)
          throw badUserInput("Filter price needs min or max", "filters");
        if (f.min != null && f.max != null && f.min > f.max)
          throw badUserInput("Filter price: min is above max", "filters");
        priceMinMinor = f.min == null ? null : Math.round(f.min * 100);
        priceMaxMinor = f.max == null ? null : Math.round(f.max * 100);
        continue;
      }
      if (f.min != null || f.max != null)
        throw badUserInput(`Filter ${f.field} takes values, not min/max`, "filters");
      if (values.length === 0) throw badUserInput(`Filter ${f.field} needs at least one value`, "filters");
      if (field === "category") categoryIds.push(...values);
      else if (field === "brand") brandIds.push(...values);
      else {
        const name = this.#attributeByLower.get(field);
        if (name === undefined) {
          throw badUserInput(
            `Unknown filter field ${JSON.stringify(f.field)}: use category, brand, price or an attribute name (${this.labels.attributeNames.slice(0, 8).join(", ")}, …)`,
            "filters",
          );
        }
        attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
      }
    }
    return { categoryIds, brandIds, priceMinMinor, priceMaxMinor, attributes };
  }

  /** The merchandising after validation: too many pins or rules, unknown fields and bad weights are BAD_USER_INPUT. */
  resolveMerchandising(arg: MerchandisingArg | null | undefined): Merchandising {
    if (arg == null) return NO_MERCHANDISING;
    const pins = [...new Set(arg.pin ?? [])];
    if (pins.length > MAX_PINS) throw badUserInput(`At most ${MAX_PINS} pinned products`, "merchandising");
    if (pins.some((id) => id.length === 0 || id.length > 200))
      throw badUserInput("A pinned product id is empty or longer than 200 characters", "merchandising");
    const boosts = arg.boost ?? [];
    const buries = arg.bury ?? [];
    if (boosts.length + buries.length > MAX_RULES)
      throw badUserInput(`At most ${MAX_RULES} boost and bury rules together`, "merchandising");
    const rule = (r: BoostArg, sign: 1 | -1): MerchandisingRule => {
      const field = r.field.trim().toLowerCase();
      if (!(MERCHANDISING_FIELDS as readonly string[]).includes(field)) {
        throw badUserInput(
          `Unknown merchandising field ${JSON.stringify(r.field)}: use ${MERCHANDISING_FIELDS.join(", ")}`,
          "merchandising",
        );
      }
      if (r.values.length === 0 || r.values.length > 100 || r.values.some((v) => v.length > 200))
        throw badUserInput(`Rule on ${field}: 1 to 100 values of at most 200 characters`, "merchandising");
      const weight = r.weight ?? 1;
      if (!Number.isFinite(weight) || weight <= 0 || weight > MAX_WEIGHT)
        throw badUserInput(
          `Rule on ${field}: weight must be above 0 and at most ${MAX_WEIGHT}`,
          "merchandising",
        );
      return { field: field as MerchandisingField, values: [...r.values], weight: sign * weight };
    };
    const optional = arg.optionalFilters ?? [];
    if (optional.length > MAX_OPTIONAL_FILTERS)
      throw badUserInput(`At most ${MAX_OPTIONAL_FILTERS} optional filters`, "merchandising");
    return {
      pins,
      rules: [...boosts.map((r) => rule(r, 1)), ...buries.map((r) => rule(r, -1))],
      // Each optional filter on its own: a product passing any one of them gains its weight.
      optionalFilters: optional.map((f) => this.resolveFilters([f])),
    };
  }

  async search(context: RequestContext, args: SearchArgs): Promise<SearchPage> {
    checkPageSize(args.first);
    if (args.query.length > MAX_QUERY_LENGTH) {
      throw badUserInput(`\`query\` is longer than ${MAX_QUERY_LENGTH} characters`, "query");
    }
    const explicit = this.resolveFilters(args.filters);
    const merchandising = this.resolveMerchandising(args.merchandising);
    const merchandised = hasMerchandising(merchandising) && args.sort === SearchSort.RELEVANCE;
    // An empty query is a browse page: every product passing the filters (all of them without filters),
    // most popular first for RELEVANCE, with facets. Both backends serve it (see SearchBackend.lexical).
    const query = args.query.trim();
    const offset = args.after == null ? 0 : decodeCursor(this.#scope(args), args.after) + 1;
    if (offset + args.first > MAX_RESULT_WINDOW) {
      throw badUserInput(`Results are served up to position ${MAX_RESULT_WINDOW}; refine the query`, "after");
    }
    const understood = this.understanding.understand(query);
    context.log.debug(
      { query, surface: args.surface ?? null, corrected: understood.correctedQuery },
      "search",
    );
    const filters = mergeFilters(explicit, understood);
    const queryVector = understood.text === "" ? null : await this.encoder.query(context, understood.text);
    const size =
      args.sort !== SearchSort.RELEVANCE
        ? MAX_RESULT_WINDOW
        : merchandised
          ? Math.max(offset + args.first, MERCHANDISING_WINDOW)
          : offset + args.first;
    let retrieved = await this.retriever.retrieve({
      understanding: understood,
      queryVector,
      filters,
      mode: "hybrid-rerank",
      size,
      facets: true,
    });
    // Words that match nothing: retry with the relaxed query in the same request and say so.
    let relaxedQuery: string | null = null;
    let applied = understood;
    let appliedFilters = filters;
    let anyWord = false;
    if (retrieved.lexicalTotal === 0 && understood.text !== "") {
      const relaxed = await this.#relax(understood, explicit, queryVector);
      if (relaxed !== null) {
        relaxedQuery = relaxed.text;
        applied = { ...this.understanding.understand(relaxed.text), extracted: NO_EXTRACTED };
        appliedFilters = explicit;
        anyWord = relaxed.anyWord;
        retrieved = await this.retriever.retrieve({
          understanding: applied,
          queryVector,
          filters: explicit,
          mode: "hybrid-rerank",
          size,
          facets: true,
          minimumShouldMatch: !relaxed.anyWord,
        });
      }
    }
    const relaxed = relaxedQuery !== null && retrieved.lexicalTotal > 0;

    const personalized = args.personalize && context.userId !== null && args.sort === SearchSort.RELEVANCE;
    let ranked = retrieved.ranked;
    if (personalized) {
      const affinity = await this.affinities.affinities(context.userId as string);
      if (affinity.size > 0) {
        ranked = ranked
          .map((c) => ({ ...c, score: c.score + AFFINITY_WEIGHT * affinityOf(affinity, c.doc) }))
          .sort((a, b) => b.score - a.score);
      }
    }
    let pinnedIds: ReadonlySet<string> = new Set();
    let pinsAdded = 0;
    if (merchandised) {
      if (retrieved.total > ranked.length)
        ranked = [
          ...ranked,
          ...(await this.#ruleCandidates(ranked, merchandising, applied, appliedFilters, anyWord)),
        ];
      const inList = new Set(ranked.map((c) => c.doc.id));
      const byId = new Map(ranked.map((c) => [c.doc.id, c]));
      const pinned = merchandising.pins
        .map((id) => byId.get(id) ?? this.#pinCandidate(id, appliedFilters))
        .filter((c): c is (typeof ranked)[number] => c !== null);
      pinsAdded = pinned.filter((c) => !inList.has(c.doc.id)).length;
      ({ ranked, pinnedIds } = this.merchandiser.apply(ranked, merchandising, pinned));
    }
    if (args.sort !== SearchSort.RELEVANCE) ranked = [...ranked].sort(sorter(args.sort));
    retrieved = { ...retrieved, ranked };

    const page = ranked.slice(offset, offset + args.first);
    const scope = this.#scope(args);
    const attribution =
      this.impressions?.present({
        query: query === "" ? null : query,
        offset,
        productIds: page.map((c) => c.doc.id),
        rankedByModel:
          args.sort === SearchSort.RELEVANCE && !merchandised && !personalized && relaxedQuery === null,
      }) ?? null;
    const edges = page.map((c, i) => ({
      node: {
        product: { id: c.doc.id },
        score: c.score,
        highlight: c.highlight,
        pinned: pinnedIds.has(c.doc.id),
        attributionToken: attribution?.tokens[i] ?? null,
      },
      cursor: encodeCursor(scope, offset + i),
    }));
    const total = retrieved.total + pinsAdded;
    const available = Math.min(ranked.length, total);
    return {
      edges,
      searchId: attribution?.searchId ?? null,
      pageInfo: {
        hasNextPage: offset + page.length < available,
        hasPreviousPage: offset > 0,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount: total,
      facets: this.#facets(retrieved.facets, appliedFilters, retrieved.total),
      understanding: {
        originalQuery: args.query,
        correctedQuery: understood.correctedQuery,
        categoryIntent:
          retrieved.intent === null
            ? null
            : {
                categoryId: retrieved.intent.category.id,
                name: retrieved.intent.category.name,
                confidence: retrieved.intent.confidence,
                source: INTENT_SOURCES[retrieved.intent.source],
              },
        expandedSynonyms: [...understood.expandedSynonyms],
        extractedFilters: extractedList(understood),
        relaxedQuery,
        relaxed,
        appliedQuery: relaxed ? applied.text : understood.text,
      },
      personalized,
      backend: this.retriever.backend.name,
    };
  }

  autocompleteSuggestions(prefix: string, first: number): Promise<Suggestion[]> {
    if (prefix.length > MAX_PREFIX_LENGTH)
      throw badUserInput(`\`prefix\` is longer than ${MAX_PREFIX_LENGTH} characters`, "prefix");
    if (!Number.isInteger(first) || first < 1 || first > 20)
      throw badUserInput("`first` must be between 1 and 20", "first");
    return this.autocomplete.suggest(prefix, first);
  }

  /** Cursors are tied to the query, filters and sort: a cursor from another search is refused. */
  #scope(args: SearchArgs): string {
    return `search:${hashArgs(args)}`;
  }

  /**
   * A looser query that matches when the words found nothing, never applying the filters extracted from the
   * words: each word dropped in turn (the variant with most matches wins), else all the words, else any one of
   * them (`anyWord`: no minimum-should-match). The search is then retried with it.
   */
  async #relax(
    understood: Understanding,
    explicit: ResolvedFilters,
    queryVector: Float32Array | null,
  ): Promise<{ text: string; anyWord: boolean } | null> {
    const count = async (text: string, msm: boolean, useExtracted: boolean) =>
      (
        await this.retriever.retrieve({
          understanding: { ...understood, text, expansions: [] },
          queryVector,
          filters: useExtracted ? mergeFilters(explicit, understood) : explicit,
          mode: "bm25",
          size: 1,
          facets: false,
          minimumShouldMatch: msm,
        })
      ).total;
    const ws = words(understood.text);
    const candidates: string[] = [];
    for (let i = 0; i < ws.length && ws.length > 1; i += 1)
      candidates.push(ws.filter((_, j) => j !== i).join(" "));
    let best: { text: string; n: number } | null = null;
    for (const text of candidates) {
      const n = await count(text, true, false);
      if (n > 0 && (best === null || n > best.n)) best = { text, n };
    }
    if (best !== null) return { text: best.text, anyWord: false };
    if ((await count(understood.text, true, false)) > 0) return { text: understood.text, anyWord: false };
    if (ws.length > 1 && (await count(understood.text, false, false)) > 0)
      return { text: understood.text, anyWord: true };
    return null;
  }

  /**
   * Matches of the boost rules (brand, category) and optional filters that the retrieved window does not hold (a
   * browse page of a department, a long result): the top RULE_CANDIDATES lexical matches of the same words under
   * the filters narrowed to each rule, appended after the window in rule order, so that the boost can lift them.
   */
  async #ruleCandidates(
    ranked: Retrieved["ranked"],
    merchandising: Merchandising,
    understood: Understanding,
    filters: ResolvedFilters,
    anyWord: boolean,
  ): Promise<Retrieved["ranked"]> {
    const narrowed: ResolvedFilters[] = [
      ...merchandising.rules
        .filter((r) => r.weight > 0 && r.field !== "product")
        .map((r) =>
          narrow(filters, r.field === "brand" ? { brandIds: r.values } : { categoryIds: r.values }),
        ),
      ...merchandising.optionalFilters.map((f) => narrow(filters, f)),
    ];
    if (narrowed.length === 0) return [];
    const results = await Promise.all(
      narrowed.map((f) =>
        this.retriever.backend.lexical({
          text: understood.text,
          expansions: understood.expansions,
          filters: f,
          size: RULE_CANDIDATES,
          fuzzy: true,
          minimumShouldMatch: !anyWord,
          facets: false,
        }),
      ),
    );
    const seen = new Set(ranked.map((c) => c.doc.id));
    const floor = Math.min(0, ...ranked.map((c) => c.score)) - 1;
    const out: Retrieved["ranked"] = [];
    for (const hit of results.flatMap((r) => r.hits)) {
      const candidate = seen.has(hit.id) ? null : this.#pinCandidate(hit.id, filters);
      if (candidate === null) continue;
      seen.add(hit.id);
      out.push({ ...candidate, highlight: hit.highlight, score: floor - out.length * 1e-6 });
    }
    return out;
  }

  /** A pinned product that the relevance order does not hold: indexed and passing the filters, else null. */
  #pinCandidate(id: string, filters: ResolvedFilters): Retrieved["ranked"][number] | null {
    const doc = this.retriever.corpus.doc(id);
    if (doc === undefined || !passesFilters(doc, filters)) return null;
    return {
      doc,
      lexicalScore: null,
      lexicalRank: null,
      similarity: 0,
      semanticRank: null,
      fusedScore: 0,
      highlight: null,
      score: 0,
    };
  }

  #facets(counts: FacetCounts, filters: ResolvedFilters, matches: number): SearchPage["facets"] {
    const top = (
      m: Map<string, number>,
      label: (v: string) => string,
      selected: readonly string[],
    ): FacetValue[] =>
      [...m]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, FACET_VALUES)
        .map(([value, count]) => ({
          value,
          label: label(value),
          count,
          min: null,
          max: null,
          selected: selected.includes(value),
        }));
    const facets: SearchPage["facets"] = [
      {
        field: "category",
        label: "Category",
        values: top(counts.categories, (v) => this.labels.categories.get(v) ?? v, filters.categoryIds),
        usefulness: facetUsefulness(counts.categories.values(), matches),
      },
      {
        field: "brand",
        label: "Brand",
        values: top(counts.brands, (v) => this.labels.brands.get(v) ?? v, filters.brandIds),
        usefulness: facetUsefulness(counts.brands.values(), matches),
      },
      {
        field: "price",
        label: "Price",
        usefulness: facetUsefulness(counts.priceRanges, matches),
        values: PRICE_RANGES.map((r, i) => ({
          value: `${r.from / 100}-${r.to === null ? "" : r.to / 100}`,
          label: r.to === null ? `$${r.from / 100}+` : `$${r.from / 100}–$${r.to / 100}`,
          count: counts.priceRanges[i] ?? 0,
          min: r.from / 100,
          max: r.to === null ? null : r.to / 100,
          selected: false,
        })).filter((v) => v.count > 0),
      },
    ];
    // The ATTRIBUTE_FACETS most useful attributes (an attribute on a few matches splits little).
    const attributes = [...counts.attributes]
      .map(([name, values]) => ({ name, values, usefulness: facetUsefulness(values.values(), matches) }))
      .sort((a, b) => b.usefulness - a.usefulness || (a.name < b.name ? -1 : 1))
      .slice(0, ATTRIBUTE_FACETS);
    for (const a of attributes) {
      facets.push({
        field: a.name,
        label: a.name,
        values: top(a.values, (v) => v, filters.attributes.get(a.name) ?? []),
        usefulness: a.usefulness,
      });
    }
    // Most useful first; ties (e.g. every facet 0 on a single match) keep category, brand, price, attributes.
    return facets
      .filter((f) => f.values.length > 0)
      .map((f, i) => ({ f, i }))
      .sort((a, b) => b.f.usefulness - a.f.usefulness || a.i - b.i)
      .map(({ f }) => f);
  }
}

/**
 * How well a facet splits `matches` results, 0..1: coverage (the share of results with a value, at most 1) times
 * the Gini-Simpson index of its values (the chance that two results drawn at random have different values).
 * A value that every result has is left out first: it splits nothing (the parent categories of every hit, a
 * value already filtered on). Category counts overlap (a hit counts once per level of its path), so the category
 * facet's figure is approximate. One facet value holding all, or no values: 0.
 */
export function facetUsefulness(counts: Iterable<number>, matches: number): number {
  if (matches <= 0) return 0;
  const kept = [...counts].filter((c) => c > 0 && c < matches);
  const sum = kept.reduce((a, b) => a + b, 0);
  if (sum === 0) return 0;
  const gini = 1 - kept.reduce((a, c) => a + (c / sum) ** 2, 0);
  return Math.round(Math.min(1, sum / matches) * gini * 1e4) / 1e4;
}

/** Matches fetched per boost rule or optional filter beyond the retrieved window (see `#ruleCandidates`). */
const RULE_CANDIDATES = 50;

/**
 * The filters narrowed by a rule's: a field the rule sets replaces the field (the caller re-checks every hit
 * against the original filters, since one list cannot say "in A and in B"), price bounds tighten, attributes add.
 */
function narrow(filters: ResolvedFilters, extra: Partial<ResolvedFilters>): ResolvedFilters {
  const max = (a: number | null, b: number | null | undefined) =>
    b == null ? a : a === null ? b : Math.max(a, b);
  const min = (a: number | null, b: number | null | undefined) =>
    b == null ? a : a === null ? b : Math.min(a, b);
  return {
    categoryIds:
      extra.categoryIds !== undefined && extra.categoryIds.length > 0
        ? extra.categoryIds
        : filters.categoryIds,
    brandIds: extra.brandIds !== undefined && extra.brandIds.length > 0 ? extra.brandIds : filters.brandIds,
    priceMinMinor: max(filters.priceMinMinor, extra.priceMinMinor),
    priceMaxMinor: min(filters.priceMaxMinor, extra.priceMaxMinor),
    attributes: new Map([...filters.attributes, ...(extra.attributes ?? new Map())]),
  };
}

/** No filters taken from the words (a relaxed retry does not apply them). */
const NO_EXTRACTED: Understanding["extracted"] = {
  brandIds: [],
  priceMinMinor: null,
  priceMaxMinor: null,
  attributes: new Map(),
};

function affinityOf(affinity: ReadonlyMap<string, number>, doc: SearchDocument): number {
  let best = affinity.get(doc.brandId) ?? 0;
  for (const id of doc.categoryPath) best = Math.max(best, affinity.get(id) ?? 0);
  return best;
}

function sorter(sort: SearchSort) {
  type C = { doc: SearchDocument; score: number };
  switch (sort) {
    case SearchSort.PRICE_ASC:
      return (a: C, b: C) => a.doc.priceMinor - b.doc.priceMinor || b.score - a.score;
    case SearchSort.PRICE_DESC:
      return (a: C, b: C) => b.doc.priceMinor - a.doc.priceMinor || b.score - a.score;
    default:
      return (a: C, b: C) =>
        a.doc.createdAt < b.doc.createdAt ? 1 : a.doc.createdAt > b.doc.createdAt ? -1 : b.score - a.score;
  }
}

/** Explicit filters AND the ones extracted from the query (an explicit filter on the same field wins). */
export function mergeFilters(explicit: ResolvedFilters, understood: Understanding): ResolvedFilters {
  const x = understood.extracted;
  const attributes = new Map(explicit.attributes);
  for (const [name, values] of x.attributes) if (!attributes.has(name)) attributes.set(name, values);
  return {
    categoryIds: explicit.categoryIds,
    brandIds: explicit.brandIds.length > 0 ? explicit.brandIds : x.brandIds,
    priceMinMinor: explicit.priceMinMinor ?? x.priceMinMinor,
    priceMaxMinor: explicit.priceMaxMinor ?? x.priceMaxMinor,
    attributes,
  };
}

function extractedList(understood: Understanding): SearchPage["understanding"]["extractedFilters"] {
  const x = understood.extracted;
  const out: SearchPage["understanding"]["extractedFilters"] = [];
  if (x.brandIds.length > 0) out.push({ field: "brand", values: x.brandIds, min: null, max: null });
  for (const [name, values] of x.attributes) out.push({ field: name, values, min: null, max: null });
  if (x.priceMinMinor !== null || x.priceMaxMinor !== null) {
    out.push({
      field: "price",
      values: [],
      min: x.priceMinMinor === null ? null : x.priceMinMinor / 100,
      max: x.priceMaxMinor === null ? null : x.priceMaxMinor / 100,
    });
  }
  return out;
}

function hashArgs(args: SearchArgs): string {
  const text = JSON.stringify([args.query.trim(), args.filters, args.sort, args.merchandising ?? null]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

export type { Retrieved };
