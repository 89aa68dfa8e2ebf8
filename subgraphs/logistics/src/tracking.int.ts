import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSubgraph, type RunningServer } from "@aisle/kit";
import { demoLogistics, demoWorld } from "@aisle/world";
import { postGraphQL, signedAs, type SignedHeaders } from "../../../tests/graphql-client.ts";
import { testLog } from "../../../tests/quiet-log.ts";
import { logisticsSubgraph, seedActiveShipments } from "./index.ts";
import { deleteRedisKeys } from "../../../tests/redis-cleanup.ts";

/**
 * Two logistics instances sharing Redis features: scans recorded on one move the estimates the other serves.
 * The reader's in-process feature cache is off, so the test waits for nothing (in production the cache TTL,
 * FEATURE_CACHE_TTL_MS = 2 s by default, bounds how long another instance keeps the old value).
 */
const NAMESPACE = `test:logistics:${randomUUID().slice(0, 8)}`;
const env = (cacheTtlMs: string) => ({
  ...process.env,
  FEATURE_STORE: "redis",
  REDIS_URL: "redis://127.0.0.1:6379",
  FEATURE_KEY_NAMESPACE: NAMESPACE,
  FEATURE_STORE_TIMEOUT_MS: "500",
  FEATURE_CACHE_TTL_MS: cacheTtlMs,
});

let writer: RunningServer;
let reader: RunningServer;

beforeAll(async () => {
  writer = await startSubgraph(logisticsSubgraph, { port: 0, log: testLog, env: env("2000") });
  reader = await startSubgraph(logisticsSubgraph, { port: 0, log: testLog, env: env("0") });
});
afterAll(async () => {
  await writer?.close();
  await reader?.close();
  await deleteRedisKeys(`${NAMESPACE}:*`);
});

const asOps = (): SignedHeaders => signedAs("svc-ops", ["service:ops"], "logistics");

const OPTIONS = `query($items: [CartItemInput!]!, $d: DestinationInput!) {
  deliveryOptions(items: $items, destination: $d) { degraded options { carrier { id } service p50Days } }
}`;
const RECORD = `mutation($events: [ShipmentEventInput!]!) { recordShipmentEvent(events: $events) { applied rejected } }`;

describe("tracking with Redis features across instances", () => {
  it("moves the other instance's estimates for a backed-up hub", async () => {
    const logistics = demoLogistics();
    const product = demoWorld().products.find((p) => (logistics.product(p.id)?.totalStock ?? 0) > 10)!;
    const variables = {
      items: [{ productId: product.id, quantity: 1 }],
      d: { country: "US", postalCode: "80202" },
    };
    const p50 = async () => {
      const result = await postGraphQL(reader.url, OPTIONS, variables);
      expect(result.body.errors).toBeUndefined();
      const estimate = (
        result.body.data as {
          deliveryOptions: {
            degraded: boolean;
            options: { carrier: { id: string }; service: string; p50Days: number }[];
          };
        }
      ).deliveryOptions;
      expect(estimate.degraded).toBe(false);
      return new Map(estimate.options.map((o) => [`${o.carrier.id}:${o.service}`, o.p50Days]));
    };
    const before = await p50();
    const parcels = seedActiveShipments(logistics, 2_000, Date.now())
      .filter((s) => s.carrierId === "freightly" && s.destRegion === 8)
      .slice(0, 40);
    expect(parcels.length).toBeGreaterThanOrEqual(25);
    const t = Date.now();
    const events = parcels.flatMap((s, i) => [
      { eventId: `r-${i}-a`, shipmentId: s.id, kind: "PICKED", at: new Date(t).toISOString() },
      {
        eventId: `r-${i}-b`,
        shipmentId: s.id,
        kind: "IN_TRANSIT_AT_HUB",
        at: new Date(t + 1_000).toISOString(),
      },
    ]);
    const recorded = await postGraphQL(writer.url, RECORD, { events }, asOps());
    expect(recorded.body.errors).toBeUndefined();
    expect(
      (recorded.body.data as { recordShipmentEvent: { applied: number } }).recordShipmentEvent.applied,
    ).toBe(events.length);

    const after = await p50();
    expect(after.get("freightly:GROUND")!).toBeGreaterThan(before.get("freightly:GROUND")! * 1.1);
    expect(after.get("swiftship:GROUND")).toBe(before.get("swiftship:GROUND"));

    // Replaying the same scans changes nothing.
    const replay = await postGraphQL(writer.url, RECORD, { events }, asOps());
    expect(
      (replay.body.data as { recordShipmentEvent: { applied: number } }).recordShipmentEvent.applied,
    ).toBe(0);
    expect(await p50()).toEqual(after);
  });
});
