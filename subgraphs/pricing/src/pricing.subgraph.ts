import "reflect-metadata";
import {
  buildFederatedSchema,
  instanceContainer,
  productEventsFromEnv,
  type ReadinessCheck,
  type SubgraphDefinition,
} from "@aisle/kit";
import {
  BatchedModel,
  createFeatureStore,
  DEFAULT_MODELS_DIR,
  ModelRegistry,
  modelOptionsFromEnv,
} from "@aisle/ml";
import { demoWorld, marketFor } from "@aisle/world";
import { productDemandFeatures } from "./demand.features.ts";
import { keepFeaturesBuilt, seedFeatures } from "./feature-seed.ts";
import { demandContract, DemandVocabulary, type DemandPrediction, type DemandRow } from "./demand.model.ts";
import { StandardGuardrails } from "./guardrails.strategy.ts";
import { createPricingLoaders } from "./loaders.ts";
import { ExpectedMarginOptimiser, ListPriceOptimiser, type PriceOptimiser } from "./optimiser.strategy.ts";
import { ProductStub } from "./price.type.ts";
import { productReference } from "./product.reference.ts";
import { ProductPriceResolver } from "./product.resolver.ts";
import { PricingUserType } from "./sale.type.ts";
import { PricingUserResolver } from "./user.resolver.ts";
import { pricingConfigFromEnv } from "./pricing.config.ts";
import { PricingService } from "./pricing.service.ts";
import { PricingStore } from "./pricing.store.ts";

/** The pricing models of running pricing subgraphs in this process: tests and the bench read their run counters. */
const liveModels = new Set<BatchedModel<DemandRow, DemandPrediction>>();
export function pricingModels(): readonly BatchedModel<DemandRow, DemandPrediction>[] {
  return [...liveModels];
}

export const pricingSubgraph: SubgraphDefinition = {
  name: "pricing",
  defaultPort: 4007,
  async create({ env, log }) {
    const config = pricingConfigFromEnv(env);
    const world = demoWorld();
    const store = new PricingStore(world, marketFor(world));
    const features = createFeatureStore(config, log);
    // Prices are degraded until the product features are marked built (by the seed below, or by the feature
    // pipeline that owns them), so a feature store that lost its data never yields confident list prices.
    features.requireBuilt(productDemandFeatures, config.PRICING_FEATURE_CHECK_MS);
    const seed =
      config.PRICING_SEED_FEATURES === "always" ||
      (config.PRICING_SEED_FEATURES === "auto" && config.FEATURE_STORE === "memory");
    if (seed) {
      try {
        if (!(await features.connect(2_000)))
          throw new Error(`${config.FEATURE_STORE} feature store not reachable`);
        log.info(
          { products: await seedFeatures(features, store) },
          "product features seeded from the demo world",
        );
      } catch (error) {
        // Prices still answer (degraded, at list) until the features come back.
        log.warn({ err: error }, "could not seed product features");
      }
    }
    const stopKeeper = seed
      ? keepFeaturesBuilt({ features, store, log, everyMs: config.PRICING_FEATURE_CHECK_MS })
      : () => {};

    let optimiser: PriceOptimiser;
    let model: BatchedModel<DemandRow, DemandPrediction> | null = null;
    let vocabulary: DemandVocabulary | null = null;
    const readiness: ReadinessCheck[] = [];
    if (config.PRICING_OPTIMISER === "expected-margin") {
      // One request's rows (100 products × 16) fit one run unless ML_MAX_BATCH_SIZE_PRICING says otherwise.
      const mlOptions = modelOptionsFromEnv("pricing", { ML_MAX_BATCH_SIZE_PRICING: "2048", ...env });
      const modelsDir = mlOptions.modelsDir ?? DEFAULT_MODELS_DIR;
      const registry = await ModelRegistry.load({ modelsDir });
      vocabulary = await DemandVocabulary.load(modelsDir);
      model = await BatchedModel.create(registry, "pricing", demandContract, mlOptions);
      liveModels.add(model);
      readiness.push(model.readiness());
      optimiser = new ExpectedMarginOptimiser({
        candidateCount: config.PRICING_CANDIDATES,
        sellThroughDays: config.PRICING_SELL_THROUGH_DAYS,
        overstockLoss: config.PRICING_OVERSTOCK_LOSS,
      });
    } else {
      optimiser = new ListPriceOptimiser();
    }

    const fixedDate =
      config.PRICING_DATE === undefined ? undefined : new Date(`${config.PRICING_DATE}T00:00:00Z`);
    const service = new PricingService({
      store,
      features,
      model,
      vocabulary,
      guardrails: new StandardGuardrails({
        minMargin: config.PRICING_MIN_MARGIN,
        maxChangePerDay: config.PRICING_MAX_CHANGE_PER_DAY,
        maxDiscount: config.PRICING_MAX_DISCOUNT,
        allowAboveList: config.PRICING_ALLOW_ABOVE_LIST,
        maxAboveList: config.PRICING_MAX_ABOVE_LIST,
      }),
      optimiser,
      clearanceCoverDays: config.PRICING_CLEARANCE_COVER_DAYS,
      today: () => fixedDate ?? new Date(),
      log,
    });
    const loaders = createPricingLoaders(service);
    const schema = await buildFederatedSchema({
      resolvers: [ProductPriceResolver, PricingUserResolver],
      // No Query of its own: the Product and User entities are only reachable through `_entities`.
      orphanedTypes: [ProductStub, PricingUserType],
      container: instanceContainer([
        new ProductPriceResolver(service, loaders),
        new PricingUserResolver(loaders),
      ]),
      references: {
        Product: productReference,
        // The representation carries the @requires'd saleCandidateIds.
        User: { __resolveReference: (reference: { id: string }) => ({ ...reference }) },
      },
    });
    log.info(
      {
        optimiser: optimiser.name,
        model: model === null ? "none" : `${model.name}@${model.version}`,
        features: features.backendKind,
      },
      "pricing ready",
    );
    // Catalog writes: a new product is priced from its list price with cold-start features (no sales yet,
    // stock unknown); a changed one from its new list price; an archived one is priced no more.
    const events = productEventsFromEnv(env, log);
    const unsubscribe = events.bus.subscribe("pricing", async (change) => {
      store.apply(change);
      if (change.kind === "created") {
        await features.write(productDemandFeatures, [
          [
            change.productId,
            {
              stockLevel: -1,
              regularUnitsPerDay7: 0,
              regularUnitsPerDay28: 0,
              lastPriceMinor: change.product.listPriceMinor,
            },
          ],
        ]);
      }
    });
    return {
      schema,
      readiness,
      close: async () => {
        unsubscribe();
        await events.release();
        stopKeeper();
        if (model !== null) {
          liveModels.delete(model);
          await model.close();
        }
        await features.close();
      },
    };
  },
};
