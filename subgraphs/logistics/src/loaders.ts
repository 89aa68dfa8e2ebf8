import { defineLoader, type LoaderSpec } from "@aisle/kit";
import type {
  DeliveryEstimate,
  DeliveryPromise,
  DeliveryService,
  EstimateRequest,
  PromiseRequest,
} from "./delivery.service.ts";
import type { ProductRef } from "./product.type.ts";
import type { StockService } from "./stock.service.ts";
import type { TrackedShipment, TrackingService } from "./tracking.service.ts";

export interface LogisticsLoaders {
  readonly productById: LoaderSpec<string, ProductRef>;
  /** Every delivery estimate of a request in one batch: one feature read per set, one model run. */
  readonly deliveryEstimate: LoaderSpec<EstimateRequest, DeliveryEstimate>;
  /** Every compact promise of a request (a listing's products) in one batch: one model run. */
  readonly deliveryPromise: LoaderSpec<PromiseRequest, DeliveryPromise>;
  readonly shipmentById: LoaderSpec<string, TrackedShipment>;
}

/** Loader specs over the services; each request instantiates its own loaders from them. */
export function createLogisticsLoaders(
  stock: StockService,
  delivery: DeliveryService,
  tracking: TrackingService,
): LogisticsLoaders {
  return {
    productById: defineLoader("logistics.productById", async (ids) =>
      ids.map((id) => (stock.product(id) === null ? null : { id })),
    ),
    deliveryEstimate: defineLoader(
      "logistics.deliveryEstimate",
      (requests) => delivery.estimateMany(requests),
      {
        maxBatchSize: 1_000,
      },
    ),
    deliveryPromise: defineLoader("logistics.deliveryPromise", (requests) => delivery.promiseMany(requests), {
      maxBatchSize: 1_000,
    }),
    shipmentById: defineLoader("logistics.shipmentById", async (ids) => tracking.shipmentsByIds(ids)),
  };
}
