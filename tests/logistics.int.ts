import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "@aisle/gateway";
import { seedActiveShipments } from "@aisle/logistics";
import { demoLogistics, demoWorld } from "@aisle/world";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import {
  CartDeliveryOptionsDocument,
  CategoryPageDocument,
  LogisticsModelsDocument,
  ProductListingWithDeliveryDocument,
  ProductReplenishmentDocument,
  RecordShipmentEventsDocument,
  ShipmentTrackingDocument,
} from "../operations/__generated__/graphql.ts";
import { codes, postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

let supergraph: LocalSupergraph;
let opsHeaders: Record<string, string>;

beforeAll(async () => {
  supergraph = await startLocalSupergraph({ port: 0, log: testLog });
  opsHeaders = { authorization: `Bearer ${await signToken({ user: "svc-ops", scopes: ["service:ops"] })}` };
});
afterAll(async () => {
  await supergraph?.close();
});

const world = demoWorld();
const logistics = demoLogistics();
const department = world.categories.find((c) => c.parentId === null)!;
const DENVER = { country: "US", postalCode: "80202" };

interface Option {
  service: string;
  earliestDate: string;
  latestDate: string;
  p50Date: string;
  p90Date: string;
  promisedDate: string;
  onTimeProbability: number;
  cost: { amountMinor: number };
  parcels: { warehouse: { id: string }; lines: { productId: string; quantity: number }[] }[];
}
interface Estimate {
  reason: string | null;
  split: boolean;
  options: Option[];
}

async function modelRuns(): Promise<{ runs: number; rows: number }> {
  const result = await postGraphQL(supergraph.url, LogisticsModelsDocument, {}, opsHeaders);
  expect(result.body.errors).toBeUndefined();
  const models = result.body.data!.logisticsModels as { name: string; runs: number; rows: number }[];
  const delivery = models.find((m) => m.name === "logistics")!;
  return { runs: delivery.runs, rows: delivery.rows };
}

describe("logistics through the gateway", () => {
  it("lists 24 products with availability and delivery estimates in ONE model run", async () => {
    const before = await modelRuns();
    const result = await postGraphQL(supergraph.url, ProductListingWithDeliveryDocument, {
      categoryId: department.id,
      first: 24,
      destination: DENVER,
    });
    expect(result.body.errors).toBeUndefined();
    const after = await modelRuns();
    expect(after.runs - before.runs).toBe(1);

    const edges = (
      result.body.data!.productsByCategory as {
        edges: {
          node: {
            id: string;
            availability: { inStock: boolean; quantityBand: string; shipsFrom: { id: string } | null };
            deliveryEstimate: Estimate;
          };
        }[];
      }
    ).edges;
    expect(edges).toHaveLength(24);
    let withOptions = 0;
    for (const { node } of edges) {
      const facts = logistics.product(node.id)!;
      expect(node.availability.inStock).toBe(facts.totalStock > 0);
      if (!node.availability.inStock) {
        expect(node.availability.quantityBand).toBe("OUT_OF_STOCK");
        expect(node.deliveryEstimate.options).toEqual([]);
        expect(node.deliveryEstimate.reason).toMatch(/out of stock/);
        continue;
      }
      expect(
        facts.stock.some((s) => s.warehouseId === node.availability.shipsFrom?.id && s.quantity > 0),
      ).toBe(true);
      withOptions++;
      for (const option of node.deliveryEstimate.options) {
        expect(option.earliestDate <= option.p50Date).toBe(true);
        expect(option.p50Date <= option.p90Date).toBe(true);
        expect(option.p90Date <= option.latestDate).toBe(true);
        // The default promise is the calibrated P90 date, so arriving by its end is at least 90 % likely.
        expect(option.promisedDate).toBe(option.p90Date);
        expect(option.onTimeProbability).toBeGreaterThanOrEqual(0.9);
        expect(option.onTimeProbability).toBeLessThanOrEqual(1);
        expect(option.cost.amountMinor).toBeGreaterThan(0);
      }
    }
    expect(withOptions).toBeGreaterThan(10);
    // Rows: one per product in stock and carrier service; all of them went into that single run.
    expect(after.rows - before.rows).toBeGreaterThanOrEqual(withOptions * 5);
  });

  it("gives a category page one compact delivery promise per product, in ONE model run, one row each", async () => {
    const before = await modelRuns();
    const result = await postGraphQL(supergraph.url, CategoryPageDocument, {
      categoryId: department.id,
      first: 24,
      destination: DENVER,
      context: { currency: "USD", region: "US" },
    });
    expect(result.body.errors).toBeUndefined();
    const after = await modelRuns();
    expect(after.runs - before.runs).toBe(1);
    const edges = (
      result.body.data!.productsByCategory as {
        edges: {
          node: {
            id: string;
            availability: { inStock: boolean };
            deliveryPromise: {
              date: string | null;
              onTimeProbability: number | null;
              carrier: { id: string } | null;
              reason: string | null;
            };
          };
        }[];
      }
    ).edges;
    expect(edges).toHaveLength(24);
    const inStock = edges.filter((e) => e.node.availability.inStock).length;
    // The cheapest service's cost needs no model: one row per product in stock, not one per carrier service.
    expect(after.rows - before.rows).toBe(inStock);
    for (const { node } of edges) {
      if (!node.availability.inStock) {
        expect(node.deliveryPromise).toMatchObject({ date: null, carrier: null });
        expect(node.deliveryPromise.reason).toMatch(/out of stock/);
        continue;
      }
      expect(node.deliveryPromise.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(node.deliveryPromise.onTimeProbability).toBeGreaterThanOrEqual(0.9);
      expect(node.deliveryPromise.reason).toBeNull();
    }
  });

  it("promises the same date, carrier and cost as the matching option of the full estimate", async () => {
    const query = `query Compare($id: ID!, $to: DestinationInput!) {
      product(id: $id) {
        deliveryEstimate(destination: $to) {
          options { carrier { id } service promisedDate onTimeProbability cost { amountMinor } }
        }
        cheapest: deliveryPromise(destination: $to) { date onTimeProbability carrier { id } service cost { amountMinor } }
        fastest: deliveryPromise(destination: $to, choose: FASTEST) { date carrier { id } service cost { amountMinor } }
      }
    }`;
    const stocked = world.products.filter((p) => (logistics.product(p.id)?.totalStock ?? 0) > 0).slice(0, 5);
    for (const product of stocked) {
      const result = await postGraphQL(supergraph.url, query, { id: product.id, to: DENVER });
      expect(result.body.errors).toBeUndefined();
      const node = result.body.data!.product as {
        deliveryEstimate: {
          options: {
            carrier: { id: string };
            service: string;
            promisedDate: string;
            onTimeProbability: number;
            cost: { amountMinor: number };
          }[];
        };
        cheapest: { date: string; onTimeProbability: number; carrier: { id: string }; service: string };
        fastest: { date: string; carrier: { id: string }; service: string; cost: { amountMinor: number } };
      };
      const options = node.deliveryEstimate.options;
      const cheapest = [...options].sort((a, b) => a.cost.amountMinor - b.cost.amountMinor)[0]!;
      expect(node.cheapest).toMatchObject({
        date: cheapest.promisedDate,
        onTimeProbability: cheapest.onTimeProbability,
        carrier: cheapest.carrier,
        service: cheapest.service,
        cost: cheapest.cost,
      });
      const earliest = options.map((o) => o.promisedDate).sort()[0];
      expect(node.fastest.date).toBe(earliest);
      const matching = options.find(
        (o) => o.carrier.id === node.fastest.carrier.id && o.service === node.fastest.service,
      )!;
      expect(matching.promisedDate).toBe(earliest);
      expect(
        options.every(
          (o) => o.promisedDate !== earliest || o.cost.amountMinor >= node.fastest.cost.amountMinor,
        ),
      ).toBe(true);
    }
  });

  it("answers an unserved destination with a null promise date and a reason, a malformed one with BAD_USER_INPUT", async () => {
    const product = world.products.find((p) => (logistics.product(p.id)?.totalStock ?? 0) > 0)!;
    const query = `query P($id: ID!, $to: DestinationInput!) { product(id: $id) { id deliveryPromise(destination: $to) { date reason carrier { id } } } }`;
    const unserved = await postGraphQL(supergraph.url, query, {
      id: product.id,
      to: { country: "US", postalCode: "99501" },
    });
    expect(unserved.body.errors).toBeUndefined();
    expect(unserved.body.data!.product).toMatchObject({
      deliveryPromise: { date: null, carrier: null, reason: expect.stringMatching(/Alaska/) },
    });
    const malformed = await postGraphQL(supergraph.url, query, {
      id: product.id,
      to: { country: "US", postalCode: "8020" },
    });
    expect(codes(malformed)).toContain("BAD_USER_INPUT");
    expect(malformed.body.data!.product).toMatchObject({ id: product.id, deliveryPromise: null });
  });

  it("puts overnight ahead of economy and charges more for it", async () => {
    const product = world.products.find((p) => (logistics.product(p.id)?.totalStock ?? 0) > 10)!;
    const result = await postGraphQL(supergraph.url, CartDeliveryOptionsDocument, {
      items: [{ productId: product.id, quantity: 1 }],
      destination: { country: "US", postalCode: "10001" },
    });
    expect(result.body.errors).toBeUndefined();
    const estimate = result.body.data!.deliveryOptions as Estimate;
    const overnight = estimate.options.find((o) => o.service === "OVERNIGHT");
    const economy = estimate.options.find((o) => o.service === "ECONOMY");
    if (overnight !== undefined && economy !== undefined) {
      expect(overnight.p50Date <= economy.p50Date).toBe(true);
      expect(overnight.cost.amountMinor).toBeGreaterThan(economy.cost.amountMinor);
    }
    expect(estimate.options.length).toBeGreaterThan(0);
  });

  it("splits a cart across warehouses when no single one has everything", async () => {
    const stocked = world.products
      .slice(0, 400)
      .map((p) => logistics.product(p.id)!)
      .filter((p) => p.totalStock > 5);
    let pair: [string, string] | undefined;
    outer: for (const a of stocked) {
      for (const b of stocked) {
        const aHas = new Set(a.stock.filter((s) => s.quantity > 0).map((s) => s.warehouseId));
        if (b.stock.every((s) => s.quantity === 0 || !aHas.has(s.warehouseId))) {
          pair = [a.productId, b.productId];
          break outer;
        }
      }
    }
    expect(pair).toBeDefined();
    const result = await postGraphQL(supergraph.url, CartDeliveryOptionsDocument, {
      items: pair!.map((productId) => ({ productId, quantity: 1 })),
      destination: DENVER,
    });
    expect(result.body.errors).toBeUndefined();
    const estimate = result.body.data!.deliveryOptions as Estimate;
    expect(estimate.split).toBe(true);
    expect(estimate.options.length).toBeGreaterThan(0);
    for (const option of estimate.options) {
      expect(option.parcels).toHaveLength(2);
      expect(new Set(option.parcels.map((p) => p.warehouse.id)).size).toBe(2);
    }
  });

  it("answers an unserved destination with no options and a reason, not an error", async () => {
    const product = world.products.find((p) => (logistics.product(p.id)?.totalStock ?? 0) > 0)!;
    for (const destination of [
      { country: "US", postalCode: "99501" },
      { country: "CA", postalCode: "k1a0b1" },
    ]) {
      const result = await postGraphQL(supergraph.url, CartDeliveryOptionsDocument, {
        items: [{ productId: product.id, quantity: 1 }],
        destination,
      });
      expect(result.body.errors).toBeUndefined();
      const estimate = result.body.data!.deliveryOptions as Estimate;
      expect(estimate.options).toEqual([]);
      expect(estimate.reason).toMatch(/Alaska|United States/);
    }
  });

  it("refuses malformed destinations, unknown products and bad quantities with BAD_USER_INPUT", async () => {
    const product = world.products[0]!;
    const cases = [
      {
        items: [{ productId: product.id, quantity: 1 }],
        destination: { country: "US", postalCode: "ABCDE" },
      },
      {
        items: [{ productId: product.id, quantity: 1 }],
        destination: { country: "USA", postalCode: "80202" },
      },
      { items: [{ productId: "p-nope", quantity: 1 }], destination: DENVER },
      { items: [{ productId: product.id, quantity: 0 }], destination: DENVER },
    ];
    for (const variables of cases) {
      const result = await postGraphQL(supergraph.url, CartDeliveryOptionsDocument, variables);
      expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    }
  });

  it("answers too little stock with a reason", async () => {
    const product = world.products.find((p) => {
      const total = logistics.product(p.id)?.totalStock ?? 0;
      return total > 0 && total < 99;
    })!;
    const result = await postGraphQL(supergraph.url, CartDeliveryOptionsDocument, {
      items: [{ productId: product.id, quantity: 99 }],
      destination: DENVER,
    });
    expect(result.body.errors).toBeUndefined();
    const estimate = result.body.data!.deliveryOptions as Estimate;
    expect(estimate.options).toEqual([]);
    expect(estimate.reason).toMatch(/in stock/);
  });

  it("plans replenishment per warehouse for ops, in one demand-model run", async () => {
    const product = world.products.find((p) => (logistics.product(p.id)?.totalStock ?? 0) > 20)!;
    const runs = async () => {
      const result = await postGraphQL(supergraph.url, LogisticsModelsDocument, {}, opsHeaders);
      return (result.body.data!.logisticsModels as { name: string; runs: number }[]).find(
        (m) => m.name === "demand",
      )!.runs;
    };
    const before = await runs();
    const result = await postGraphQL(
      supergraph.url,
      ProductReplenishmentDocument,
      { id: product.id, serviceLevel: 0.95 },
      opsHeaders,
    );
    expect(result.body.errors).toBeUndefined();
    expect((await runs()) - before).toBe(1);
    const plan = (
      result.body.data!.product as {
        replenishment: {
          forecast: { units: number; upper: number }[];
          totalStock: number;
          warehouses: {
            warehouse: { id: string };
            onHand: number;
            safetyStock: number;
            reorderPoint: number;
            dailyDemand: number;
            leadTimeDays: number;
            stockoutRisk: number;
          }[];
        };
      }
    ).replenishment;
    expect(plan.forecast).toHaveLength(28);
    for (const day of plan.forecast) expect(day.upper).toBeGreaterThanOrEqual(day.units);
    const facts = logistics.product(product.id)!;
    expect(plan.totalStock).toBe(facts.totalStock);
    expect(plan.warehouses.map((w) => w.warehouse.id).sort()).toEqual(
      facts.stock.map((s) => s.warehouseId).sort(),
    );
    for (const w of plan.warehouses) {
      expect(w.reorderPoint).toBeCloseTo(w.dailyDemand * w.leadTimeDays + w.safetyStock, 1);
      expect(w.stockoutRisk).toBeGreaterThanOrEqual(0);
      expect(w.stockoutRisk).toBeLessThanOrEqual(1);
    }
    // A higher service level never lowers safety stock.
    const higher = await postGraphQL(
      supergraph.url,
      ProductReplenishmentDocument,
      { id: product.id, serviceLevel: 0.99 },
      opsHeaders,
    );
    const higherPlan = (
      higher.body.data!.product as { replenishment: { warehouses: { safetyStock: number }[] } }
    ).replenishment;
    higherPlan.warehouses.forEach((w, i) =>
      expect(w.safetyStock).toBeGreaterThanOrEqual(plan.warehouses[i]!.safetyStock),
    );
  });

  it("refuses replenishment to shoppers (FORBIDDEN) and anonymous callers, leaving the rest of the product", async () => {
    const product = world.products[0]!;
    const shopper = await postGraphQL(
      supergraph.url,
      ProductReplenishmentDocument,
      { id: product.id, serviceLevel: 0.95 },
      {
        authorization: `Bearer ${await signToken({ user: "1", scopes: ["shopper"] })}`,
      },
    );
    expect(codes(shopper)).toEqual(["FORBIDDEN"]);
    expect((shopper.body.data!.product as { title: string; replenishment: unknown }).title).toBe(
      product.title,
    );
    expect((shopper.body.data!.product as { replenishment: unknown }).replenishment).toBeNull();
    const anonymous = await postGraphQL(supergraph.url, ProductReplenishmentDocument, {
      id: product.id,
      serviceLevel: 0.95,
    });
    expect(codes(anonymous)).toEqual(["UNAUTHENTICATED"]);
    const bad = await postGraphQL(
      supergraph.url,
      ProductReplenishmentDocument,
      { id: product.id, serviceLevel: 1.5 },
      opsHeaders,
    );
    expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
  });

  it("keeps the model counters for ops only", async () => {
    const anonymous = await postGraphQL(supergraph.url, LogisticsModelsDocument);
    expect(codes(anonymous)).toEqual(["UNAUTHENTICATED"]);
    const shopper = await postGraphQL(
      supergraph.url,
      LogisticsModelsDocument,
      {},
      {
        authorization: `Bearer ${await signToken({ user: "1", scopes: ["shopper"] })}`,
      },
    );
    expect(codes(shopper)).toEqual(["FORBIDDEN"]);
  });

  describe("tracking", () => {
    const active = seedActiveShipments(logistics, 2_000, Date.now());
    const record = (events: Record<string, unknown>[]) =>
      postGraphQL(supergraph.url, RecordShipmentEventsDocument, { events }, opsHeaders);
    type Results = {
      applied: number;
      duplicates: number;
      rejected: number;
      results: { outcome: string; reason: string | null }[];
    };

    it("applies valid scans, rejects bad ones per event with a reason, and is idempotent on replay", async () => {
      const shipment = active[0]!;
      const t = Date.now();
      const events = [
        { eventId: "ev-1", shipmentId: shipment.id, kind: "PICKED", at: new Date(t).toISOString() },
        {
          eventId: "ev-2",
          shipmentId: shipment.id,
          kind: "IN_TRANSIT_AT_HUB",
          at: new Date(t + 1_000).toISOString(),
        },
        { eventId: "ev-3", shipmentId: "t-nope", kind: "PICKED", at: new Date(t).toISOString() },
        { eventId: "ev-4", shipmentId: shipment.id, kind: "PICKED", at: new Date(t + 2_000).toISOString() },
        {
          eventId: "ev-5",
          shipmentId: shipment.id,
          kind: "EXCEPTION",
          at: new Date(t - 60_000).toISOString(),
          detail: "late",
        },
        {
          eventId: "ev-6",
          shipmentId: shipment.id,
          kind: "OUT_FOR_DELIVERY",
          at: new Date(t + 86_400_000).toISOString(),
        },
      ];
      const first = await record(events);
      expect(first.body.errors).toBeUndefined();
      const result = first.body.data!.recordShipmentEvent as Results;
      expect(result.results.map((r) => r.outcome)).toEqual([
        "APPLIED",
        "APPLIED",
        "REJECTED",
        "REJECTED",
        "REJECTED",
        "REJECTED",
      ]);
      expect(result.results.map((r) => r.reason)).toEqual([
        null,
        null,
        "unknown shipment",
        "out of order: PICKED after IN_TRANSIT_AT_HUB",
        expect.stringMatching(/earlier than the last scan/),
        "scan time is in the future",
      ]);
      const replay = (await record(events.slice(0, 2))).body.data!.recordShipmentEvent as Results;
      expect(replay).toMatchObject({ applied: 0, duplicates: 2, rejected: 0 });

      const tracked = await postGraphQL(
        supergraph.url,
        ShipmentTrackingDocument,
        { id: shipment.id },
        opsHeaders,
      );
      expect(tracked.body.errors).toBeUndefined();
      const view = tracked.body.data!.shipment as {
        status: string;
        events: { eventId: string; hub: string | null }[];
        estimatedArrival: { p50Date: string; p90Date: string; onTimeProbability: number; delivered: boolean };
      };
      expect(view.status).toBe("IN_TRANSIT_AT_HUB");
      expect(view.events.map((e) => e.eventId)).toEqual(["ev-1", "ev-2"]);
      expect(view.events[1]!.hub).toBe(`${shipment.carrierId}:${shipment.destRegion}`);
      expect(view.estimatedArrival.delivered).toBe(false);
      expect(view.estimatedArrival.p50Date <= view.estimatedArrival.p90Date).toBe(true);
      expect(view.estimatedArrival.p50Date >= new Date().toISOString().slice(0, 10)).toBe(true);

      const shopper = await postGraphQL(
        supergraph.url,
        RecordShipmentEventsDocument,
        { events: events.slice(0, 1) },
        {
          authorization: `Bearer ${await signToken({ user: "1", scopes: ["shopper"] })}`,
        },
      );
      expect(codes(shopper)).toEqual(["FORBIDDEN"]);
    });

    it("shifts estimates for new orders when a hub backs up", async () => {
      const product = world.products.find((p) => (logistics.product(p.id)?.totalStock ?? 0) > 10)!;
      const options = async () => {
        const result = await postGraphQL(supergraph.url, CartDeliveryOptionsDocument, {
          items: [{ productId: product.id, quantity: 1 }],
          destination: DENVER,
        });
        expect(result.body.errors).toBeUndefined();
        const estimate = result.body.data!.deliveryOptions as {
          options: (Option & { carrier: { id: string }; p50Days: number })[];
        };
        return new Map(estimate.options.map((o) => [`${o.carrier.id}:${o.service}`, o.p50Days]));
      };
      const before = await options();
      const toDenverHub = active
        .filter((s) => s.carrierId === "swiftship" && s.destRegion === 8)
        .slice(1, 61);
      expect(toDenverHub.length).toBeGreaterThanOrEqual(40);
      const t = Date.now();
      const scans = toDenverHub.flatMap((s, i) => [
        { eventId: `bk-${i}-a`, shipmentId: s.id, kind: "PICKED", at: new Date(t).toISOString() },
        {
          eventId: `bk-${i}-b`,
          shipmentId: s.id,
          kind: "IN_TRANSIT_AT_HUB",
          at: new Date(t + 1_000).toISOString(),
        },
      ]);
      const recorded = (await record(scans)).body.data!.recordShipmentEvent as Results;
      expect(recorded.applied).toBe(scans.length);
      const after = await options();
      expect(after.get("swiftship:GROUND")!).toBeGreaterThan(before.get("swiftship:GROUND")! * 1.1);
      expect(after.get("parcelpost:GROUND")).toBe(before.get("parcelpost:GROUND"));
    });
  });
});
