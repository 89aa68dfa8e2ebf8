import "reflect-metadata";

export { pricingModels, pricingSubgraph } from "./pricing.subgraph.ts";
export { PricingService } from "./pricing.service.ts";
export { productDemandFeatures } from "./demand.features.ts";
export { pricingEnvShape } from "./pricing.config.ts";
