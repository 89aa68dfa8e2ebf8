import "reflect-metadata";
import { z } from "zod";
import {
  buildFederatedSchema,
  env,
  instanceContainer,
  parseEnv,
  productEventsFromEnv,
  RequestContext,
  type SubgraphDefinition,
} from "@aisle/kit";
import { DEFAULT_MODELS_DIR, featureStoreEnvShape, ModelRegistry, modelOptionsFromEnv } from "@aisle/ml";
import {
  ActivityStore,
  activityFeatureStore,
  ownsActivityStore,
  worldHistorySeed,
} from "@aisle/behaviour";
import { behaviourFor, demoWorld, marketFor } from "@aisle/world";
import { CatalogFacts } from "./catalog-facts.ts";
import { InteractionIndex } from "./interactions.ts";
import { ItemIndex } from "./item-index.ts";
import { loadRecommendationModels } from "./models.ts";
import { ProductRecommendationsResolver } from "./product.resolver.ts";
import { EsmmRanking, RecallOrderRanking } from "./ranking.ts";
import { CoOccurrenceRecall, ContentRecall, PopularityRecall, TwoTowerRecall } from "./recall.ts";
import { buildItemVectors, RecommendationService } from "./recommendation.service.ts";
import { defaultRerankSteps, parseBoosts } from "./reranking.ts";
import { RecommendationUserType } from "./recommendation.type.ts";
import { UserRecommendationsResolver } from "./user.resolver.ts";
import { RANKER_FEATURE_COUNT } from "./features.ts";
import { Vocabulary } from "./vocabulary.ts";

export {
  RecommendationService,
  MAX_RECOMMENDATIONS,
  type RecommendationItem,
} from "./recommendation.service.ts";
export { ItemIndex } from "./item-index.ts";
export * from "./reranking.ts";
export * from "./recall.ts";

export const recommendationEnvShape = {
  ...featureStoreEnvShape,
  /** How long user-activity features are cached in this process (Redis store only). Default 250 ms. */
  USER_FEATURE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(250),
  /** Seed of re-ranking's exploration (same seed and inputs, same list). Default 20261123. */
  RECOMMENDATION_SEED: z.coerce.number().int().default(20261123),
  /** Business boosts, e.g. `brand:b-nordvik=1.3,category:c-tents=0.8`. Default none. */
  RECOMMENDATION_BOOSTS: z.string().default(""),
  /** MMR trade-off: 1 = relevance only, 0 = diversity only. Default 0.8. */
  RECOMMENDATION_MMR_LAMBDA: z.coerce.number().min(0).max(1).default(0.8),
  /** Share of a feed given to exploration. Default 0.1. */
  RECOMMENDATION_EXPLORATION: z.coerce.number().min(0).max(0.5).default(0.1),
  /** Candidates ranked per request (one model run). Default 300. */
  RECOMMENDATION_CANDIDATES: env.positiveInt(300),
  /** esmm (the model) or recall-order (no model). Default esmm. */
  RECOMMENDATION_RANKER: z.enum(["esmm", "recall-order"]).default("esmm"),
};

/** The live services of the last recommendation subgraph created in this process (bench, tests). */
export const recommendationRuntime: {
  service: RecommendationService | null;
  models: Awaited<ReturnType<typeof loadRecommendationModels>> | null;
} = {
  service: null,
  models: null,
};

export const recommendationSubgraph: SubgraphDefinition = {
  name: "recommendation",
  defaultPort: 4003,
  async create({ env: source, log }) {
    const config = parseEnv(recommendationEnvShape, source);
    const boosts = parseBoosts(config.RECOMMENDATION_BOOSTS);
    const modelOptions = (name: string) => modelOptionsFromEnv(name, source);
    const modelsDir = modelOptions("rec-user-tower").modelsDir ?? DEFAULT_MODELS_DIR;
    const world = demoWorld();
    const [vocab, registry] = await Promise.all([
      Vocabulary.load(modelsDir),
      ModelRegistry.load({ modelsDir }),
    ]);
    const models = await loadRecommendationModels(registry, vocab.maxLen, RANKER_FEATURE_COUNT, modelOptions);
    try {
      const catalog = new CatalogFacts(world);
      const behaviour = behaviourFor(world);
      const started = Date.now();
      const interactions = InteractionIndex.build(
        behaviour.allEvents(),
        (id) => catalog.item(id)?.categoryId ?? null,
        behaviour.until,
      );
      const indexed = Date.now();
      const index = new ItemIndex({ dim: vocab.dim });
      await buildItemVectors(models, catalog, vocab, index);
      models.itemTower.resetStats();
      log.info(
        { items: index.size, interactionsMs: indexed - started, vectorsMs: Date.now() - indexed },
        "interaction index and item vectors built",
      );
      const store = activityFeatureStore(config, config.USER_FEATURE_CACHE_TTL_MS);
      const activity = new ActivityStore(store, worldHistorySeed(world));
      const market = marketFor(world);
      const service = new RecommendationService({
        catalog,
        vocab,
        interactions,
        index,
        models,
        activity,
        recall: [
          new TwoTowerRecall(index, catalog),
          new CoOccurrenceRecall(interactions, catalog),
          new PopularityRecall(interactions, catalog),
          new ContentRecall(index, catalog),
        ],
        ranking:
          config.RECOMMENDATION_RANKER === "esmm" ? new EsmmRanking(models.ranker) : new RecallOrderRanking(),
        rerank: defaultRerankSteps(boosts, {
          lambda: config.RECOMMENDATION_MMR_LAMBDA,
          exploration: config.RECOMMENDATION_EXPLORATION,
        }),
        stockOf: (id) => market.state(id)?.stockLevel ?? null,
        seed: config.RECOMMENDATION_SEED,
        candidateLimit: config.RECOMMENDATION_CANDIDATES,
      });
      recommendationRuntime.service = service;
      recommendationRuntime.models = models;
      const schema = await buildFederatedSchema({
        resolvers: [UserRecommendationsResolver, ProductRecommendationsResolver],
        // User is reachable only as an entity (no Query returns it here).
        orphanedTypes: [RecommendationUserType],
        container: instanceContainer([
          new UserRecommendationsResolver(service),
          new ProductRecommendationsResolver(service),
        ]),
        references: {
          User: { __resolveReference: (reference: { id: string }) => ({ id: reference.id }) },
          Product: { __resolveReference: (reference: { id: string }) => ({ id: reference.id }) },
        },
      });
      // Catalog writes: new and changed products get an item vector, archived ones leave the index.
      const events = productEventsFromEnv(source, log);
      const unsubscribe = events.bus.subscribe("recommendation", (change) =>
        service.applyProductChange(
          new RequestContext(
            `product-change:${change.productId}@${change.version}`,
            { userId: null, scopes: [] },
            log,
          ),
          change,
        ),
      );
      return {
        schema,
        readiness: [models.userTower.readiness(), models.ranker.readiness()],
        close: async () => {
          unsubscribe();
          await events.release();
          await models.close();
          if (ownsActivityStore(store)) await store.close();
        },
      };
    } catch (error) {
      await models.close();
      throw error;
    }
  },
};
