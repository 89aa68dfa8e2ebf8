import "reflect-metadata";

export { catalogSubgraph } from "./catalog.subgraph.ts";
export { CatalogService } from "./catalog.service.ts";
export { CatalogStore } from "./catalog.store.ts";
