import { performance } from "node:perf_hooks";
import {
  badUserInput,
  codedError,
  ErrorCode,
  type LoaderSpec,
  type ProductChange,
  type RequestContext,
} from "@aisle/kit";
import type { ActivityStore, DecodedActivity } from "@aisle/behaviour";
import type { CatalogFacts, ItemFacts } from "./catalog-facts.store.ts";
import { rankerRow, userTowerRow } from "./features.ts";
import type { InteractionIndex } from "./interactions.store.ts";
import { createRecommendationLoaders } from "./loaders.ts";
import type { ItemIndex } from "./item-index.ts";
import { finiteVector, predictAll, type RecommendationModels } from "./models.ts";
import { byScore, scoreBySequence, type RankingStrategy } from "./ranking.ts";
import { mergeRecall, recentItems, type Candidate, type RecallSource } from "./recall.ts";
import { requestRng, type RerankStep } from "./reranking.strategy.ts";
import type { Vocabulary } from "./vocabulary.model.ts";
import { controlledSteps, NO_CONTROLS, type FeedControls } from "./controls.strategy.ts";
import type { RecommendationReason } from "./recommendation.type.ts";

/** Largest `first` of any recommendation field. */
export const MAX_RECOMMENDATIONS = 50;

export interface RecommendationItem {
  readonly productId: string;
  readonly score: number;
  readonly reason: string;
  readonly sources: readonly string[];
  /** Set by surfaces that know it; the feed's is derived from its sources and reason when the list is shown. */
  readonly reasonCode?: RecommendationReason;
}

export interface FeedContext {
  readonly surface: string | null;
  readonly device: string | null;
  readonly categoryId: string | null;
  readonly productId: string | null;
}

export interface RecommendationDeps {
  readonly catalog: CatalogFacts;
  readonly vocab: Vocabulary;
  readonly interactions: InteractionIndex;
  readonly index: ItemIndex;
  readonly models: RecommendationModels;
  readonly activity: ActivityStore;
  readonly recall: readonly RecallSource[];
  readonly ranking: RankingStrategy;
  readonly rerank: readonly RerankStep[];
  readonly stockOf: (productId: string) => number | null;
  readonly seed: number;
  /** Candidates kept after merging recall (all of them are ranked in one model run). Default 300. */
  readonly candidateLimit?: number;
}

/** Time spent waiting for model runs, for the benchmark's "share of time in models". */
export interface RecommendationTimings {
  requests: number;
  totalMs: number;
  modelMs: number;
}

function checkFirst(first: number): void {
  if (!Number.isInteger(first) || first < 0 || first > MAX_RECOMMENDATIONS) {
    throw badUserInput(`first must be 0 to ${MAX_RECOMMENDATIONS}`, "first");
  }
}

/**
 * Recommendations in three stages: recall (several paths, merged), ranking (one batched model run for all
 * candidates) and re-ranking (filters, boosts, diversity, exploration: strategies in order).
 */
export class RecommendationService {
  readonly activityLoader: LoaderSpec<string, DecodedActivity>;
  readonly timings: RecommendationTimings = { requests: 0, totalMs: 0, modelMs: 0 };
  /** The ANN index of item vectors (the bench measures its recall against exact search). */
  readonly itemIndex: ItemIndex;

  constructor(private readonly deps: RecommendationDeps) {
    this.itemIndex = deps.index;
    this.activityLoader = createRecommendationLoaders(deps.activity).activityByUserId;
  }

  async forUser(
    ctx: RequestContext,
    userId: string,
    first: number,
    context: FeedContext,
    controls: FeedControls = NO_CONTROLS,
  ): Promise<RecommendationItem[]> {
    checkFirst(first);
    if (context.categoryId !== null && !this.deps.catalog.knowsCategory(context.categoryId)) {
      throw badUserInput(`unknown category ${JSON.stringify(context.categoryId)}`, "context.categoryId");
    }
    const started = performance.now();
    const { catalog, vocab, models } = this.deps;
    const activity = (await ctx.loaders.get(this.activityLoader).load(userId)) as DecodedActivity;
    let modelMs = 0;
    let userVector: Float32Array | null = null;
    const t0 = performance.now();
    try {
      userVector = finiteVector(await models.userTower.load(ctx, userTowerRow(activity, vocab, catalog)));
    } catch (error) {
      ctx.log.warn({ err: error }, "user tower failed; recalling without it");
    }
    modelMs += performance.now() - t0;
    const request = { activity, userVector, categoryId: context.categoryId, productId: context.productId };
    const limit = this.deps.candidateLimit ?? 300;
    const candidates = mergeRecall(
      this.deps.recall.map((source) => ({ source, hits: source.recall(request, 150) })),
      catalog,
      limit,
    );
    // The sequence model's score of every candidate, whichever path found it (no model run: index vectors).
    // Without history the vector is the generic "no history" one: popularity and context decide instead.
    const sequenceVector = activity.sequence.length > 0 ? userVector : null;
    scoreBySequence(candidates, sequenceVector, (id) => this.deps.index.vector(id));
    const rows = candidates.map((c) =>
      rankerRow(activity, c.item, this.deps.interactions, catalog, vocab, {
        mobile: context.device !== null && context.device !== "web",
      }),
    );
    const t1 = performance.now();
    await this.deps.ranking.rank(ctx, candidates, rows);
    modelMs += performance.now() - t1;
    const rerankContext = {
      activity,
      first,
      stockOf: this.deps.stockOf,
      similarity: (a: Candidate, b: Candidate) => this.#similarity(a, b),
      rng: requestRng(
        this.deps.seed,
        userId,
        context.surface ?? "",
        context.categoryId ?? "",
        context.productId ?? "",
      ),
    };
    let list: Candidate[] = candidates.sort(byScore);
    for (const step of this.rerankSteps(controls)) list = step.apply(list, rerankContext);
    this.timings.requests += 1;
    this.timings.modelMs += modelMs;
    this.timings.totalMs += performance.now() - started;
    return list.slice(0, first).map((c) => ({
      productId: c.id,
      score: Math.round(c.score * 10_000) / 10_000,
      reason: c.reason,
      sources: [...c.sources].sort(),
    }));
  }

  /** The service's re-ranking steps under a request's controls (diversity, filters, boosts, pins...). */
  rerankSteps(controls: FeedControls): RerankStep[] {
    return controlledSteps(controls, this.deps.rerank, {
      medianPrice: (item) => this.deps.catalog.leafMedianPrice(item.categoryId, item.priceMinor),
      candidate: (id) => this.candidate(id, "promoted", 0),
    });
  }

  /** A candidate made from a catalogue item (for surfaces that do not recall), or null for an unknown id. */
  candidate(id: string, reason: string, score: number, source = "promoted"): Candidate | null {
    const item = this.deps.catalog.item(id);
    if (item === null || !this.deps.catalog.inCatalog(id)) return null;
    return { id, item, recallScore: score, score, reason, sources: new Set([source]) };
  }

  /** The versions of the models behind the personal feed, e.g. "rec-user-tower@1.0.0+rec-ranker@1.0.0". */
  get modelVersion(): string {
    const { userTower, ranker } = this.deps.models;
    const user = `${userTower.name}@${userTower.version}`;
    return ranker === null ? user : `${user}+${ranker.name}@${ranker.version}`;
  }

  /** The version of the item tower behind similar items, e.g. "rec-item-tower@1.0.0". */
  get itemModelVersion(): string {
    return `${this.deps.models.itemTower.name}@${this.deps.models.itemTower.version}`;
  }

  /** Similarity of two candidates for diversity (item vectors and category). */
  similarity(a: Candidate, b: Candidate): number {
    return this.#similarity(a, b);
  }

  /** Items closest to a product by item vector (content + behaviour; content alone for a new item). */
  similar(productId: string, first: number): RecommendationItem[] {
    checkFirst(first);
    const self = this.deps.catalog.item(productId);
    if (self === null) return [];
    // Cosine of item vectors (ItemIndex.neighbours), not the raw inner product that favours popular items.
    return this.deps.index.neighbours(productId, first).map((n) => ({
      productId: n.id,
      score: Math.round(n.score * 10_000) / 10_000,
      reason: this.#similarReason(self, this.deps.catalog.item(n.id)),
      sources: ["content"],
    }));
  }

  #similarReason(self: ItemFacts, other: ItemFacts | null): string {
    if (other === null) return `similar to ${self.title}`;
    if (other.categoryId === self.categoryId && other.brandId === self.brandId)
      return `same brand and category as ${self.title}`;
    if (other.categoryId === self.categoryId) return `similar to ${self.title}`;
    return `shoppers of ${self.title} like this too`;
  }

  /**
   * What is bought with a product: co-purchases from the history; for an item without history (new), the
   * popular items of the categories bought with its category.
   */
  boughtTogether(productId: string, first: number): RecommendationItem[] {
    checkFirst(first);
    const { interactions, catalog } = this.deps;
    const self = catalog.item(productId);
    if (self === null) return [];
    const out: RecommendationItem[] = [];
    const co = interactions.coItems(productId);
    const top = co[0]?.weight ?? 1;
    for (const item of co) {
      if (out.length >= first) break;
      if (catalog.item(item.id) === null) continue; // archived since the history was recorded
      out.push({
        productId: item.id,
        score: Math.round((item.weight / top) * 10_000) / 10_000,
        reason: item.bought ? `often bought with ${self.title}` : `often viewed with ${self.title}`,
        sources: ["co-occurrence"],
      });
    }
    const seen = new Set([productId, ...out.map((o) => o.productId)]);
    const categories = interactions.complementaryCategories(self.categoryId);
    for (const [rank, category] of categories.slice(0, 3).entries()) {
      for (const [i, id] of interactions.topIn(category).slice(0, first).entries()) {
        if (out.length >= first) break;
        if (seen.has(id) || catalog.item(id) === null) continue;
        seen.add(id);
        out.push({
          productId: id,
          score: Math.round(0.5 * (1 - rank * 0.2) * (1 - i / 100) * 10_000) / 10_000,
          reason: `often bought with ${catalog.categoryName(self.categoryId)}`,
          sources: ["category-co-purchase"],
        });
      }
    }
    return out.slice(0, first);
  }

  /**
   * Adds or updates a recommendable product: its facts, and its item vector in the ANN index (the item tower
   * reads its attributes; a product the model never saw uses them alone).
   */
  /**
   * Adds or updates an item of the index. Only products the catalog resolves are accepted (NOT_FOUND
   * otherwise): a recommended id the catalog does not know cannot be shown and would null the list.
   */
  async upsertItem(ctx: RequestContext, item: Omit<ItemFacts, "departmentId">): Promise<ItemFacts> {
    if (!this.deps.catalog.inCatalog(item.id)) {
      throw codedError(
        ErrorCode.NOT_FOUND,
        `Product ${JSON.stringify(item.id)} is not in the catalog; only catalog products can be recommended`,
        { typeName: "Product", id: item.id, field: "id" },
      );
    }
    if (!this.deps.catalog.knowsCategory(item.categoryId)) {
      throw badUserInput(`unknown category ${JSON.stringify(item.categoryId)}`, "categoryId");
    }
    if (!Number.isInteger(item.priceMinor) || item.priceMinor <= 0) {
      throw badUserInput("priceMinor must be a positive integer", "priceMinor");
    }
    const facts = this.deps.catalog.upsert(item);
    const vector = await this.deps.models.itemTower.load(ctx, {
      itemId: this.deps.vocab.itemIndex(facts.id),
      attrIds: this.deps.vocab.attributeIds(facts),
    });
    this.deps.index.upsert(facts.id, vector);
    return facts;
  }

  /**
   * Applies a product-change event from the catalog: a created or updated product is admitted and upserted
   * (facts and item vector), an archived one leaves the facts and the ANN index.
   */
  async applyProductChange(ctx: RequestContext, change: ProductChange): Promise<void> {
    if (change.kind === "archived") {
      this.deps.catalog.remove(change.productId);
      this.deps.index.remove(change.productId);
      return;
    }
    const p = change.product;
    this.deps.catalog.admit(p.id);
    await this.upsertItem(ctx, {
      id: p.id,
      title: p.title,
      categoryId: p.categoryId,
      brandId: p.brand.id,
      tier: p.brand.tier,
      priceMinor: p.listPriceMinor,
    });
  }

  #similarity(a: Candidate, b: Candidate): number {
    const cosine = Math.max(0, this.deps.index.cosine(a.id, b.id));
    return 0.7 * cosine + 0.3 * (a.item.categoryId === b.item.categoryId ? 1 : 0);
  }

  /** Recent items of a user (for tests and reasons). */
  static recent(activity: DecodedActivity, count: number): string[] {
    return recentItems(activity, count);
  }
}

/** Runs the item tower over every catalogue item at start (batches of the model's max size, no request). */
export async function buildItemVectors(
  models: RecommendationModels,
  catalog: CatalogFacts,
  vocab: Vocabulary,
  index: ItemIndex,
): Promise<void> {
  const items = [...catalog.all()];
  const rows = items.map((item) => ({ itemId: vocab.itemIndex(item.id), attrIds: vocab.attributeIds(item) }));
  const vectors = await predictAll(models.itemTower, rows);
  index.addAll(vectors.map((vector, i) => [(items[i] as ItemFacts).id, vector] as const));
}
