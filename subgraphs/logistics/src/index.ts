import "reflect-metadata";
import { z } from "zod";
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
import {
  DeliveryRecalibrator,
  recalibrationEnvShape,
  recalibrationSettings,
} from "./delivery.recalibration.ts";
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
import { openTrackingJournal, trackingJournalEnvShape } from "./tracking.config.ts";
import { TrackingService, seedActiveShipments } from "./tracking.service.ts";
import { quantilePromise } from "./promise.strategy.ts";
import { StatusResolver } from "./status.resolver.ts";
import { StockService } from "./stock.service.ts";

export { DeliveryService } from "./delivery.service.ts";
export { trackingJournalEnvShape } from "./tracking.config.ts";
export { StockService } from "./stock.service.ts";
export { ReplenishmentService } from "./replenishment.service.ts";
export { normalApproximationPolicy, type ReplenishmentPolicy } from "./replenishment.policy.ts";
export { TrackingService, seedActiveShipments, type TrackedShipment } from "./tracking.service.ts";
export { DEMAND_FEATURES, encodeDemandRow, type DemandRow } from "./demand.features.ts";
export { parseDestination, locate } from "./destination.ts";
export { hubCongestionFeatures, warehouseBacklogFeatures, hubId } from "./backlog.features.ts";
export { DELIVERY_FEATURES, encodeDeliveryRow, type DeliveryRow } from "./delivery.features.ts";

const logisticsEnvShape = {
  /** Quantile of the arrival distribution Aisle promises (0.5–0.99). Default 0.9: the calibrated P90 date. */
  LOGISTICS_PROMISE_QUANTILE: z.coerce.number().min(0.5).max(0.99).default(0.9),
  /** Fixed cost of one purchase order in cents, for the economic order quantity. Default 5000 ($50). */
  LOGISTICS_ORDER_COST_MINOR: z.coerce.number().int().positive().default(5_000),
  /** Yearly cost of holding one unit, as a share of its cost. Default 0.25. */
  LOGISTICS_HOLDING_RATE: z.coerce.number().positive().max(5).default(0.25),
  /** Open demo shipments to track (re-dated copies of the last history lanes). Default 2000. */
  LOGISTICS_ACTIVE_SHIPMENTS: z.coerce.number().int().min(0).max(50_000).default(2_000),
  /** Parcels sitting in a hub that add 1.0 to its congestion feature. Default 25. */
  LOGISTICS_HUB_PARCELS_PER_UNIT: z.coerce.number().positive().default(25),
  /** The scan journal: LOGISTICS_DATA_DIR, LOGISTICS_JOURNAL and its Redis (see tracking.config.ts). */
  ...trackingJournalEnvShape,
  /** Request-time recalibration on delivered scans: LOGISTICS_RECALIBRATION_* (see delivery.recalibration.ts). */
  ...recalibrationEnvShape,
};

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
