import { defineFeatureSet, type FeatureStore } from "@aisle/ml";
import { MARKET_HISTORY_DAYS, type Logistics } from "@aisle/world";

/** Per warehouse: how far behind picking and packing is (orders queued / daily capacity). Key: warehouse id. */
export const warehouseBacklogFeatures = defineFeatureSet({
  name: "logistics-warehouse",
  version: 1,
  keyPrefix: "lgw",
  fields: {
    backlog: {
      default: 0.65,
      description: "Orders queued / daily capacity; about 0.65 on a normal day, above 1 late",
    },
  },
});

/**
 * Per carrier hub (carrier × destination region, the ZIP first digit): congestion on the same scale as the
 * training history (0 normal, 1.5 a weather spike). Key: `<carrierId>:<region>`.
 */
export const hubCongestionFeatures = defineFeatureSet({
  name: "logistics-hub",
  version: 1,
  keyPrefix: "lgh",
  fields: {
    congestion: { default: 0, description: "Hub congestion: 0 normal, above 1 backed up" },
    baseline: { default: 0, description: "Congestion before tracking events were applied (the daily feed)" },
    atHub: { default: 0, description: "Parcels scanned in at the hub and not yet out for delivery" },
  },
});

export const hubId = (carrierId: string, region: number): string => `${carrierId}:${region}`;

/**
 * Writes "today's" backlog and congestion from the demo world for every key not stored yet (a real
 * deployment has a feed writing them; live tracking events then move them). Existing values are kept, so a
 * restart does not undo what tracking wrote.
 */
export async function seedBacklogFeatures(store: FeatureStore, logistics: Logistics): Promise<number> {
  const today = MARKET_HISTORY_DAYS;
  const warehouseIds = logistics.warehouses.map((w) => w.id);
  const hubs = logistics.carriers.flatMap((c) =>
    Array.from({ length: 10 }, (_, region) => ({ id: hubId(c.id, region), carrierId: c.id, region })),
  );
  const [warehouses, hubRead] = await Promise.all([
    store.read(warehouseBacklogFeatures, warehouseIds),
    store.read(
      hubCongestionFeatures,
      hubs.map((h) => h.id),
    ),
  ]);
  if (warehouses.degraded || hubRead.degraded) return 0;
  const missingWarehouses = new Set(warehouses.missing);
  const missingHubs = new Set(hubRead.missing);
  const warehouseEntries = warehouseIds
    .filter((id) => missingWarehouses.has(id))
    .map((id) => [id, { backlog: logistics.warehouseBacklog(id, today) }] as const);
  const hubEntries = hubs
    .filter((h) => missingHubs.has(h.id))
    .map((h) => {
      const congestion = logistics.hubCongestion(h.carrierId, h.region, today);
      return [h.id, { congestion, baseline: congestion, atHub: 0 }] as const;
    });
  if (warehouseEntries.length > 0) await store.write(warehouseBacklogFeatures, warehouseEntries);
  if (hubEntries.length > 0) await store.write(hubCongestionFeatures, hubEntries);
  return warehouseEntries.length + hubEntries.length;
}
