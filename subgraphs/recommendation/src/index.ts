import "reflect-metadata";

export { recommendationSubgraph, recommendationRuntime } from "./recommendation.subgraph.ts";
export { recommendationEnvShape } from "./recommendation.config.ts";
export {
  RecommendationService,
  MAX_RECOMMENDATIONS,
  type RecommendationItem,
} from "./recommendation.service.ts";
export { createRecommendationLoaders, type RecommendationLoaders } from "./loaders.ts";
export { ItemIndex } from "./item-index.ts";
export * from "./reranking.strategy.ts";
export * from "./recall.ts";
