import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSubgraph, type RunningServer } from "@aisle/kit";
import { codes, postGraphQL, signedAs, type SignedHeaders } from "../../../tests/graphql-client.ts";
import { testLog } from "../../../tests/quiet-log.ts";
import { hasRedisServer, startOwnRedis, type OwnRedis } from "../../../tests/redis-server.ts";
import { logisticsSubgraph } from "./index.ts";

/*
 * Two logistics replicas on one scan journal (LOGISTICS_JOURNAL=redis, a redis-server of this test's own):
 * a scan applied on one is served by the other, a scan id is applied once across both, scans sent to both
 * at once end in one order both serve, and a replica started later rebuilds the same state from the stream.
 */

const available = hasRedisServer();
if (!available) process.stderr.write("redis-server is not installed: logistics replica tests skipped\n");

let redis: OwnRedis;
const replicas: RunningServer[] = [];

const start = (): Promise<RunningServer> =>
  startSubgraph(logisticsSubgraph, {
    port: 0,
    log: testLog,
    env: {
      NODE_ENV: "test",
      LOGISTICS_JOURNAL: "redis",
      REDIS_URL: redis.url,
      // Hub congestion features in the same Redis, so both replicas' arrival estimates agree too.
      FEATURE_STORE: "redis",
      FEATURE_CACHE_TTL_MS: "0",
      LOGISTICS_ACTIVE_SHIPMENTS: "50",
    },
  });

beforeAll(async () => {
  if (!available) return;
  redis = await startOwnRedis();
  replicas.push(await start(), await start());
});
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  await redis?.stop();
});

const asOps = (): SignedHeaders => signedAs("svc-ops", ["service:ops"], "logistics");

const RECORD = `mutation($events: [ShipmentEventInput!]!) {
  recordShipmentEvent(events: $events) { applied duplicates rejected results { eventId outcome reason } }
}`;
const SHIPMENTS = `query($a: ID!, $b: ID!, $c: ID!) {
  a: shipment(id: $a) { ...S }
  b: shipment(id: $b) { ...S }
  c: shipment(id: $c) { ...S }
}
fragment S on Shipment {
  id status orderedAt promisedDate
  events { eventId kind at hub }
  estimatedArrival { p50Date p90Date onTimeProbability delivered }
}`;
const IDS = { a: "t-000001", b: "t-000002", c: "t-000003" };

interface Recorded {
  applied: number;
  duplicates: number;
  rejected: number;
  results: { eventId: string; outcome: string; reason: string | null }[];
}

async function record(server: RunningServer, events: object[]): Promise<Recorded> {
  const result = await postGraphQL<{ recordShipmentEvent: Recorded }>(
    server.url,
    RECORD,
    { events },
    asOps(),
  );
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.recordShipmentEvent;
}

async function shipments(server: RunningServer): Promise<Record<string, { status: string }>> {
  const result = await postGraphQL<Record<string, { status: string }>>(server.url, SHIPMENTS, IDS, asOps());
  expect(result.body.errors).toBeUndefined();
  return result.body.data!;
}

const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

describe.skipIf(!available)("logistics replicas on one Redis scan journal", () => {
  it("serve each other's scans at once and apply a scan id once", async () => {
    const [a, b] = replicas as [RunningServer, RunningServer];
    // Both seeded the same shipments from the one anchor in Redis.
    expect(await shipments(b)).toEqual(await shipments(a));

    const picked = { eventId: "r-1", shipmentId: IDS.a, kind: "PICKED", at: at(3_000) };
    expect(await record(a, [picked])).toMatchObject({ applied: 1 });
    // No wait: the other replica reads the journal before it answers.
    expect((await shipments(b))["a"]).toMatchObject({ status: "PICKED", events: [{ eventId: "r-1" }] });
    // The carrier resends to the other replica: a duplicate there, nothing changes.
    expect(await record(b, [picked])).toMatchObject({ applied: 0, duplicates: 1 });
    const hub = { eventId: "r-2", shipmentId: IDS.a, kind: "IN_TRANSIT_AT_HUB", at: at(2_000) };
    expect(await record(b, [hub])).toMatchObject({ applied: 1 });
    expect(await shipments(a)).toEqual(await shipments(b));
  });

  it("put scans sent to both at once in one order that both serve", async () => {
    const [a, b] = replicas as [RunningServer, RunningServer];
    // Each replica gets a PICKED for shipment b (only the first in the journal can apply) and one of its own.
    const [fromA, fromB] = await Promise.all([
      record(a, [
        { eventId: "x-a1", shipmentId: IDS.b, kind: "PICKED", at: at(1_000) },
        { eventId: "x-a2", shipmentId: IDS.c, kind: "PICKED", at: at(1_000) },
      ]),
      record(b, [
        { eventId: "x-b1", shipmentId: IDS.b, kind: "PICKED", at: at(1_000) },
        { eventId: "x-b2", shipmentId: IDS.c, kind: "IN_TRANSIT_AT_HUB", at: at(500) },
      ]),
    ]);
    const outcomes = new Map([...fromA.results, ...fromB.results].map((r) => [r.eventId, r.outcome]));
    // Exactly one PICKED for shipment b is applied, whichever replica wrote first.
    expect([outcomes.get("x-a1"), outcomes.get("x-b1")].sort()).toEqual(["APPLIED", "REJECTED"]);
    const [viewA, viewB] = [await shipments(a), await shipments(b)];
    expect(viewA).toEqual(viewB);
    const applied = [...outcomes].filter(([, o]) => o === "APPLIED").map(([id]) => id);
    const served = Object.values(viewA).flatMap(
      (s) => (s as unknown as { events: { eventId: string }[] }).events,
    );
    for (const id of applied) expect(served.filter((e) => e.eventId === id)).toHaveLength(1);
  });

  it("rebuilds a restarted replica from the stream", async () => {
    const [a] = replicas as [RunningServer, RunningServer];
    const before = await shipments(a);
    await replicas[1]!.close();
    replicas[1] = await start();
    expect(await shipments(replicas[1])).toEqual(before);
    // It still knows every scan id: a resend is a duplicate.
    expect(
      await record(replicas[1], [{ eventId: "r-1", shipmentId: IDS.a, kind: "PICKED", at: at(3_000) }]),
    ).toMatchObject({ duplicates: 1 });
  });

  it("answers UNAVAILABLE for a scan while the journal's Redis is down, and its last state for reads", async () => {
    const [a] = replicas as [RunningServer, RunningServer];
    const before = await shipments(a);
    await redis.kill9();
    const refused = await postGraphQL(
      a.url,
      RECORD,
      { events: [{ eventId: "d-1", shipmentId: IDS.c, kind: "OUT_FOR_DELIVERY", at: at(0) }] },
      asOps(),
    );
    expect(codes(refused)).toEqual(["UNAVAILABLE"]);
    const read = await postGraphQL<{ shipment: { status: string } }>(
      a.url,
      `query($id: ID!) { shipment(id: $id) { status } }`,
      { id: IDS.a },
      asOps(),
    );
    expect(read.body).toEqual({ data: { shipment: { status: before["a"]?.status } } });
  });
});
