import { describe, expect, it } from "vitest";
import { degradedPaths, Timeline } from "./load.ts";

describe("degradedPaths", () => {
  it("names each object saying degraded: true once, list indexes folded", () => {
    const data = {
      productsByCategory: {
        edges: [
          { node: { price: { degraded: true }, deliveryEstimate: { degraded: false } } },
          { node: { price: { degraded: true }, deliveryEstimate: { degraded: true } } },
        ],
      },
      assessPayment: { degraded: false },
    };
    expect(degradedPaths(data).sort()).toEqual([
      "productsByCategory.edges.*.node.deliveryEstimate",
      "productsByCategory.edges.*.node.price",
    ]);
    expect(degradedPaths({ assessPayment: { degraded: true } })).toEqual(["assessPayment"]);
    expect(degradedPaths(null)).toEqual([]);
  });
});

describe("Timeline.downDuring", () => {
  it("counts an outage down from its kill to the end of its phase, overlapping the request", () => {
    const timeline = new Timeline();
    timeline.outages.push({ dependency: "pricing", killAt: 100, returnAt: 200, endAt: 300 });
    timeline.outages.push({ dependency: "logistics", killAt: 300, returnAt: null, endAt: null });
    expect([...timeline.downDuring(50, 99)]).toEqual([]);
    expect([...timeline.downDuring(50, 150)]).toEqual(["pricing"]);
    expect([...timeline.downDuring(250, 310)]).toEqual(["pricing", "logistics"]);
    expect([...timeline.downDuring(301, 5_000)]).toEqual(["logistics"]);
  });
});
