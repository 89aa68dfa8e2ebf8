import "reflect-metadata";
import {
  buildFederatedSchema,
  instanceContainer,
  parseEnv,
  productEventsFromEnv,
  referenceById,
  type SubgraphDefinition,
} from "@aisle/kit";
import { BrandResolver } from "./brand.resolver.ts";
import { CatalogService } from "./catalog.service.ts";
import { openCatalog } from "./catalog.database.ts";
import { CategoryResolver } from "./category.resolver.ts";
import { createCatalogLoaders } from "./loaders.ts";
import { ProductLifecycleResolver } from "./product-lifecycle.resolver.ts";
import { ProductLifecycleService } from "./product-lifecycle.service.ts";
import { ProductResolver } from "./product.resolver.ts";
import { catalogEnvShape } from "./catalog.config.ts";

export const catalogSubgraph: SubgraphDefinition = {
  name: "catalog",
  defaultPort: 4001,
  async create({ env, log }) {
    const config = parseEnv(catalogEnvShape, env);
    const { db, store, repository } = await openCatalog(
      {
        databaseUrl: config.DATABASE_URL,
        databaseSchema: config.DATABASE_SCHEMA,
        dataDir: config.CATALOG_DATA_DIR,
        importFile: config.CATALOG_IMPORT_FILE,
      },
      log,
    );
    const events = productEventsFromEnv(env, log);
    const lifecycle = new ProductLifecycleService(store, repository, events.bus);
    // Other replicas' writes reach this one's read cache through the same events.
    const unsubscribe = events.bus.subscribe("catalog", (change) => lifecycle.applyRemote(change));
    const close = async () => {
      unsubscribe();
      await Promise.allSettled([events.release(), db.close()]);
    };
    const republished = await lifecycle.republishChanged(log).catch(async (error: unknown) => {
      await close();
      throw error;
    });
    const service = new CatalogService(store);
    const loaders = createCatalogLoaders(service);
    const resolvers = [
      new ProductResolver(service, loaders),
      new ProductLifecycleResolver(lifecycle, store),
      new CategoryResolver(service, loaders),
      new BrandResolver(loaders),
    ];
    const schema = await buildFederatedSchema({
      resolvers: [ProductResolver, ProductLifecycleResolver, CategoryResolver, BrandResolver],
      container: instanceContainer(resolvers),
      references: {
        Product: referenceById(loaders.productById),
        Category: referenceById(loaders.categoryById),
        Brand: referenceById(loaders.brandById),
      },
    }).catch(async (error: unknown) => {
      await close();
      throw error;
    });
    log.info({ products: store.productCount, database: db.kind, republished }, "catalog loaded");
    return { schema, close };
  },
};
