import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSubgraph, type RunningServer } from "@aisle/kit";
import { postGraphQL, signedAs, type SignedHeaders } from "../../../tests/graphql-client.ts";
import { testLog } from "../../../tests/quiet-log.ts";
import { logisticsSubgraph } from "./index.ts";
import { JOURNAL_FILE } from "./tracking.journal.ts";

/** A logistics instance with a scan journal, stopped and started again on the same folder. */
let dir: string;
const start = (): Promise<RunningServer> =>
  startSubgraph(logisticsSubgraph, {
    port: 0,
    log: testLog,
    env: {
      ...process.env,
      FEATURE_STORE: "memory",
      LOGISTICS_DATA_DIR: dir,
      LOGISTICS_ACTIVE_SHIPMENTS: "50",
    },
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aisle-logistics-journal-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const asOps = (): SignedHeaders => signedAs("svc-ops", ["service:ops"], "logistics");

const RECORD = `mutation($events: [ShipmentEventInput!]!) {
  recordShipmentEvent(events: $events) { applied duplicates rejected results { eventId outcome reason } }
}`;
const SHIPMENT = `query($id: ID!) { shipment(id: $id) { status orderedAt promisedDate events { eventId kind } } }`;

interface Shipment {
  status: string;
  orderedAt: string;
  promisedDate: string;
  events: { eventId: string; kind: string }[];
}

async function shipment(server: RunningServer, id: string): Promise<Shipment> {
  const result = await postGraphQL(server.url, SHIPMENT, { id }, asOps());
  expect(result.body.errors).toBeUndefined();
  return (result.body.data as { shipment: Shipment }).shipment;
}

describe("tracking journal (LOGISTICS_DATA_DIR)", () => {
  it("keeps every acknowledged scan across a restart, and still recognises replays", async () => {
    const t = Date.now();
    const events = [
      { eventId: "j-1", shipmentId: "t-000001", kind: "PICKED", at: new Date(t - 2_000).toISOString() },
      {
        eventId: "j-2",
        shipmentId: "t-000001",
        kind: "IN_TRANSIT_AT_HUB",
        at: new Date(t - 1_000).toISOString(),
      },
      { eventId: "j-3", shipmentId: "t-000002", kind: "PICKED", at: new Date(t).toISOString() },
      { eventId: "j-4", shipmentId: "t-999999", kind: "PICKED", at: new Date(t).toISOString() },
    ];
    const first = await start();
    let before: Shipment;
    try {
      const recorded = await postGraphQL(first.url, RECORD, { events }, asOps());
      expect(recorded.body.errors).toBeUndefined();
      expect(recorded.body.data).toMatchObject({ recordShipmentEvent: { applied: 3, rejected: 1 } });
      before = await shipment(first, "t-000001");
      expect(before.status).toBe("IN_TRANSIT_AT_HUB");
    } finally {
      await first.close();
    }
    // Only applied scans are journalled, after the anchor line.
    const lines = (await readFile(join(dir, JOURNAL_FILE), "utf8")).trim().split("\n");
    expect(lines).toHaveLength(4);
    // A crash mid-write leaves a torn last line: it is skipped (its mutation never answered).
    await appendFile(join(dir, JOURNAL_FILE), '{"event":{"eventId":"torn');

    const second = await start();
    try {
      const after = await shipment(second, "t-000001");
      expect(after).toEqual(before);
      expect((await shipment(second, "t-000002")).status).toBe("PICKED");
      const replay = await postGraphQL(second.url, RECORD, { events: events.slice(0, 3) }, asOps());
      expect(replay.body.data).toMatchObject({ recordShipmentEvent: { applied: 0, duplicates: 3 } });
      const next = await postGraphQL(
        second.url,
        RECORD,
        {
          events: [
            {
              eventId: "j-5",
              shipmentId: "t-000001",
              kind: "OUT_FOR_DELIVERY",
              at: new Date().toISOString(),
            },
          ],
        },
        asOps(),
      );
      expect(next.body.data).toMatchObject({ recordShipmentEvent: { applied: 1 } });
    } finally {
      await second.close();
    }
  });
});
