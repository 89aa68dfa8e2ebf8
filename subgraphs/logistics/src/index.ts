import "reflect-metadata";

export { logisticsSubgraph } from "./logistics.subgraph.ts";
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
