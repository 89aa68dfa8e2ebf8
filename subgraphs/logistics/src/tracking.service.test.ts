import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANONYMOUS, createLogger, RequestContext } from "@aisle/kit";
import { BatchedModel, createFeatureStore, featureStoreConfigFromEnv, ModelRegistry } from "@aisle/ml";
import { demoLogistics } from "@aisle/world";
import { DELIVERY_MODEL, deliveryContract, type DeliveryDistribution } from "./delivery.model.ts";
import type { DeliveryRow } from "./delivery.features.ts";
import { EventOutcome, ShipmentEventKind, ShipmentStatus } from "./shipment.type.ts";
import { memoryJournal, type EventInput, type TrackingJournal } from "./tracking.journal.ts";
import { seedActiveShipments, TrackingService } from "./tracking.service.ts";

const log = createLogger("tracking-test", "silent");
const ctx = () => new RequestContext("r", ANONYMOUS, log);
let model: BatchedModel<DeliveryRow, DeliveryDistribution>;

beforeAll(async () => {
  model = await BatchedModel.create(await ModelRegistry.load(), DELIVERY_MODEL, deliveryContract, {});
});
afterAll(async () => {
  await model.close();
});

/** A journal whose next append fails once, as a full disk would. */
function flakyJournal(anchor: number): TrackingJournal & { failNext: boolean } {
  const inner = memoryJournal(anchor);
  const journal = {
    failNext: false,
    anchor,
    get events() {
      return inner.events;
    },
    append: async (batch: readonly EventInput[]) => {
      if (journal.failNext) {
        journal.failNext = false;
        throw new Error("ENOSPC: no space left on device");
      }
      await inner.append(batch);
    },
    close: () => inner.close(),
  };
  return journal;
}

describe("TrackingService with a failing journal", () => {
  it("answers an error and forgets scans it could not make durable, keeping the ones it could", async () => {
    const now = Date.now();
    const journal = flakyJournal(now);
    const tracking = new TrackingService(
      (anchor) => seedActiveShipments(demoLogistics(), 20, anchor),
      createFeatureStore(featureStoreConfigFromEnv({})),
      model,
      journal,
      { parcelsPerCongestionUnit: 25, now: () => now },
    );
    const scan = (eventId: string, kind: ShipmentEventKind, shipmentId = "t-000001"): EventInput => ({
      eventId,
      shipmentId,
      kind,
      at: new Date(now),
    });
    const [first] = await tracking.record(ctx(), [scan("a", ShipmentEventKind.PICKED)]);
    expect(first?.outcome).toBe(EventOutcome.APPLIED);

    journal.failNext = true;
    await expect(tracking.record(ctx(), [scan("b", ShipmentEventKind.IN_TRANSIT_AT_HUB)])).rejects.toThrow(
      /ENOSPC/,
    );
    expect(tracking.shipmentsByIds(["t-000001"])[0]?.status).toBe(ShipmentStatus.PICKED);
    expect(journal.events.map((e) => e.eventId)).toEqual(["a"]);

    // The retry is applied (not a duplicate of the failed attempt), and the first scan is still known.
    const retry = await tracking.record(ctx(), [
      scan("b", ShipmentEventKind.IN_TRANSIT_AT_HUB),
      scan("a", ShipmentEventKind.PICKED),
    ]);
    expect(retry.map((r) => r.outcome)).toEqual([EventOutcome.APPLIED, EventOutcome.DUPLICATE]);
    expect(tracking.shipmentsByIds(["t-000001"])[0]?.status).toBe(ShipmentStatus.IN_TRANSIT_AT_HUB);
    await tracking.close();
  });
});
