import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEV_INTERNAL_SECRET,
  signedHeaders,
  startSubgraph,
  type Logger,
  type RunningServer,
  type SubgraphDefinition,
} from "@aisle/kit";
import {
  createPaymentRisk,
  MemoryVelocityStore,
  RedisVelocityStore,
  riskRedisClient,
  VELOCITY_ENTITIES,
  WINDOWS,
  type VelocityEvent,
  type PaymentRiskInstance,
  type RedisAssessmentLog,
} from "@aisle/payment-risk";
import { closedPort, tcpProxy, type TcpProxy } from "@aisle/kit/testing";
import { postGraphQL, codes, type SignedHeaders } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";
import { deleteRedisKeys } from "./redis-cleanup.ts";

const REDIS_URL = "redis://127.0.0.1:6379";
const PREFIX = `test:payment-risk:${randomUUID().slice(0, 8)}:`;

const ASSESS = /* GraphQL */ `
  mutation Assess($input: AssessPaymentInput!) {
    assessPayment(input: $input) {
      id
      score
      level
      action
      degraded
      degradedReasons
      modelVersion
      rulesVersion
      decidedBy {
        id
        action
        description
      }
      ruleHits
      reasons {
        code
        feature
        message
        value
        contribution
      }
    }
  }
`;

/** Calls the subgraph the way the gateway does: a signed identity bound to the request, the subgraph and the body. */
function as(scopes: string[], userId: string | null = null): SignedHeaders {
  return (body) => signedHeaders({ userId, scopes }, { subgraph: "payment-risk", body }, DEV_INTERNAL_SECRET);
}
const checkout = () => as(["service:checkout"], "checkout");

let serial = 0;
function payment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  serial += 1;
  return {
    orderId: `ord-${randomUUID()}`,
    userId: "42",
    amountMinor: 5_999,
    currency: "USD",
    paymentMethodFingerprint: `pm_${randomUUID().slice(0, 12)}`,
    deviceId: `dev-${serial}`,
    ip: `10.1.${serial % 250}.${serial % 200}`,
    ipCountry: "US",
    emailDomain: "gmail.com",
    billingAddress: { country: "US", postalCode: "10001" },
    shippingAddress: { country: "US", postalCode: "10001" },
    items: [{ productId: "p-1", quantity: 1, unitPriceMinor: 5_999 }],
    ...overrides,
  };
}

interface Started {
  readonly server: RunningServer;
  readonly instance: PaymentRiskInstance;
  readonly dir: string;
}

async function start(env: Record<string, string>, log: Logger = testLog, redis?: Redis): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), "aisle-payment-risk-"));
  let instance: PaymentRiskInstance | undefined;
  const definition: SubgraphDefinition = {
    name: "payment-risk",
    defaultPort: 4006,
    create: async (input) => {
      instance = await createPaymentRisk(input, redis === undefined ? {} : { redis });
      return instance;
    },
  };
  const server = await startSubgraph(definition, {
    port: 0,
    log,
    env: {
      ...process.env,
      NODE_ENV: "test",
      LOG_LEVEL: "error",
      RISK_DATA_DIR: dir,
      RISK_REDIS_PREFIX: PREFIX,
      ...env,
    },
  });
  return { server, instance: instance!, dir };
}

async function stop(started: Started | undefined): Promise<void> {
  if (started === undefined) return;
  await started.server.close();
  await rm(started.dir, { recursive: true, force: true });
}

const cardCountsFromFeatures = (records: { features: readonly number[] }[], index: number): number[] =>
  records.map((r) => Math.round(Math.expm1(r.features[index]!))).sort((a, b) => a - b);

describe("payment-risk on the embedded backend", () => {
  let started: Started;
  const lines: string[] = [];
  const captured: Logger = pino(
    { level: "debug" },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );

  beforeAll(async () => {
    started = await start({ RISK_REDIS_TIMEOUT_MS: "5000" }, captured);
  });
  afterAll(() => stop(started));

  it("assesses a payment as the checkout service: score, level, action, reasons, recorded", async () => {
    const result = await postGraphQL(started.server.url, ASSESS, { input: payment() }, checkout());
    expect(result.body.errors).toBeUndefined();
    const a = result.body.data!["assessPayment"] as Record<string, unknown>;
    expect(a["score"]).toBeGreaterThanOrEqual(0);
    expect(a["score"]).toBeLessThanOrEqual(100);
    expect(a["level"]).toBe("NORMAL");
    expect(a["action"]).toBe("ALLOW");
    expect(a["degraded"]).toBe(false);
    // An ordinary payment: nothing stands out enough to be a reason.
    expect(a["reasons"]).toEqual([]);
    expect(a["modelVersion"]).toBe(started.instance.model.version);
    const read = await postGraphQL(
      started.server.url,
      `query($id: ID!) { riskAssessment(id: $id) { id score action outcomes { outcome } } }`,
      { id: a["id"] },
      checkout(),
    );
    expect(read.body.data!["riskAssessment"]).toMatchObject({
      id: a["id"],
      score: a["score"],
      action: "ALLOW",
      outcomes: [],
    });
    const file = await readFile(join(started.dir, "assessments.ndjson"), "utf8");
    expect(file).toContain(a["id"] as string);
  });

  it("explains a risky payment with coded reasons from the model's contributions and a deciding rule", async () => {
    const card = `pm_stolen_${randomUUID().slice(0, 6)}`;
    let last: Record<string, unknown> = {};
    for (let i = 0; i < 7; i += 1) {
      const result = await postGraphQL(
        started.server.url,
        ASSESS,
        {
          input: payment({
            userId: String(100 + i),
            paymentMethodFingerprint: card,
            deviceId: "dev-farm",
            emailDomain: "mailinator.com",
            ipCountry: "RO",
            shippingAddress: { country: "RO" },
            amountMinor: 900,
          }),
        },
        checkout(),
      );
      last = result.body.data!["assessPayment"] as Record<string, unknown>;
    }
    expect(last["action"]).toBe("BLOCK");
    expect(last["level"]).toBe("HIGHEST");
    expect(last["ruleHits"]).toContain("velocity:payment-method-1h");
    const reasons = last["reasons"] as { code: string; contribution: number; message: string }[];
    expect(reasons.length).toBeGreaterThan(0);
    // Reasons are the model's own largest contributions, worded from the raw values behind them.
    expect(reasons.map((r) => r.code)).toEqual(
      expect.arrayContaining(["ACCOUNTS_PER_DEVICE", "DISPOSABLE_EMAIL"]),
    );
    for (let i = 1; i < reasons.length; i += 1) {
      expect(reasons[i]!.contribution).toBeLessThanOrEqual(reasons[i - 1]!.contribution);
    }
    expect(reasons.find((r) => r.code === "ACCOUNTS_PER_DEVICE")!.message).toBe(
      "7 accounts used this device",
    );
    // Every reason is worded from its raw value: codes come from the feature templates, one per feature.
    expect(new Set(reasons.map((r) => r.code)).size).toBe(reasons.length);
  });

  it("refuses a shopper with FORBIDDEN", async () => {
    const result = await postGraphQL(started.server.url, ASSESS, { input: payment() }, as(["shopper"], "42"));
    expect(codes(result)).toEqual(["FORBIDDEN"]);
    expect(result.body.data?.["assessPayment"] ?? null).toBeNull();
    const profile = await postGraphQL(
      started.server.url,
      `query { _entities(representations: [{ __typename: "User", id: "42" }]) { ... on User { riskProfile { assessmentCount } } } }`,
      {},
      as(["shopper"], "42"),
    );
    expect(codes(profile)).toEqual(["FORBIDDEN"]);
  });

  it("rejects a card number in any string field with BAD_USER_INPUT and never logs or stores it", async () => {
    const before = await readFile(join(started.dir, "assessments.ndjson"), "utf8");
    for (const input of [
      payment({ shippingAddress: { country: "US", line1: "4111 1111 1111 1111" } }),
      payment({ paymentMethodFingerprint: "4012-8888-8888-1881" }),
      payment({ items: [{ productId: "378282246310005", quantity: 1, unitPriceMinor: 1 }] }),
    ]) {
      const result = await postGraphQL(started.server.url, ASSESS, { input }, checkout());
      expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(JSON.stringify(result.body)).not.toMatch(/4111|8888|378282/);
    }
    expect(lines.join("")).not.toMatch(/4111 1111|4012-8888|378282246310005/);
    expect(await readFile(join(started.dir, "assessments.ndjson"), "utf8")).toBe(before);
  });

  it("is idempotent: the same input twice is one record; the same outcome twice is one label", async () => {
    const input = payment();
    const first = await postGraphQL(started.server.url, ASSESS, { input }, checkout());
    const second = await postGraphQL(started.server.url, ASSESS, { input }, checkout());
    const id = (first.body.data!["assessPayment"] as { id: string }).id;
    expect((second.body.data!["assessPayment"] as { id: string }).id).toBe(id);
    const report = `mutation($id: ID!) { reportOutcome(assessmentId: $id, outcome: CHARGEBACK) { created outcome } }`;
    const r1 = await postGraphQL(started.server.url, report, { id }, checkout());
    const r2 = await postGraphQL(started.server.url, report, { id }, checkout());
    expect(r1.body.data!["reportOutcome"]).toEqual({ created: true, outcome: "CHARGEBACK" });
    expect(r2.body.data!["reportOutcome"]).toEqual({ created: false, outcome: "CHARGEBACK" });
    const unknown = await postGraphQL(started.server.url, report, { id: "ra_nope" }, checkout());
    expect(codes(unknown)).toEqual(["NOT_FOUND"]);
    const file = (await readFile(join(started.dir, "assessments.ndjson"), "utf8")).trim().split("\n");
    expect(file.filter((l) => l.includes(`"id":"${id}"`))).toHaveLength(1);
    expect(file.filter((l) => l.includes(`"assessmentId":"${id}"`))).toHaveLength(1);
  });

  it("reads User.riskProfile by the entity key (service scope)", async () => {
    const result = await postGraphQL(
      started.server.url,
      `query { _entities(representations: [{ __typename: "User", id: "42" }]) {
        ... on User { id riskProfile(limit: 50) { assessmentCount blockedCount highestLevel accountAgeDays recentAssessments { id userId } } } } }`,
      {},
      checkout(),
    );
    expect(result.body.errors).toBeUndefined();
    const profile = (result.body.data!["_entities"] as { riskProfile: Record<string, unknown> }[])[0]!
      .riskProfile;
    expect(profile["assessmentCount"]).toBeGreaterThanOrEqual(2);
    expect(profile["accountAgeDays"]).toBeGreaterThan(0);
    for (const a of profile["recentAssessments"] as { userId: string }[]) expect(a.userId).toBe("42");
  });

  it("counts 100 concurrent assessments of one card exactly (memory)", async () => {
    await expectExactConcurrency(started);
  });
});

/** 100 concurrent assessments with one card: each sees a distinct earlier count 0..99; the store then holds 100. */
async function expectExactConcurrency(started: Started): Promise<void> {
  const card = `pm_conc_${randomUUID().slice(0, 8)}`;
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      postGraphQL(
        started.server.url,
        ASSESS,
        { input: payment({ paymentMethodFingerprint: card, userId: String(1000 + i) }) },
        checkout(),
      ),
    ),
  );
  const ids = results.map((r) => {
    expect(r.body.errors).toBeUndefined();
    const a = r.body.data!["assessPayment"] as { id: string; degraded: boolean };
    expect(a.degraded).toBe(false);
    return a.id;
  });
  const records = (await started.instance.assessmentLog.get(ids)).map((r) => r!);
  const index = 7; // card_count_1h
  expect(cardCountsFromFeatures(records, index)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  const after = await started.instance.velocity.recordAndRead({
    id: `probe-${randomUUID()}`,
    at: Date.now(),
    amountMinor: 1,
    keys: { user: "probe", paymentMethod: card, device: "probe", ip: "probe", emailDomain: "probe" },
    links: { user: "", paymentMethod: "", device: "", ip: "", emailDomain: "" },
  });
  expect(after.paymentMethod.count["1h"]).toBe(100);
  expect(after.paymentMethod.links).toBe(100);
}

async function cleanRedis(): Promise<void> {
  // Velocity keys carry a hash tag after the prefix: same prefix, so this covers them.
  await deleteRedisKeys(`${PREFIX}*`);
}

describe("velocity window maths on real Redis (Lua) match the memory store", () => {
  const T0 = Date.UTC(2026, 10, 1);
  const ev = (id: string, at: number, amountMinor: number, card: string): VelocityEvent => ({
    id,
    at,
    amountMinor,
    keys: { user: id, paymentMethod: card, device: "d", ip: "i", emailDomain: "e" },
    links: { user: "", paymentMethod: id, device: "", ip: "", emailDomain: "" },
  });
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    redis.disconnect();
    await cleanRedis();
  });

  it("gives the same counts, sums and links at the window edges", async () => {
    const card = `edge-${randomUUID()}`;
    const script: [string, number, number][] = [
      ["old", T0 - WINDOWS["7d"], 1],
      ["d7", T0 - WINDOWS["7d"] + 1, 2],
      ["h24", T0 - WINDOWS["24h"], 4],
      ["h24in", T0 - WINDOWS["24h"] + 1, 8],
      ["h1", T0 - WINDOWS["1h"], 16],
      ["h1in", T0 - WINDOWS["1h"] + 1, 32],
      ["future", T0 + 5, 64],
      ["now", T0, 128],
      ["now", T0, 128],
    ];
    const all = new Set(VELOCITY_ENTITIES);
    const stores = [
      new MemoryVelocityStore(10_000, all),
      new RedisVelocityStore(redis, { prefix: `${PREFIX}${card}:`, sumEntities: all }),
    ];
    const snapshots = [];
    for (const store of stores) {
      const seen = [];
      for (const [id, at, amount] of script) seen.push(await store.recordAndRead(ev(id, at, amount, card)));
      snapshots.push(seen);
    }
    // Every entity, counts, sums (all five asked for) and links: Lua and memory agree exactly.
    expect(snapshots[1]).toEqual(snapshots[0]);
    expect(snapshots[0]!.at(-1)!.ip.sumMinor["1h"]).toBe(32);
    const answers = snapshots.map((seen) => seen.map((s) => s.paymentMethod));
    // Windows are relative to each payment's own time: h1in (T0 - 1 h + 1 ms) has h1 in its hour, h24 and
    // h24in in its day, and "old" still inside its 7 days.
    expect(answers[0]![5]).toEqual({
      count: { "1h": 1, "24h": 3, "7d": 5 },
      sumMinor: { "1h": 16, "24h": 28, "7d": 31 },
      links: 6,
    });
    // The future event (clock skew) trimmed the window relative to its own time (d7 is gone) and is not
    // counted by "now"; the replayed "now" does not count itself.
    expect(answers[0]!.at(-1)).toEqual({
      count: { "1h": 1, "24h": 3, "7d": 4 },
      sumMinor: { "1h": 32, "24h": 56, "7d": 60 },
      links: 8,
    });
  });
});

describe("payment-risk on Redis", () => {
  let started: Started;
  beforeAll(async () => {
    // A generous bound: 100 concurrent calls on a shared 2-core box must not fall back to degraded here.
    started = await start({ RISK_BACKEND: "redis", REDIS_URL, RISK_REDIS_TIMEOUT_MS: "5000" });
  });
  afterAll(async () => {
    await stop(started);
    await cleanRedis();
  });

  it("counts 100 concurrent assessments of one card exactly (real Redis, Lua)", async () => {
    await expectExactConcurrency(started);
  });

  it("records each assessment once in the stream, before answering", async () => {
    const input = payment();
    const first = await postGraphQL(started.server.url, ASSESS, { input }, checkout());
    const id = (first.body.data!["assessPayment"] as { id: string }).id;
    await postGraphQL(started.server.url, ASSESS, { input }, checkout());
    const redis = new Redis(REDIS_URL);
    const entries = await redis.xrange(`${PREFIX}stream:assessments`, "-", "+");
    redis.disconnect();
    expect(entries.filter(([, fields]) => fields[1] === id)).toHaveLength(1);
  });
});

describe("payment-risk while Redis is down", () => {
  let started: Started;
  let port: number;
  let redis: Redis;
  let proxy: TcpProxy | undefined;
  beforeAll(async () => {
    port = await closedPort();
    redis = riskRedisClient(`redis://127.0.0.1:${port}`, 100, testLog);
    started = await start({ RISK_BACKEND: "redis", RISK_REDIS_TIMEOUT_MS: "100" }, testLog, redis);
  });
  afterAll(async () => {
    await stop(started);
    redis.disconnect();
    await proxy?.close();
    await cleanRedis();
  });

  it("answers degraded from the model alone, spools the records, and replays them when Redis returns", async () => {
    const inputs = [payment(), payment({ amountMinor: 250_000 }), payment()];
    const ids: string[] = [];
    for (const input of inputs) {
      const result = await postGraphQL(started.server.url, ASSESS, { input }, checkout());
      expect(result.body.errors).toBeUndefined();
      const a = result.body.data!["assessPayment"] as {
        id: string;
        degraded: boolean;
        degradedReasons: string[];
        reasons: unknown[];
      };
      expect(a.degraded).toBe(true);
      expect(a.degradedReasons).toEqual(["velocity-unavailable"]);
      ids.push(a.id);
    }
    const log = started.instance.assessmentLog as RedisAssessmentLog;
    expect(log.spooledCount).toBe(3);
    expect((await readdir(started.dir)).some((f) => f.startsWith("spool"))).toBe(true);
    // Read back while down: served from the spool.
    expect((await log.get(ids)).map((r) => r?.id)).toEqual(ids);

    proxy = await tcpProxy(6379, port); // Redis comes back on the port the client was given
    const deadline = Date.now() + 20_000;
    while (log.spooledCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(log.spooledCount).toBe(0);
    const direct = new Redis(REDIS_URL);
    const entries = await direct.xrange(`${PREFIX}stream:assessments`, "-", "+");
    direct.disconnect();
    for (const id of ids) expect(entries.filter(([, fields]) => fields[1] === id)).toHaveLength(1);

    const after = await postGraphQL(started.server.url, ASSESS, { input: payment() }, checkout());
    expect((after.body.data!["assessPayment"] as { degraded: boolean }).degraded).toBe(false);
  });
});
