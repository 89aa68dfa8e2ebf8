import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics of this process. One registry per process, not per server: the demo runs the gateway
 * and every subgraph in one process, so each metric is created once here and the series of each server
 * carry a `server` label (model and feature-store series carry `model` / `store`). Every server of a
 * process answers `/metrics` with the whole registry; in a deployment each server is its own process.
 */
export const metricsRegistry = new Registry();

// Event-loop delay (nodejs_eventloop_lag_*), heap, GC, handles: prom-client's defaults, once per process.
collectDefaultMetrics({ register: metricsRegistry, eventLoopMonitoringPrecision: 20 });

const seconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const graphqlRequests = new Counter({
  name: "aisle_graphql_requests_total",
  help: "GraphQL requests answered, by server, operation name and code (OK or the first error's extensions.code)",
  labelNames: ["server", "operation", "code"] as const,
  registers: [metricsRegistry],
});

export const graphqlRequestSeconds = new Histogram({
  name: "aisle_graphql_request_duration_seconds",
  help: "Time from receiving a GraphQL request to sending its response, by server, operation and code",
  labelNames: ["server", "operation", "code"] as const,
  buckets: seconds,
  registers: [metricsRegistry],
});

export const subgraphFetchSeconds = new Histogram({
  name: "aisle_subgraph_fetch_duration_seconds",
  help: "Gateway to subgraph fetches: time to a complete answer, by subgraph and outcome (ok, error)",
  labelNames: ["subgraph", "outcome"] as const,
  buckets: seconds,
  registers: [metricsRegistry],
});

export const subgraphFetchErrors = new Counter({
  name: "aisle_subgraph_fetch_errors_total",
  help: "Gateway to subgraph fetches that got no GraphQL answer, by subgraph and code (TIMEOUT, UNAVAILABLE)",
  labelNames: ["subgraph", "code"] as const,
  registers: [metricsRegistry],
});

export const modelRunRows = new Histogram({
  name: "aisle_model_run_rows",
  help: "Rows per model run (one session.run), by model",
  labelNames: ["model"] as const,
  buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  registers: [metricsRegistry],
});

export const modelRunSeconds = new Histogram({
  name: "aisle_model_run_duration_seconds",
  help: "Model run latency (queueing in the runner included), by model and outcome (ok, error)",
  labelNames: ["model", "outcome"] as const,
  buckets: seconds,
  registers: [metricsRegistry],
});

export const featureReads = new Counter({
  name: "aisle_feature_reads_total",
  help: "Feature-store records read, by store and result: hit (a stored value), miss (defaults), stale (an old cached value while the backend is down)",
  labelNames: ["store", "result"] as const,
  registers: [metricsRegistry],
});

export const featureDegradedReads = new Counter({
  name: "aisle_feature_degraded_reads_total",
  help: "Feature-store reads answered degraded (backend down, or the set not built), by store",
  labelNames: ["store"] as const,
  registers: [metricsRegistry],
});

export const eventStreamLagSeconds = new Gauge({
  name: "aisle_event_stream_lag_seconds",
  help: "How far the feature updater is behind its event stream: age of the oldest event of the last batch when applied (0 when idle), by stream",
  labelNames: ["stream"] as const,
  registers: [metricsRegistry],
});

export const rateLimitRejections = new Counter({
  name: "aisle_rate_limit_rejections_total",
  help: "Requests refused by the gateway's rate limiter, by caller class",
  labelNames: ["caller_class"] as const,
  registers: [metricsRegistry],
});

/** Operation names come from clients: keep the label set bounded and printable. */
function operationLabel(name: string | null | undefined): string {
  if (name === undefined || name === null || name === "") return "anonymous";
  return /^[_A-Za-z][_0-9A-Za-z]{0,63}$/.test(name) ? name : "invalid";
}

/** Counts and times every GraphQL request of one server, by operation name and code. */
export function requestMetricsPlugin<TContext extends BaseContext>(
  server: string,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      let operation = "anonymous";
      return {
        async didResolveOperation({ operationName }) {
          operation = operationLabel(operationName);
        },
        async willSendResponse({ response, errors }) {
          const body = response.body.kind === "single" ? response.body.singleResult : undefined;
          const first = errors?.[0] ?? body?.errors?.[0];
          const rawCode = first?.extensions?.["code"];
          const code = first === undefined ? "OK" : typeof rawCode === "string" ? rawCode : "ERROR";
          const labels = { server, operation, code };
          graphqlRequests.inc(labels);
          graphqlRequestSeconds.observe(labels, (performance.now() - started) / 1000);
        },
      };
    },
  };
}

/** The text a scrape of `/metrics` receives, with its content type. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}
