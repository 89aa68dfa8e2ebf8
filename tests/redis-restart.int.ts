import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSubgraph, type RunningServer } from "@aisle/kit";
import { pricingSubgraph } from "@aisle/pricing";
import { userProfileRuntime, userProfileSubgraph } from "@aisle/user-profile";
import { demoWorld } from "@aisle/world";
import { codes, postGraphQL, signedAs } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";
import { startOwnRedis, type OwnRedis } from "./redis-server.ts";

/*
 * Redis killed (-9) and started again empty, as the cache Redis in compose does: behaviour events, the
 * user features built from them, and pricing's product features must come back on their own, and no answer
 * may pass incomplete data off as whole meanwhile. Each test runs its own redis-server(s) on free ports.
 */

const world = demoWorld();
const shopper = world.users[3]!.id;
const products = world.products.slice(0, 40).map((p) => p.id);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const RECORD = `mutation($events: [BehaviourEventInput!]!) { recordEvents(events: $events) { accepted acceptedIds } }`;
const PROFILE = `{ me { behaviourDegraded lifetimeCounts { views } } }`;

interface Profile {
  me: { behaviourDegraded: boolean | null; lifetimeCounts: { views: number } | null };
}

let sequence = 0;
function views(count: number) {
  const now = Date.now();
  return Array.from({ length: count }, () => ({
    id: `rr-${now}-${sequence++}`,
    type: "view",
    productId: products[sequence % products.length],
    occurredAt: new Date(now - 1_000).toISOString(),
  }));
}

const asShopper = signedAs(shopper, [], "user-profile");
const record = (url: string, count: number) =>
  postGraphQL<{ recordEvents: { accepted: number; acceptedIds: string[] } }>(
    url,
    RECORD,
    { events: views(count) },
    asShopper,
  );
const profile = async (url: string) => {
  const result = await postGraphQL<Profile>(url, PROFILE, {}, asShopper);
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.me;
};

/** Polls `read` until `done` holds (bounded: a hang fails the test, the bound is no latency assertion). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${ms} ms`);
    await sleep(100);
    last = await read();
  }
  return last;
}

describe("behaviour events when their Redis restarts empty (EVENT_STREAM=redis, FEATURE_STORE=redis)", () => {
  let redis: OwnRedis;
  let server: RunningServer;
  beforeAll(async () => {
    redis = await startOwnRedis();
    server = await startSubgraph(userProfileSubgraph, {
      port: 0,
      log: testLog,
      env: {
        ...process.env,
        EVENT_STREAM: "redis",
        FEATURE_STORE: "redis",
        REDIS_URL: redis.url,
        EVENT_CONSUMER: "updater-restart-test",
        USER_FEATURE_CACHE_TTL_MS: "0",
        // A busy machine must not turn a slow read into a degraded one here.
        FEATURE_STORE_TIMEOUT_MS: "1000",
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  it("answers UNAVAILABLE while Redis is down, then the updater recreates its group and applies every accepted event", async () => {
    const before = await until(
      () => profile(server.url),
      (me) => me.behaviourDegraded === false,
      "first build",
    );
    const seeded = before.lifetimeCounts!.views;
    const first = await record(server.url, 3);
    expect(first.body.data?.recordEvents.accepted).toBe(3);
    await until(
      () => profile(server.url),
      (me) => me.lifetimeCounts!.views === seeded + 3,
      "events applied",
    );

    await redis.kill9();
    const started = Date.now();
    const down = await record(server.url, 2);
    const tookMs = Date.now() - started;
    expect(codes(down)).toEqual(["UNAVAILABLE"]);
    expect(down.body.data?.recordEvents ?? null).toBeNull();
    expect(tookMs).toBeLessThan(3_000); // generous: the bound is 500 ms; a hang would run to the test timeout

    await redis.restart();
    // Accepted only once durably appended: retry (as a client would) until Redis takes them.
    let accepted = 0;
    const after = await until(
      () => record(server.url, 4),
      (result) => result.body.data?.recordEvents.accepted === 4,
      "append after the restart",
    );
    accepted += after.body.data!.recordEvents.accepted;
    const next = await record(server.url, 5);
    accepted += next.body.data!.recordEvents.accepted;
    expect(accepted).toBe(9);

    // The stream and features went with the data: the features are rebuilt from the seed (the stream is
    // empty), then the events accepted since the restart are applied on top, none lost, none twice.
    const whole = await until(
      () => profile(server.url),
      (me) => me.behaviourDegraded === false && me.lifetimeCounts!.views === seeded + 9,
      "events after the restart applied",
    );
    expect(whole.lifetimeCounts!.views).toBe(seeded + 9);
    // The wipe is seen within a second (the marker is checked periodically): the updater rebuilds, and the
    // rebuilt record still counts each event once.
    const behaviour = userProfileRuntime.behaviour!;
    await until(
      async () => behaviour.updater.stats.rebuilds,
      (n) => n >= 2,
      "rebuild after the wipe",
    );
    expect(await profile(server.url)).toEqual({
      behaviourDegraded: false,
      lifetimeCounts: { views: seeded + 9 },
    });
    expect(await behaviour.stream.pendingCount()).toBe(0);
  });
});

describe("user features when only the feature Redis restarts empty (the stream's Redis persists)", () => {
  let streamRedis: OwnRedis;
  let featureRedis: OwnRedis;
  let server: RunningServer;
  beforeAll(async () => {
    streamRedis = await startOwnRedis();
    featureRedis = await startOwnRedis();
    server = await startSubgraph(userProfileSubgraph, {
      port: 0,
      log: testLog,
      env: {
        ...process.env,
        EVENT_STREAM: "redis",
        EVENT_STREAM_REDIS_URL: streamRedis.url,
        FEATURE_STORE: "redis",
        REDIS_URL: featureRedis.url,
        EVENT_CONSUMER: "updater-wipe-test",
        USER_FEATURE_CACHE_TTL_MS: "0",
        // A busy machine must not turn a slow read into a degraded one here.
        FEATURE_STORE_TIMEOUT_MS: "1000",
        // The test drives the updater, so that the degraded window can be seen before the rebuild.
        FEATURE_UPDATER: "false",
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await streamRedis?.stop();
    await featureRedis?.stop();
  });

  it("is detected: answers are degraded until rebuilt from the event stream, then whole again", async () => {
    const behaviour = userProfileRuntime.behaviour!;
    const { updater } = behaviour;
    expect(await behaviour.store.connect(5_000)).toBe(true);
    expect(await updater.ensureBuilt()).toBe("rebuilt");
    const seeded = (await profile(server.url)).lifetimeCounts!.views;
    const recorded = await record(server.url, 6);
    expect(recorded.body.data?.recordEvents.accepted).toBe(6);
    while ((await updater.runOnce(0)) > 0);
    expect(await profile(server.url)).toEqual({
      behaviourDegraded: false,
      lifetimeCounts: { views: seeded + 6 },
    });

    await featureRedis.kill9();
    await featureRedis.restart();
    expect(await behaviour.store.connect(10_000)).toBe(true);
    // Without the marker, the wiped store reads like "no live events": the seed alone, flagged degraded.
    const wiped = await until(
      () => profile(server.url),
      (me) => me.behaviourDegraded === true,
      "wipe detected",
    );
    expect(wiped.lifetimeCounts!.views).toBe(seeded);

    expect(await updater.ensureBuilt()).toBe("rebuilt");
    expect(await profile(server.url)).toEqual({
      behaviourDegraded: false,
      lifetimeCounts: { views: seeded + 6 },
    });
  });
});

describe("pricing when its feature Redis restarts empty", () => {
  let redis: OwnRedis;
  let pricing: RunningServer;
  const ids = world.products.slice(0, 12).map((p) => p.id);
  const ENTITIES = `query($r: [_Any!]!, $c: PriceContext!) { _entities(representations: $r) { ... on Product { id price(context: $c) { reasonCode modelVersion degraded } } } }`;
  interface Priced {
    _entities: { id: string; price: { reasonCode: string; modelVersion: string; degraded: boolean } }[];
  }
  const ask = async () => {
    const result = await postGraphQL<Priced>(pricing.url, ENTITIES, {
      r: ids.map((id) => ({ __typename: "Product", id })),
      c: { currency: "USD", region: "US" },
    });
    expect(result.body.errors).toBeUndefined();
    return result.body.data!._entities.map((e) => e.price);
  };

  beforeAll(async () => {
    redis = await startOwnRedis();
    pricing = await startSubgraph(pricingSubgraph, {
      port: 0,
      log: testLog,
      env: {
        ...process.env,
        FEATURE_STORE: "redis",
        REDIS_URL: redis.url,
        FEATURE_STORE_TIMEOUT_MS: "500",
        FEATURE_CACHE_TTL_MS: "0",
        PRICING_SEED_FEATURES: "always",
        PRICING_FEATURE_CHECK_MS: "200",
        ML_TIMEOUT_MS_PRICING: "30000",
      },
    });
  });
  afterAll(async () => {
    await pricing?.close();
    await redis?.stop();
  });

  it("never serves an unmodelled price as whole: degraded until reseeded, then modelled again", async () => {
    const whole = (prices: Awaited<ReturnType<typeof ask>>) =>
      prices.every((p) => !p.degraded && p.modelVersion === "pricing@1.0.0");
    await until(ask, whole, "first seed");

    await redis.kill9();
    await redis.restart();
    const seen: Awaited<ReturnType<typeof ask>>[] = [];
    await until(
      async () => {
        const prices = await ask();
        seen.push(prices);
        return prices;
      },
      whole,
      "reseeded",
    );
    // The defect: LIST_PRICE with degraded: false, from features that were simply gone.
    for (const prices of seen)
      for (const price of prices) expect(price.degraded || price.modelVersion !== "none").toBe(true);
  });
});
