import type { DecodedActivity } from "@aisle/behaviour";
import type { CatalogFacts, ItemFacts } from "./catalog-facts.store.ts";
import type { InteractionIndex } from "./interactions.store.ts";
import { dot, type ItemIndex, type Neighbour } from "./item-index.ts";

/** One item a recall path proposes, with a score in [0, 1] and why. */
export interface RecallHit {
  readonly id: string;
  readonly score: number;
  readonly reason: string;
}

export interface RecallRequest {
  readonly activity: DecodedActivity;
  /** The user tower's vector; null when the model could not run. */
  readonly userVector: Float32Array | null;
  /** A category the caller is browsing, if any. */
  readonly categoryId: string | null;
  /** A product the caller is looking at, if any. */
  readonly productId: string | null;
}

/** One way of finding candidates. Recall paths are independent and merged by the service. */
export interface RecallSource {
  readonly name: string;
  /** Relative trust of this path when the same item comes from several. */
  readonly weight: number;
  recall(request: RecallRequest, limit: number): RecallHit[];
}

/** A merged candidate. */
export interface Candidate {
  readonly id: string;
  readonly item: ItemFacts;
  /** Best weighted recall score. */
  recallScore: number;
  readonly sources: Set<string>;
  reason: string;
  /** Set by ranking; re-ranking reorders by it. */
  score: number;
  /** The sequence model's score (user vector · item vector), set before ranking; absent without a user vector. */
  sequenceScore?: number;
}

/**
 * Sequence-model recall: the `depth` items whose vectors have the largest inner product with the user vector,
 * from the HNSW index (or by a full scan with `exact`), leaving out `exclude` (the offline evaluation excludes
 * the user's history; the feed leaves that to re-ranking). The feed's two-tower path and the evaluation both
 * call this.
 */
export function sequenceRecall(
  index: ItemIndex,
  userVector: Float32Array,
  depth: number,
  exclude: ReadonlySet<string> = new Set(),
  exact = false,
): Neighbour[] {
  const k = depth + exclude.size;
  const hits = exact ? index.exact(userVector, k) : index.search(userVector, k);
  const out: Neighbour[] = [];
  for (const hit of hits) {
    if (out.length >= depth) break;
    if (!exclude.has(hit.id)) out.push(hit);
  }
  return out;
}

/** Recent distinct products of a user, newest first. */
export function recentItems(activity: DecodedActivity, count: number): string[] {
  const out: string[] = [];
  for (let i = activity.sequence.length - 1; i >= 0 && out.length < count; i--) {
    const id = (activity.sequence[i] as { productId: string }).productId;
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** Two-tower recall: the user vector's nearest item vectors in the HNSW index. */
export class TwoTowerRecall implements RecallSource {
  readonly name = "two-tower";
  readonly weight = 1;

  constructor(
    private readonly index: ItemIndex,
    private readonly catalog: CatalogFacts,
  ) {}

  recall(request: RecallRequest, limit: number): RecallHit[] {
    if (request.userVector === null) return [];
    // The recent items with a vector, and the reason each would give (built once, not once per hit).
    const recent: { id: string; vector: Float32Array; reason: string | null }[] = [];
    for (const id of recentItems(request.activity, 10)) {
      const vector = this.index.unitVector(id);
      if (vector === null) continue;
      const title = this.catalog.item(id)?.title;
      recent.push({ id, vector, reason: title === undefined ? null : `because you viewed ${title}` });
    }
    const hits = sequenceRecall(this.index, request.userVector, limit);
    const top = hits[0]?.score ?? 0;
    // Unit vectors (a 1.x model) give cosines in [-1, 1], used as they are; the 2.0 sequence model's scores are
    // logits, and exp(s - s_top) is each hit's softmax probability relative to the best hit, in (0, 1].
    const logits = top > 1;
    // Without history the user vector is a generic one: trust it less than popularity and context.
    const trust = recent.length > 0 ? 1 : 0.4;
    const out: RecallHit[] = [];
    for (const hit of hits) {
      let reason = "picked for you";
      const vector = recent.length > 0 ? this.index.unitVector(hit.id) : null;
      if (vector !== null) {
        let best = recent[0] as (typeof recent)[number];
        let bestScore = -Infinity;
        for (const r of recent) {
          const s = dot(vector, r.vector);
          if (s > bestScore) {
            best = r;
            bestScore = s;
          }
        }
        if (best.reason !== null && best.id !== hit.id) reason = best.reason;
      }
      const relevance = logits ? Math.exp(hit.score - top) : Math.max(0, hit.score);
      out.push({ id: hit.id, score: relevance * trust, reason });
    }
    return out;
  }
}

/** Item-to-item co-occurrence: what shoppers engaged with in the same session as the user's recent items. */
export class CoOccurrenceRecall implements RecallSource {
  readonly name = "co-occurrence";
  readonly weight = 0.9;

  constructor(
    private readonly interactions: InteractionIndex,
    private readonly catalog: CatalogFacts,
  ) {}

  recall(request: RecallRequest, limit: number): RecallHit[] {
    const seeds = recentItems(request.activity, 5);
    if (request.productId !== null && !seeds.includes(request.productId)) seeds.unshift(request.productId);
    const hits: RecallHit[] = [];
    seeds.forEach((seed, rank) => {
      const co = this.interactions.coItems(seed);
      const top = co[0]?.weight ?? 1;
      const title = this.catalog.item(seed)?.title ?? seed;
      const bought = `often bought with ${title}`;
      const viewed = `viewed together with ${title}`;
      for (const item of co) {
        hits.push({
          id: item.id,
          score: (item.weight / top) * (1 - rank * 0.1),
          reason: item.bought ? bought : viewed,
        });
      }
    });
    return hits.sort((a, b) => b.score - a.score).slice(0, limit);
  }
}

/** Popularity in the user's favourite categories (and the one being browsed), and what is trending. */
export class PopularityRecall implements RecallSource {
  readonly name = "popularity";
  readonly weight = 0.6;

  constructor(
    private readonly interactions: InteractionIndex,
    private readonly catalog: CatalogFacts,
  ) {}

  recall(request: RecallRequest, limit: number): RecallHit[] {
    const categories = Object.entries(request.activity.categories)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([id]) => id);
    if (request.categoryId !== null && !categories.includes(request.categoryId))
      categories.unshift(request.categoryId);
    const hits: RecallHit[] = [];
    categories.forEach((category, rank) => {
      const top = this.interactions.topIn(category);
      const reason = `popular in ${this.catalog.categoryName(category)}`;
      top.slice(0, Math.ceil(limit / 2)).forEach((id, i) => {
        hits.push({ id, score: (1 - i / top.length) * (1 - rank * 0.15), reason });
      });
    });
    const trending = this.interactions.trending();
    trending.slice(0, limit).forEach((id, i) => {
      hits.push({ id, score: 0.5 * (1 - i / trending.length), reason: "trending now" });
    });
    return hits.sort((a, b) => b.score - a.score).slice(0, limit);
  }
}

/**
 * Content similarity (the cold-start path): neighbours of the user's recent items, or of the product being
 * looked at, by item vectors that new items get from their attributes alone.
 */
export class ContentRecall implements RecallSource {
  readonly name = "content";
  readonly weight = 0.8;

  constructor(
    private readonly index: ItemIndex,
    private readonly catalog: CatalogFacts,
  ) {}

  recall(request: RecallRequest, limit: number): RecallHit[] {
    const seeds = recentItems(request.activity, 3);
    if (request.productId !== null) seeds.unshift(request.productId);
    const hits: RecallHit[] = [];
    for (const seed of seeds.slice(0, 3)) {
      const reason = `similar to ${this.catalog.item(seed)?.title ?? seed}`;
      // Cosine of item vectors (not the raw inner product, which favours large-norm, popular items).
      for (const n of this.index.neighbours(seed, Math.ceil(limit / 2))) {
        hits.push({ id: n.id, score: Math.max(0, n.score), reason });
      }
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, limit);
  }
}

/** Merges the hits of every path: one candidate per item, its best weighted score and that hit's reason. */
export function mergeRecall(
  results: readonly { source: RecallSource; hits: readonly RecallHit[] }[],
  catalog: CatalogFacts,
  limit: number,
): Candidate[] {
  const merged = new Map<string, Candidate>();
  for (const { source, hits } of results) {
    for (const hit of hits) {
      const item = catalog.item(hit.id);
      if (item === null) continue;
      const weighted = hit.score * source.weight;
      const existing = merged.get(hit.id);
      if (existing === undefined) {
        merged.set(hit.id, {
          id: hit.id,
          item,
          recallScore: weighted,
          sources: new Set([source.name]),
          reason: hit.reason,
          score: 0,
        });
      } else {
        existing.sources.add(source.name);
        if (weighted > existing.recallScore) {
          existing.recallScore = weighted;
          existing.reason = hit.reason;
        }
      }
    }
  }
  return [...merged.values()]
    .sort((a, b) => b.recallScore - a.recallScore || (a.id < b.id ? -1 : 1))
    .slice(0, limit);
}
