import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSubgraph, type RunningServer } from "@aisle/kit";
import { demoLogistics, demoWorld } from "@aisle/world";
import { postGraphQL, signedAs } from "../../../tests/graphql-client.ts";
import { testLog } from "../../../tests/quiet-log.ts";
import { logisticsSubgraph } from "./index.ts";

/**
 * Delivered scans recalibrate what Product.deliveryEstimate serves. The demo's open shipments were ordered in
 * the 48 hours before start, so delivering them now gives times far below what the model expects (a few days):
 * once MIN_OUTCOMES of them have arrived, every option's P50 and P90 come earlier, and not before.
 */
const MIN_OUTCOMES = 20;
let server: RunningServer;

beforeAll(async () => {
  server = await startSubgraph(logisticsSubgraph, {
    port: 0,
    log: testLog,
    env: {
      ...process.env,
      FEATURE_STORE: "memory",
      LOGISTICS_JOURNAL: "memory",
      LOGISTICS_RECALIBRATION_WINDOW: "100",
      LOGISTICS_RECALIBRATION_MIN_OUTCOMES: String(MIN_OUTCOMES),
      LOGISTICS_RECALIBRATION_STEP: "0",
    },
  });
});
afterAll(async () => {
  await server?.close();
});

const ESTIMATE = `query($reps: [_Any!]!, $d: DestinationInput!) {
  _entities(representations: $reps) {
    ... on Product { deliveryEstimate(destination: $d) { options { carrier { id } service p50Days p90Date } } }
  }
}`;
const RECORD = `mutation($events: [ShipmentEventInput!]!) { recordShipmentEvent(events: $events) { applied rejected } }`;

describe("request-time recalibration through GraphQL", () => {
  it("moves deliveryEstimate once enough delivered scans have arrived", async () => {
    const logistics = demoLogistics();
    const product = demoWorld().products.find((p) => (logistics.product(p.id)?.totalStock ?? 0) > 10)!;
    const estimate = async () => {
      const result = await postGraphQL(server.url, ESTIMATE, {
        reps: [{ __typename: "Product", id: product.id }],
        d: { country: "US", postalCode: "80202" },
      });
      expect(result.body.errors).toBeUndefined();
      const [node] = (
        result.body.data as {
          _entities: {
            deliveryEstimate: {
              options: { carrier: { id: string }; service: string; p50Days: number; p90Date: string }[];
            };
          }[];
        }
      )._entities;
      const options = node!.deliveryEstimate.options;
      expect(options.length).toBeGreaterThan(0);
      return new Map(options.map((o) => [`${o.carrier.id}:${o.service}`, o]));
    };
    const deliver = async (from: number, count: number) => {
      const at = new Date().toISOString();
      const events = Array.from({ length: count }, (_, k) => {
        const id = `t-${String(from + k).padStart(6, "0")}`;
        return { eventId: `delivered-${id}`, shipmentId: id, kind: "DELIVERED", at };
      });
      const result = await postGraphQL(
        server.url,
        RECORD,
        { events },
        signedAs("svc-ops", ["service:ops"], "logistics"),
      );
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data).toEqual({ recordShipmentEvent: { applied: count, rejected: 0 } });
    };

    const before = await estimate();
    await deliver(1, MIN_OUTCOMES - 1);
    // Too few outcomes: the trained calibration. Not to the digit: the scans just applied move the hubs' live
    // congestion and the clock moves the order time, which shift a P50 by a hundredth of a day or so.
    const unchanged = await estimate();
    expect([...unchanged.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, option] of unchanged)
      expect(Math.abs(option.p50Days - before.get(key)!.p50Days)).toBeLessThanOrEqual(0.05);

    await deliver(MIN_OUTCOMES, 10);
    const after = await estimate();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, option] of after) {
      const was = before.get(key)!;
      expect(option.p50Days).toBeLessThan(0.7 * was.p50Days);
      expect(option.p90Date <= was.p90Date).toBe(true);
    }
  });
});
