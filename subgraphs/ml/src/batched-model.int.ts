import {
  createLogger,
  startSubgraph,
  type RequestContext,
  type RunningServer,
  type SubgraphDefinition,
} from "@aisle/kit";
import {
  GraphQLFloat,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchedModel } from "./batched-model.ts";
import { ModelRegistry } from "./model-registry.ts";
import {
  platformTestContract,
  type PlatformTestResult,
  type PlatformTestRow,
} from "./platform-test.model.ts";

let model: BatchedModel<PlatformTestRow, PlatformTestResult>;
let server: RunningServer;

/** A throwaway subgraph whose field `classify` goes through the model's per-request loader. */
const testSubgraph: SubgraphDefinition = {
  name: "ml-test",
  defaultPort: 0,
  async create() {
    model = await BatchedModel.create(await ModelRegistry.load(), "platform-test", platformTestContract);
    const Classification = new GraphQLObjectType({
      name: "Classification",
      description: "A prediction of the platform test model",
      fields: {
        label: { type: new GraphQLNonNull(GraphQLInt), description: "Most likely class" },
        probabilities: { type: new GraphQLList(GraphQLFloat), description: "Class probabilities" },
      },
    });
    const Query = new GraphQLObjectType<unknown, RequestContext>({
      name: "Query",
      description: "Root",
      fields: {
        classify: {
          type: Classification,
          description: "Classifies one row",
          args: {
            features: { type: new GraphQLList(new GraphQLNonNull(GraphQLFloat)), description: "6 features" },
            categoryId: { type: new GraphQLNonNull(GraphQLInt), description: "Category id" },
          },
          resolve: (_source, args: { features: number[]; categoryId: number }, context) =>
            model.load(context, { features: args.features, categoryId: args.categoryId }),
        },
      },
    });
    return {
      schema: new GraphQLSchema({ query: Query }),
      readiness: [model.readiness()],
      close: () => model.close(),
    };
  },
};

async function query(
  source: string,
): Promise<{ data?: Record<string, unknown>; errors?: { path: string[]; extensions: { code: string } }[] }> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: source }),
  });
  return (await response.json()) as never;
}

beforeAll(async () => {
  server = await startSubgraph(testSubgraph, {
    port: 0,
    env: { NODE_ENV: "test" },
    log: createLogger("test", "silent"),
  });
});
afterAll(async () => {
  await server.close();
});

describe("BatchedModel through GraphQL", () => {
  it("runs the model once per request for every field that asks, and fails a bad row alone", async () => {
    model.resetStats();
    const f = "[0.1, -0.4, 1.2, 0.3, -1.1, 0.7]";
    const result = await query(`{
      a: classify(features: ${f}, categoryId: 1) { label probabilities }
      b: classify(features: ${f}, categoryId: 2) { label }
      c: classify(features: ${f}, categoryId: 3) { label }
      bad: classify(features: ${f}, categoryId: -1) { label }
      d: classify(features: ${f}, categoryId: 15) { label }
    }`);
    expect(model.stats).toMatchObject({ runs: 1, rows: 4, rejectedRows: 1 });
    expect(result.data?.["bad"]).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]).toMatchObject({ path: ["bad"], extensions: { code: "BAD_USER_INPUT" } });
    for (const alias of ["a", "b", "c", "d"])
      expect(result.data?.[alias]).toMatchObject({ label: expect.any(Number) });
    const probabilities = (result.data?.["a"] as { probabilities: number[] }).probabilities;
    expect(probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);

    await query(`{ x: classify(features: ${f}, categoryId: 1) { label } }`);
    expect(model.stats.runs).toBe(2); // a second request: a batch of its own
  });

  it("reports the model in the readiness check", async () => {
    const response = await fetch(new URL("/readyz", server.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ checks: { "model:platform-test": "ok" } });
  });
});
