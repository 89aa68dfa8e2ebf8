import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANONYMOUS, createLogger, RequestContext } from "@aisle/kit";
import { BatchedModel, createFeatureStore, featureStoreConfigFromEnv, ModelRegistry } from "@aisle/ml";
import { demoLogistics } from "@aisle/world";
import { DELIVERY_MODEL, deliveryContract, type DeliveryDistribution } from "./delivery.model.ts";
import type { DeliveryRow } from "./delivery.features.ts";
import { EventOutcome, ShipmentEventKind, ShipmentStatus } from "./shipment.type.ts";
import type { EventInput, TrackingJournal } from "./tracking.journal.ts";
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

/**
 * One log shared by several journals (as replicas share the Redis stream): each view keeps its own read
 * position and appends only when the log still ends there. `beforeAppend` runs inside a view's next append,
 * before the check (another replica writing meanwhile); `failNext` makes it fail as a full disk would.
 */
function sharedLog(anchor: number) {
  const log: EventInput[] = [];
  const view = () => {
    let position = 0;
    const journal = {
      kind: "redis" as const,
      replayAtStart: true,
      failNext: false,
      beforeAppend: undefined as (() => Promise<unknown>) | undefined,
      anchor: async () => anchor,
      read: async () => {
        const unread = log.slice(position);
        position = log.length;
        return unread;
      },
      append: async (batch: readonly EventInput[]) => {
        const before = journal.beforeAppend;
        journal.beforeAppend = undefined;
        await before?.();
        if (journal.failNext) {
          journal.failNext = false;
          throw new Error("ENOSPC: no space left on device");
        }
        if (position !== log.length) return false;
        log.push(...batch);
        position = log.length;
        return true;
      },
      rewind: () => void (position = 0),
      close: async () => undefined,
    } satisfies TrackingJournal & Record<string, unknown>;
    return journal;
  };
  return { log, view };
}

const service = (journal: TrackingJournal, now: number) =>
  new TrackingService(
    (anchor) => seedActiveShipments(demoLogistics(), 20, anchor),
    createFeatureStore(featureStoreConfigFromEnv({})),
    model,
    journal,
    { parcelsPerCongestionUnit: 25, now: () => now },
  );

const status = async (tracking: TrackingService, id = "t-000001") =>
  (await tracking.shipmentsByIds([id]))[0]?.status;

describe("TrackingService with a failing journal", () => {
  it("answers an error and forgets scans it could not make durable, keeping the ones it could", async () => {
    const now = Date.now();
    const shared = sharedLog(now);
    const journal = shared.view();
    const tracking = service(journal, now);
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
    expect(await status(tracking)).toBe(ShipmentStatus.PICKED);
    expect(shared.log.map((e) => e.eventId)).toEqual(["a"]);

    // The retry is applied (not a duplicate of the failed attempt), and the first scan is still known.
    const retry = await tracking.record(ctx(), [
      scan("b", ShipmentEventKind.IN_TRANSIT_AT_HUB),
      scan("a", ShipmentEventKind.PICKED),
    ]);
    expect(retry.map((r) => r.outcome)).toEqual([EventOutcome.APPLIED, EventOutcome.DUPLICATE]);
    expect(await status(tracking)).toBe(ShipmentStatus.IN_TRANSIT_AT_HUB);
    await tracking.close();
  });
});

describe("TrackingService replicas over one shared journal", () => {
  it("serve each other's scans, apply a scan id once, and validate again when another wrote first", async () => {
    const now = Date.now();
    const shared = sharedLog(now);
    const journalA = shared.view();
    const a = service(journalA, now);
    const b = service(shared.view(), now);
    const scan = (eventId: string, kind: ShipmentEventKind, shipmentId = "t-000001"): EventInput => ({
      eventId,
      shipmentId,
      kind,
      at: new Date(now),
    });

    await a.record(ctx(), [scan("a1", ShipmentEventKind.PICKED)]);
    expect(await status(b)).toBe(ShipmentStatus.PICKED);
    // The same scan id sent to the other replica is a duplicate there too.
    expect((await b.record(ctx(), [scan("a1", ShipmentEventKind.PICKED)]))[0]?.outcome).toBe(
      EventOutcome.DUPLICATE,
    );

    // B writes while A is appending: A's append finds the log moved on, and A validates its call again on
    // top of B's scans: the hub scan B sent first wins, A's identical one is a duplicate, A's other is applied.
    journalA.beforeAppend = () =>
      b.record(ctx(), [
        scan("b1", ShipmentEventKind.IN_TRANSIT_AT_HUB),
        scan("b2", ShipmentEventKind.PICKED, "t-000002"),
      ]);
    const results = await a.record(ctx(), [
      scan("b1", ShipmentEventKind.IN_TRANSIT_AT_HUB),
      scan("a2", ShipmentEventKind.PICKED, "t-000003"),
      scan("a3", ShipmentEventKind.PICKED, "t-000002"),
    ]);
    expect(results.map((r) => r.outcome)).toEqual([
      EventOutcome.DUPLICATE,
      EventOutcome.APPLIED,
      EventOutcome.REJECTED,
    ]);
    expect(shared.log.map((e) => e.eventId)).toEqual(["a1", "b1", "b2", "a2"]);
    for (const id of ["t-000001", "t-000002", "t-000003"]) {
      const [fromA, fromB] = [(await a.shipmentsByIds([id]))[0], (await b.shipmentsByIds([id]))[0]];
      expect(fromA).toEqual(fromB);
    }
    expect(await status(a, "t-000003")).toBe(ShipmentStatus.PICKED);

    // A third replica starting later rebuilds the same state from the log.
    const c = service(shared.view(), now);
    expect(await c.restore()).toBe(4);
    expect(await c.shipmentsByIds(["t-000001", "t-000002"])).toEqual(
      await a.shipmentsByIds(["t-000001", "t-000002"]),
    );
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});
