import "reflect-metadata";
import { z } from "zod";
import {
  buildFederatedSchema,
  instanceContainer,
  parseEnv,
  referenceById,
  type SubgraphDefinition,
} from "@aisle/kit";
import { BrandResolver } from "./brand.resolver.ts";
import { CatalogService } from "./catalog.service.ts";
import { loadCatalogSnapshot } from "./catalog.snapshot.ts";
import { CatalogStore } from "./catalog.store.ts";
import { CategoryResolver } from "./category.resolver.ts";
import { createCatalogLoaders } from "./loaders.ts";
import { ProductResolver } from "./product.resolver.ts";

export { CatalogService } from "./catalog.service.ts";
export { CatalogStore } from "./catalog.store.ts";

const catalogEnvShape = {
  /** Optional NDJSON or CSV file of external products (see src/import/FORMAT.md), served on top of the demo world. */
  CATALOG_IMPORT_FILE: z.string().min(1).optional(),
};

export const catalogSubgraph: SubgraphDefinition = {
  name: "catalog",
  defaultPort: 4001,
  async create({ env, log }) {
    const config = parseEnv(catalogEnvShape, env);
    const store = new CatalogStore(await loadCatalogSnapshot(config.CATALOG_IMPORT_FILE, log));
    const service = new CatalogService(store);
    const loaders = createCatalogLoaders(service);
    const resolvers = [
      new ProductResolver(service, loaders),
      new CategoryResolver(service, loaders),
      new BrandResolver(loaders),
    ];
    const schema = await buildFederatedSchema({
      resolvers: [ProductResolver, CategoryResolver, BrandResolver],
      container: instanceContainer(resolvers),
      references: {
        Product: referenceById(loaders.productById),
        Category: referenceById(loaders.categoryById),
        Brand: referenceById(loaders.brandById),
      },
    });
    log.info({ products: store.productCount }, "catalog loaded");
    return { schema };
  },
};
