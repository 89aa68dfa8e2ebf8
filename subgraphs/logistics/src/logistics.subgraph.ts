import "reflect-metadata";
import {
  buildFederatedSchema,
  instanceContainer,
  parseEnv,
  productEventsFromEnv,
  referenceById,
  type SubgraphDefinition,
} from "@aisle/kit";
import {
  BatchedModel,
  ModelRegistry,
  createFeatureStore,
  featureStoreConfigFromEnv,
  modelOptionsFromEnv,
  type BatchedModel as Model,
} from "@aisle/ml";
import { demoWorld, logisticsFor } from "@aisle/world";
import { seedBacklogFeatures } from "./backlog.features.ts";
import { DELIVERY_MODEL, deliveryContract } from "./delivery.model.ts";
import { DeliveryRecalibrator, recalibrationSettings } from "./delivery.recalibration.ts";
import { DEMAND_MODEL, demandContract } from "./demand.model.ts";
import { DeliveryResolver } from "./delivery.resolver.ts";
import { DeliveryService } from "./delivery.service.ts";
import { createLogisticsLoaders } from "./loaders.ts";
import { ProductLogisticsResolver } from "./product.resolver.ts";
import { ProductType } from "./product.type.ts";
import { normalApproximationPolicy } from "./replenishment.policy.ts";
import { ReplenishmentResolver } from "./replenishment.resolver.ts";
import { ReplenishmentService } from "./replenishment.service.ts";
import { TrackingResolver } from "./tracking.resolver.ts";
import { openTrackingJournal } from "./tracking.config.ts";
import { TrackingService, seedActiveShipments } from "./tracking.service.ts";
import { quantilePromise } from "./promise.strategy.ts";
import { StatusResolver } from "./status.resolver.ts";
import { StockService } from "./stock.service.ts";
import { logisticsEnvShape } from "./logistics.config.ts";

/** Default most rows per delivery-model run: a 24-product listing × 8 carrier services is 192 rows. */
const DELIVERY_MAX_BATCH = "4096";

export const logisticsSubgraph: SubgraphDefinition = {
  name: "logistics",
  defaultPort: 4005,
  async create({ env, log }) {
    const config = parseEnv(logisticsEnvShape, env);
    const world = demoWorld();
    const logistics = logisticsFor(world);
    const features = createFeatureStore(featureStoreConfigFromEnv(env));
    const modelEnv = { ML_MAX_BATCH_SIZE_LOGISTICS: env["ML_MAX_BATCH_SIZE"] ?? DELIVERY_MAX_BATCH, ...env };
    const options = modelOptionsFromEnv(DELIVERY_MODEL, modelEnv);
    const registry = await ModelRegistry.load(
      options.modelsDir === undefined ? {} : { modelsDir: options.modelsDir },
    );
    const deliveryModel = await BatchedModel.create(registry, DELIVERY_MODEL, deliveryContract, options);
    const demandModel = await BatchedModel.create(
      registry,
      DEMAND_MODEL,
      demandContract,
      modelOptionsFromEnv(DEMAND_MODEL, env),
    );
    const seeded = await seedBacklogFeatures(features, logistics);
    const stock = new StockService(world, logistics);
    const recalibrator = new DeliveryRecalibrator(recalibrationSettings(config));
    const delivery = new DeliveryService(
      stock,
      deliveryModel,
      features,
      quantilePromise(config.LOGISTICS_PROMISE_QUANTILE),
      recalibrator,
    );
    const replenishment = new ReplenishmentService(world, stock, demandModel, normalApproximationPolicy, {
      orderCostMinor: config.LOGISTICS_ORDER_COST_MINOR,
      holdingRate: config.LOGISTICS_HOLDING_RATE,
    });
    const journal = await openTrackingJournal(env, log);
    const tracking = new TrackingService(
      (anchor) => seedActiveShipments(logistics, config.LOGISTICS_ACTIVE_SHIPMENTS, anchor),
      features,
      deliveryModel,
      journal,
      { parcelsPerCongestionUnit: config.LOGISTICS_HUB_PARCELS_PER_UNIT, now: Date.now, log, recalibrator },
    );
    if (journal.replayAtStart) {
      // A journal out of reach at start is not fatal: tracking loads at first use; the rest serves meanwhile.
      await tracking.restore().then(
        (scans) => log.info({ journal: journal.kind, scans }, "shipment scans replayed from the journal"),
        (error: unknown) => log.warn({ err: (error as Error).message }, "scan journal unreachable at start"),
      );
    }
    const loaders = createLogisticsLoaders(stock, delivery, tracking);
    const models = [deliveryModel, demandModel] as unknown as Model<never, unknown>[];
    const schema = await buildFederatedSchema({
      resolvers: [
        ProductLogisticsResolver,
        ReplenishmentResolver,
        DeliveryResolver,
        TrackingResolver,
        StatusResolver,
      ],
      container: instanceContainer([
        new ProductLogisticsResolver(stock, loaders),
        new ReplenishmentResolver(replenishment),
        new DeliveryResolver(stock, loaders),
        new TrackingResolver(tracking, loaders),
        new StatusResolver(models),
      ]),
      // Product is reachable from no Query field here; list it so its @key and fields are in the schema.
      orphanedTypes: [ProductType],
      references: {
        Product: referenceById(loaders.productById),
        Shipment: referenceById(loaders.shipmentById),
      },
    });
    log.info(
      {
        warehouses: logistics.warehouses.length,
        model: `${deliveryModel.name}@${deliveryModel.version}`,
        seeded,
      },
      "logistics ready",
    );
    // Catalog writes: stock records for new products, none for archived ones.
    const events = productEventsFromEnv(env, log);
    const unsubscribe = events.bus.subscribe("logistics", async (change) => stock.applyProductChange(change));
    return {
      schema,
      readiness: [deliveryModel.readiness(), demandModel.readiness()],
      close: async () => {
        unsubscribe();
        await events.release();
        await tracking.close();
        await deliveryModel.close();
        await demandModel.close();
        await features.close();
      },
    };
  },
};
