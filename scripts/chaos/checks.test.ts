import { describe, expect, it } from "vitest";
import { fieldOf, judge, withPrefixes, type FieldSpec, type GraphQLBody } from "./checks.ts";

const node = "productsByCategory.edges[].node";
const listing: FieldSpec[] = [
  { path: `${node}.id`, deps: [] },
  { path: `${node}.price`, deps: ["pricing"] },
  { path: `${node}.similar`, deps: ["recommendation"] },
];
const feed: FieldSpec[] = [
  { path: "me", deps: ["user-profile"] },
  { path: "me.id", deps: [] },
  { path: "me.recommendations", deps: ["recommendation"] },
  { path: "me.recommendations[].product.title", deps: [] },
];
const page = (nodes: unknown[]): GraphQLBody => ({
  data: { productsByCategory: { edges: nodes.map((n) => ({ node: n })) } },
});
const unavailable = (path?: (string | number)[]) => ({
  message: "Subgraph pricing is unavailable",
  ...(path === undefined ? {} : { path }),
  extensions: { code: "UNAVAILABLE" },
});
const none = new Set<string>();

describe("judge", () => {
  it("calls an answer with every checked field and no errors whole", () => {
    const body = page([{ id: "p-1", price: { x: 1 }, similar: [] }]);
    expect(judge(200, body, listing, none)).toEqual({ whole: true, partial: [], violations: [] });
  });

  it("accepts a null field of a down dependency with an UNAVAILABLE error at exactly its path", () => {
    const body = {
      ...page([{ id: "p-1", price: null, similar: [] }]),
      errors: [unavailable(["productsByCategory", "edges", 0, "node", "price"])],
    };
    const verdict = judge(200, body, listing, new Set(["pricing"]));
    expect(verdict).toEqual({
      whole: false,
      partial: ["productsByCategory.edges.0.node.price"],
      violations: [],
    });
  });

  it("refuses an outage error without a path, and the null field it leaves unexplained", () => {
    const body = { ...page([{ id: "p-1", price: null, similar: [] }]), errors: [unavailable()] };
    const verdict = judge(200, body, listing, new Set(["pricing"]));
    expect(verdict.violations).toEqual([
      "UNAVAILABLE error without a path: Subgraph pricing is unavailable",
      "productsByCategory.edges.0.node.price is null without an UNAVAILABLE/TIMEOUT error at that path",
    ]);
  });

  it("refuses a null field whose dependency is up, even with a coded error at its path", () => {
    const body = {
      ...page([{ id: "p-1", price: null, similar: [] }]),
      errors: [unavailable(["productsByCategory", "edges", 0, "node", "price"])],
    };
    expect(judge(200, body, listing, new Set(["logistics"])).violations).toEqual([
      "productsByCategory.edges.0.node.price is null (only an outage of pricing may null it)",
    ]);
  });

  it("reports an outage that nulls a whole product (a non-null foreign field) once, at the highest null", () => {
    const body = {
      data: { productsByCategory: null },
      errors: [unavailable(["productsByCategory", "edges", 0, "node", "similar"])],
    };
    expect(judge(200, body, listing, new Set(["recommendation"])).violations).toEqual([
      "productsByCategory is null (nothing may null it)",
    ]);
  });

  it("judges a declared list field once, with its own dependencies, also when a deeper spec walks it", () => {
    const body = { data: { me: { id: "7", recommendations: null } } };
    expect(judge(200, body, feed, none).violations).toEqual([
      "me.recommendations is null (only an outage of recommendation may null it)",
    ]);
    const element = { data: { me: { id: "7", recommendations: [null] } } };
    expect(judge(200, element, feed, none).violations).toEqual([
      "me.recommendations.0 is null (only an outage of recommendation may null it)",
    ]);
  });

  it("refuses any other error code, and 5xx", () => {
    const body = {
      data: { me: { id: "7", recommendations: [] } },
      errors: [{ message: "boom", path: ["me", "segments"], extensions: { code: "INTERNAL_SERVER_ERROR" } }],
    };
    expect(judge(200, body, feed, none).violations).toEqual([
      "error INTERNAL_SERVER_ERROR (path me.segments): boom",
    ]);
    expect(judge(503, { errors: [unavailable(["me"])] }, feed, none).violations[0]).toBe("HTTP 503");
  });

  it("refuses an outage error that shows internals (a raw driver message, a stack)", () => {
    const raw = {
      data: null,
      errors: [
        {
          message: "connect ECONNREFUSED 127.0.0.1:6379",
          path: ["recordEvents"],
          extensions: { code: "UNAVAILABLE" },
        },
      ],
    };
    const specs = [{ path: "recordEvents", deps: ["redis-durable"] }];
    expect(judge(200, raw, specs, new Set(["redis-durable"])).violations).toEqual([
      'UNAVAILABLE error shows internals ("ECONNREFUSED"): connect ECONNREFUSED 127.0.0.1:6379',
    ]);
    const stack = {
      data: null,
      errors: [{ ...unavailable(["recordEvents"]), extensions: { code: "UNAVAILABLE", stacktrace: ["x"] } }],
    };
    expect(judge(200, stack, specs, new Set(["redis-durable"])).violations).toEqual([
      "UNAVAILABLE error shows internals (a stack trace in extensions): Subgraph pricing is unavailable",
    ]);
  });

  it("accepts a mutation refused as a whole (null data) while its dependency is down", () => {
    const specs = [
      { path: "recordEvents", deps: ["redis-durable"] },
      { path: "recordEvents.accepted", deps: [] },
    ];
    const body = { data: null, errors: [unavailable(["recordEvents"])] };
    expect(judge(200, body, specs, new Set(["redis-durable"]))).toEqual({
      whole: false,
      partial: ["recordEvents"],
      violations: [],
    });
  });
});

describe("withPrefixes", () => {
  it("adds each undeclared prefix with no dependencies and keeps declared ones' dependencies", () => {
    const paths = withPrefixes(feed).map((s) => `${s.path}:${s.deps.join("+")}`);
    expect(paths.sort()).toEqual([
      "me.id:",
      "me.recommendations[].product.title:",
      "me.recommendations[].product:",
      "me.recommendations[]:recommendation",
      "me:user-profile",
    ]);
  });
});

describe("fieldOf", () => {
  it("folds list indexes so violations group by field", () => {
    expect(fieldOf("a.edges.12.node.price is null")).toBe("a.edges.*.node.price is null");
  });
});
