import "reflect-metadata";
import {
  buildFederatedSchema,
  instanceContainer,
  ConfigError,
  parseEnv,
  productEventsFromEnv,
  RequestContext,
  type SubgraphDefinition,
} from "@aisle/kit";
import { DEFAULT_MODELS_DIR, ModelRegistry, modelOptionsFromEnv } from "@aisle/ml";
import {
  ActivityStore,
  activityFeatureStore,
  AttributionTokens,
  eventStreamReader,
  followEventStream,
  ownsActivityStore,
  worldHistorySeed,
} from "@aisle/behaviour";
import { behaviourFor, demoWorld, marketFor } from "@aisle/world";
import { CatalogFacts } from "./catalog-facts.store.ts";
import { InteractionIndex } from "./interactions.store.ts";
import { ItemIndex } from "./item-index.ts";
import { loadRecommendationModels } from "./models.ts";
import { ProductRecommendationsResolver } from "./product.resolver.ts";
import { EsmmRanking, RecallOrderRanking, SequenceRanking, type RankingStrategy } from "./ranking.ts";
import { CoOccurrenceRecall, ContentRecall, PopularityRecall, TwoTowerRecall } from "./recall.ts";
import { buildItemVectors, RecommendationService } from "./recommendation.service.ts";
import { defaultRerankSteps, parseBoosts } from "./reranking.strategy.ts";
import { RecommendationUserType } from "./recommendation.type.ts";
import { UserRecommendationsResolver } from "./user.resolver.ts";
import { RANKER_FEATURE_COUNT } from "./features.ts";
import { recommendationEnvShape } from "./recommendation.config.ts";
import { Vocabulary } from "./vocabulary.model.ts";
import { HomeFeedResolver } from "./home-feed.resolver.ts";
import { ListPresenter } from "./list.presenter.ts";
import { repurchaseCadence, SurfacesService } from "./surfaces.service.ts";
import { TrendStore } from "./trends.store.ts";

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
      const ranking = rankingFor(config.RECOMMENDATION_RANKER, models.ranker);
      const catalog = new CatalogFacts(world);
      const behaviour = behaviourFor(world);
      const started = Date.now();
      const interactions = InteractionIndex.build(
        behaviour.allEvents(),
        (id) => catalog.item(id)?.categoryId ?? null,
        behaviour.until,
      );
      // The home page's decayed counts and the repurchase cadence come from the same batch history.
      const trends = new TrendStore(catalog);
      trends.add(behaviour.allEvents());
      const cadence = repurchaseCadence(behaviour.allEvents(), (id) => catalog.item(id)?.categoryId ?? null);
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
        ranking,
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
      const surfaces = new SurfacesService({
        catalog,
        trends,
        feed: service,
        cadence,
        stockOf: (id) => market.state(id)?.stockLevel ?? null,
        seed: config.RECOMMENDATION_SEED,
      });
      const presenter = new ListPresenter(new AttributionTokens(config.AISLE_INTERNAL_SECRET));
      const schema = await buildFederatedSchema({
        resolvers: [UserRecommendationsResolver, ProductRecommendationsResolver, HomeFeedResolver],
        // User is reachable only as an entity (no Query returns it here).
        orphanedTypes: [RecommendationUserType],
        container: instanceContainer([
          new UserRecommendationsResolver(service, surfaces, catalog, presenter),
          new ProductRecommendationsResolver(service, presenter),
          new HomeFeedResolver(surfaces, catalog, presenter),
        ]),
        references: {
          // The whole representation: fields this subgraph @requires arrive in it.
          User: { __resolveReference: (reference: { id: string }) => ({ ...reference }) },
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
      // Live events lift trending items within a second: the stream is tailed, never consumed.
      const eventStream = eventStreamReader(source, log);
      const stopTrends = followEventStream(eventStream.stream, (events) => trends.add(events), { log });
      return {
        schema,
        readiness: [models.userTower, models.ranker].flatMap((model) =>
          model === null ? [] : [model.readiness()],
        ),
        close: async () => {
          unsubscribe();
          await stopTrends();
          await eventStream.close();
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

/** The ranking step the setting names; `auto` follows what the registry holds. */
function rankingFor(
  setting: "auto" | "esmm" | "sequence" | "recall-order",
  ranker: Awaited<ReturnType<typeof loadRecommendationModels>>["ranker"],
): RankingStrategy {
  if (setting === "recall-order") return new RecallOrderRanking();
  if (setting === "sequence" || (setting === "auto" && ranker === null)) return new SequenceRanking();
  if (ranker === null)
    throw new ConfigError(["RECOMMENDATION_RANKER: esmm, but the model registry holds no rec-ranker"]);
  return new EsmmRanking(ranker);
}
