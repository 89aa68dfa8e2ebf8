import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { print } from "graphql";
import autocannon from "autocannon";
import { catalogSubgraph } from "@aisle/catalog";
import { signToken, startGateway } from "@aisle/gateway";
import { createLogger, modelRunSeconds, startSubgraph, type RunningServer } from "@aisle/kit";
import { recommendationRuntime, recommendationSubgraph } from "@aisle/recommendation";
import { decodeActivity, userProfileRuntime, userProfileSubgraph } from "@aisle/user-profile";
import { demoBehaviour, demoWorld } from "@aisle/world";
import { HomeFeedDocument, RecordEventsDocument } from "../operations/__generated__/graphql.ts";
import { median, type LoadOptions } from "./lib/load.ts";

const log = createLogger("bench", "warn");

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round2(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN);
}
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Seconds spent inside model runs so far (the kit's histogram of `session.run`), by model. */
async function modelRunSecondsByModel(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await modelRunSeconds.get()).values) {
    if (v.metricName !== "aisle_model_run_duration_seconds_sum") continue;
    const model = String(v.labels["model"]);
    out[model] = (out[model] ?? 0) + v.value;
  }
  return out;
}

async function post(
  url: string,
  body: string,
  token: string,
): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body,
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

/**
 * The home feed (me + 20 recommendations with title and image) through the gateway, with catalog, user-profile
 * and recommendation in this process (embedded defaults), so model and subgraph call counters can be read:
 *
 * - requests/s, p50, p99 of the HomeFeed operation (autocannon, rounds, median);
 * - share of the recommendation resolver's time spent waiting for model runs;
 * - subgraph calls and model runs per request, for first = 10, 20 and 40 (they must not grow with the list);
 * - the models' share of CPU time under load: seconds inside `session.run` (the kit's model-run histogram;
 *   runs are in-thread, so this is CPU) over the process's CPU seconds (gateway, the three subgraphs and the
 *   autocannon client all live in this process, so the share of the feed's own CPU is higher than this);
 * - freshness: recordEvents → visible in the user's features (client-measured, and the updater's own figure),
 *   and → the feed changing for a new user;
 * - the ANN index: recall@100 against exact search, and the speedup per query.
 */
export async function runRecommendationBench(options: LoadOptions & { rounds: number }): Promise<unknown> {
  const started: RunningServer[] = [];
  const subgraphs: Record<string, string> = {};
  for (const definition of [catalogSubgraph, userProfileSubgraph, recommendationSubgraph]) {
    const running = await startSubgraph(definition, {
      port: 0,
      log,
      env: { ...process.env, LOG_LEVEL: "warn" },
    });
    started.push(running);
    subgraphs[definition.name] = running.url;
  }
  const gateway = await startGateway({
    subgraphUrls: subgraphs,
    port: 0,
    log,
    env: { ...process.env, LOG_LEVEL: "warn" },
  });
  const portToName = new Map(
    Object.entries(subgraphs).map(([name, url]) => [Number(new URL(url).port), name]),
  );
  const calls = new Map<string, number>();
  const onRequest = (message: unknown) => {
    const { server } = message as { request: IncomingMessage; server: Server };
    const name = portToName.get((server.address() as AddressInfo).port);
    if (name !== undefined) calls.set(name, (calls.get(name) ?? 0) + 1);
  };
  subscribe("http.server.request.start", onRequest);
  try {
    const world = demoWorld();
    const behaviour = demoBehaviour();
    const regular = world.users.find((u) => behaviour.events(u.id).length > 30)!;
    const token = await signToken({ user: regular.id, scopes: ["shopper"] });
    const service = recommendationRuntime.service!;
    const models = recommendationRuntime.models!;
    const body = (first: number) => JSON.stringify({ query: print(HomeFeedDocument), variables: { first } });
    const check = await post(gateway.url, body(20), token);
    if (check.errors !== undefined)
      throw new Error(`HomeFeed failed: ${JSON.stringify(check.errors).slice(0, 300)}`);

    // Calls per request for growing list sizes.
    const perRequest: Record<string, unknown> = {};
    for (const first of [10, 20, 40]) {
      calls.clear();
      models.userTower.resetStats();
      models.ranker?.resetStats();
      models.itemTower.resetStats();
      const n = 20;
      for (let i = 0; i < n; i++) await post(gateway.url, body(first), token);
      perRequest[`first=${first}`] = {
        userEncoderSequenceLength: "dynamic (the user's history, at most the model's maxLen)",
        subgraphCalls: Object.fromEntries([...calls].map(([k, v]) => [k, round2(v / n)])),
        modelRuns: {
          "rec-user-tower": models.userTower.stats.runs / n,
          "rec-ranker": (models.ranker?.stats.runs ?? 0) / n,
          "rec-item-tower": models.itemTower.stats.runs / n,
        },
        rankedCandidatesPerRequest: Math.round((models.ranker?.stats.rows ?? 0) / n),
      };
    }

    // Throughput and latency.
    const rounds: {
      requestsPerSecond: number;
      latencyP50Ms: number;
      latencyP99Ms: number;
      errors: number;
      requests: number;
    }[] = [];
    const loadOnce = async (duration: number) => {
      const result = await autocannon({
        url: gateway.url,
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: body(20),
        connections: options.connections,
        duration,
      });
      return {
        requestsPerSecond: Math.round(result.requests.average),
        latencyP50Ms: result.latency.p50,
        latencyP99Ms: result.latency.p99,
        errors: result.errors + result.timeouts + result.non2xx,
        requests: result.requests.total,
      };
    };
    await loadOnce(2);
    service.timings.requests = 0;
    service.timings.totalMs = 0;
    service.timings.modelMs = 0;
    const runBefore = await modelRunSecondsByModel();
    const cpuBefore = process.cpuUsage();
    for (let r = 0; r < options.rounds; r++) {
      const result = await loadOnce(options.durationSeconds);
      process.stderr.write(
        `  round ${r + 1}: ${result.requestsPerSecond} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms\n`,
      );
      rounds.push(result);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const runAfter = await modelRunSecondsByModel();
    const loadRequests = rounds.reduce((s, r) => s + r.requests, 0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const runSeconds = Object.fromEntries(
      Object.entries(runAfter)
        .filter(([model]) => model.startsWith("rec-"))
        .map(([model, v]) => [model, v - (runBefore[model] ?? 0)]),
    );
    const insideRuns = Object.values(runSeconds).reduce((a, b) => a + b, 0);
    const cpuShare = {
      requests: loadRequests,
      processCpuMsPerRequest: round2((cpuSeconds * 1000) / Math.max(1, loadRequests)),
      sessionRunMsPerRequest: round2((insideRuns * 1000) / Math.max(1, loadRequests)),
      sessionRunMsPerRequestByModel: Object.fromEntries(
        Object.entries(runSeconds).map(([m, v]) => [m, round2((v * 1000) / Math.max(1, loadRequests))]),
      ),
      modelShareOfProcessCpu: round2(insideRuns / Math.max(1e-9, cpuSeconds)),
      note: "process CPU = gateway + catalog + user-profile + recommendation + the autocannon client, all in this process",
    };
    const modelShare = round2(service.timings.modelMs / service.timings.totalMs);

    // Unloaded: sequential requests, and the pure cost of the two model runs of one request (same row counts).
    const sequential: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await post(gateway.url, body(20), token);
      sequential.push(performance.now() - t0);
    }
    const rankerRows = Array.from({ length: 300 }, () => ({
      dense: new Array<number>(12).fill(0.1),
      catIds: [1, 2, 3],
    }));
    const towerRow = {
      itemIds: [1, 2, 3],
      attrIds: [
        [1, 2, 3, 4, 5],
        [1, 2, 3, 4, 5],
        [1, 2, 3, 4, 5],
      ],
      typeIds: [1, 2, 1],
      profile: [0.5, 0.1],
    };
    const pure: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await models.userTower.predictBatch([towerRow]);
      await models.ranker?.predictBatch(rankerRows);
      pure.push(performance.now() - t0);
    }

    // Freshness: recorded event → visible in the features (client side), and → a new user's feed changing.
    const behaviourParts = userProfileRuntime.behaviour!;
    behaviourParts.updater.resetStats();
    const freshUser = world.users.find((u) => behaviour.events(u.id).length > 0 && u.id !== regular.id)!;
    const freshToken = await signToken({ user: freshUser.id, scopes: ["shopper"] });
    const eventToFeature: number[] = [];
    const product = world.products[5]!;
    for (let i = 0; i < 40; i++) {
      const before = decodeActivity((await behaviourParts.activity.read([freshUser.id])).values[0]!).counts
        .clicks;
      const t0 = performance.now();
      await post(
        gateway.url,
        JSON.stringify({
          query: print(RecordEventsDocument),
          variables: {
            events: [
              {
                id: `bench-${Date.now()}-${i}`,
                type: "click",
                productId: product.id,
                occurredAt: new Date().toISOString(),
              },
            ],
          },
        }),
        freshToken,
      );
      for (;;) {
        const now = decodeActivity((await behaviourParts.activity.read([freshUser.id])).values[0]!).counts
          .clicks;
        if (now > before) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      eventToFeature.push(performance.now() - t0);
    }
    const newcomers = world.users.filter((u) => behaviour.events(u.id).length === 0).slice(0, 5);
    const eventToFeed: number[] = [];
    for (const [k, user] of newcomers.entries()) {
      const t = await signToken({ user: user.id, scopes: ["shopper"] });
      const feedOf = async () =>
        JSON.stringify(
          ((await post(gateway.url, body(20), t)).data?.["me"] as { recommendations: unknown })
            .recommendations,
        );
      const before = await feedOf();
      const leafProducts = world.products
        .filter((p) => p.categoryId === world.products[k * 7]!.categoryId)
        .slice(0, 3);
      const t0 = performance.now();
      await post(
        gateway.url,
        JSON.stringify({
          query: print(RecordEventsDocument),
          variables: {
            events: leafProducts.map((p, i) => ({
              id: `bench-feed-${k}-${i}`,
              type: "click",
              productId: p.id,
              occurredAt: new Date().toISOString(),
            })),
          },
        }),
        t,
      );
      while ((await feedOf()) === before) await new Promise((resolve) => setTimeout(resolve, 5));
      eventToFeed.push(performance.now() - t0);
    }

    // ANN recall@100 against exact search, and speed.
    const index = service.itemIndex;
    const queries = world.products
      .slice(0, 200)
      .map((p) => index.vector(p.id)!)
      .filter(Boolean);
    let found = 0;
    let annMs = 0;
    let exactMs = 0;
    for (const q of queries) {
      const t0 = performance.now();
      const ann = index.search(q, 100);
      const t1 = performance.now();
      const exact = index.exact(q, 100);
      const t2 = performance.now();
      annMs += t1 - t0;
      exactMs += t2 - t1;
      const truth = new Set(exact.map((n) => n.id));
      found += ann.filter((n) => truth.has(n.id)).length;
    }

    return {
      operation: "HomeFeed (me + 20 recommendations with title and image), through the gateway",
      settings: options,
      items: index.size,
      rounds,
      summary: {
        requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
        latencyP50Ms: median(rounds.map((r) => r.latencyP50Ms)),
        latencyP99Ms: median(rounds.map((r) => r.latencyP99Ms)),
        modelTimeShareOfResolver: modelShare,
        modelMsPerRequest: round2(service.timings.modelMs / Math.max(1, service.timings.requests)),
        resolverMsPerRequest: round2(service.timings.totalMs / Math.max(1, service.timings.requests)),
        sequentialLatencyP50Ms: percentile(sequential, 0.5),
        modelRunsMsPerRequest: percentile(pure, 0.5),
        modelRunShareOfSequentialLatency: round2(percentile(pure, 0.5) / percentile(sequential, 0.5)),
      },
      callsPerRequest: perRequest,
      cpuUnderLoad: cpuShare,
      freshness: {
        eventToFeatureClientP50Ms: percentile(eventToFeature, 0.5),
        eventToFeatureClientP99Ms: percentile(eventToFeature, 0.99),
        updaterP50Ms: behaviourParts.updater.stats.latencyP50Ms,
        updaterP99Ms: behaviourParts.updater.stats.latencyP99Ms,
        eventToChangedFeedP50Ms: percentile(eventToFeed, 0.5),
        eventToChangedFeedMaxMs: round2(Math.max(...eventToFeed)),
        samples: { features: eventToFeature.length, feeds: eventToFeed.length },
      },
      ann: {
        queries: queries.length,
        recallAt100: round2(found / (queries.length * 100)),
        annMsPerQuery: round2(annMs / queries.length),
        exactMsPerQuery: round2(exactMs / queries.length),
        speedup: round2(exactMs / annMs),
      },
    };
  } finally {
    unsubscribe("http.server.request.start", onRequest);
    await gateway.close();
    await Promise.all(started.map((s) => s.close()));
  }
}
