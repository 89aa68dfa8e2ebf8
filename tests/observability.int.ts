import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InMemorySpanExporter,
  installTracing,
  SimpleSpanProcessor,
  stopTracing,
  type ReadableSpan,
} from "@aisle/kit";
import { pricingModels } from "@aisle/pricing";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import { PricedListingDocument } from "../operations/__generated__/graphql.ts";
import { postGraphQL } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

// Traces only: nothing here reads OpenTelemetry metrics or logs.
process.env["OTEL_METRICS_EXPORTER"] = "none";
process.env["OTEL_LOGS_EXPORTER"] = "none";

/** The sum of the samples of `name` whose labels include `labels`, read from a Prometheus text page. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of page.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (wanted) total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

async function scrape(graphqlUrl: string): Promise<{ status: number; type: string; page: string }> {
  const response = await fetch(new URL("/metrics", graphqlUrl));
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    page: await response.text(),
  };
}

const LISTING = { categoryId: "c-electronics", first: 20, context: { currency: "USD", region: "US" } };

describe("metrics and traces through the gateway", () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  let supergraph: LocalSupergraph;

  beforeAll(async () => {
    // Before any server starts: the servers then find a provider registered and add none of their own.
    expect(installTracing("aisle-test", [processor])).toBe(true);
    supergraph = await startLocalSupergraph({
      port: 0,
      log: testLog,
      env: { ...process.env, ML_TIMEOUT_MS_PRICING: "30000", OTEL_EXPORTER_OTLP_ENDPOINT: "" },
    });
  });
  afterAll(async () => {
    await supergraph?.close();
    await stopTracing();
  });

  it("serves /metrics in Prometheus text format on the gateway and on a subgraph", async () => {
    for (const url of [supergraph.url, supergraph.subgraphs["pricing"] as string]) {
      const { status, type, page } = await scrape(url);
      expect(status).toBe(200);
      expect(type).toContain("text/plain");
      // Event-loop delay comes with the default metrics.
      expect(page).toContain("# TYPE nodejs_eventloop_lag_seconds gauge");
      expect(page).toContain("# TYPE aisle_graphql_requests_total counter");
    }
  });

  it("counts the request by operation and code, the subgraph fetch and the model run with its rows", async () => {
    const model = pricingModels()[0];
    expect(model).toBeDefined();
    const modelLabel = { model: model!.name };
    const before = (await scrape(supergraph.url)).page;

    const result = await postGraphQL(supergraph.url, PricedListingDocument, LISTING);
    expect(result.body.errors).toBeUndefined();

    const after = (await scrape(supergraph.url)).page;
    const gatewayRequest = { server: "gateway", operation: "PricedListing", code: "OK" };
    expect(sample(after, "aisle_graphql_requests_total", gatewayRequest)).toBe(
      sample(before, "aisle_graphql_requests_total", gatewayRequest) + 1,
    );
    expect(sample(after, "aisle_graphql_request_duration_seconds_count", gatewayRequest)).toBe(
      sample(before, "aisle_graphql_request_duration_seconds_count", gatewayRequest) + 1,
    );
    // The subgraph's own series (same process here, so the same page), labelled by server.
    expect(sample(after, "aisle_graphql_requests_total", { server: "pricing", code: "OK" })).toBeGreaterThan(
      sample(before, "aisle_graphql_requests_total", { server: "pricing", code: "OK" }),
    );
    const pricingFetch = { subgraph: "pricing", outcome: "ok" };
    expect(sample(after, "aisle_subgraph_fetch_duration_seconds_count", pricingFetch)).toBeGreaterThan(
      sample(before, "aisle_subgraph_fetch_duration_seconds_count", pricingFetch),
    );
    expect(sample(after, "aisle_model_run_rows_count", modelLabel)).toBeGreaterThan(
      sample(before, "aisle_model_run_rows_count", modelLabel),
    );
    // 20 products priced: at least 20 rows more went through the model.
    expect(sample(after, "aisle_model_run_rows_sum", modelLabel)).toBeGreaterThanOrEqual(
      sample(before, "aisle_model_run_rows_sum", modelLabel) + 20,
    );
    expect(
      sample(after, "aisle_model_run_duration_seconds_count", { ...modelLabel, outcome: "ok" }),
    ).toBeGreaterThan(
      sample(before, "aisle_model_run_duration_seconds_count", { ...modelLabel, outcome: "ok" }),
    );
  });

  it("counts a request refused with its code", async () => {
    const refused = { server: "gateway", operation: "anonymous", code: "GRAPHQL_VALIDATION_FAILED" };
    const before = sample((await scrape(supergraph.url)).page, "aisle_graphql_requests_total", refused);
    const result = await postGraphQL(supergraph.url, "{ noSuchField }");
    expect(result.status).toBe(400);
    const after = sample((await scrape(supergraph.url)).page, "aisle_graphql_requests_total", refused);
    expect(after).toBe(before + 1);
  });

  it("makes one trace of a request: caller → gateway → subgraph fetch → subgraph → loader batch → model run", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpanId = "00f067aa0ba902b7";
    exporter.reset();
    // A new source text: the gateway plans it afresh (plans are cached by text), so planning shows too.
    const query = `${print(PricedListingDocument)}\n# traced`;
    const result = await postGraphQL(supergraph.url, query, LISTING, {
      traceparent: `00-${traceId}-${callerSpanId}-01`,
    });
    expect(result.body.errors).toBeUndefined();
    await processor.forceFlush();

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (span: ReadableSpan): ReadableSpan | undefined =>
      byId.get(span.parentSpanContext?.spanId ?? "");
    const ancestry = (span: ReadableSpan): string[] => {
      const names: string[] = [];
      for (let s = parentOf(span); s !== undefined; s = parentOf(s)) names.push(s.name);
      return names;
    };

    const gateway = spans.find((s) => s.attributes["aisle.server"] === "gateway");
    expect(gateway?.parentSpanContext?.spanId).toBe(callerSpanId);
    // @apollo/gateway's own spans (planning, execution) sit in the same trace, under the request's span.
    const plan = spans.find((s) => s.name === "gateway.plan");
    expect(plan).toBeDefined();
    expect(ancestry(plan!)).toContain(gateway!.name);
    expect(spans.map((s) => s.name)).toContain("gateway.execute");

    const fetch = spans.find((s) => s.name === "subgraph.fetch pricing");
    expect(fetch).toBeDefined();
    const pricingServer = spans.find((s) => s.attributes["aisle.server"] === "pricing");
    expect(pricingServer).toBeDefined();
    // The subgraph's request span is a child of the gateway's fetch span: the traceparent crossed HTTP.
    expect(pricingServer!.parentSpanContext?.spanId).toBe(fetch!.spanContext().spanId);

    const run = spans.find((s) => s.name === `model.run ${pricingModels()[0]!.name}`);
    expect(run).toBeDefined();
    // Each run says how many rows it took; the 20 products priced went through the model.
    const runs = spans.filter((s) => s.name === run!.name);
    const sizes = runs.map((s) => s.attributes["aisle.model.batch_size"]);
    expect(sizes.every((n) => typeof n === "number" && n >= 1)).toBe(true);
    expect(sizes.reduce<number>((a, n) => a + (n as number), 0)).toBeGreaterThanOrEqual(20);
    const chain = ancestry(run!);
    expect(chain.some((name) => name.startsWith("loader.batch"))).toBe(true);
    expect(chain).toContain(pricingServer!.name);
    expect(chain).toContain("subgraph.fetch pricing");
    expect(chain).toContain(gateway!.name);
  });
});
