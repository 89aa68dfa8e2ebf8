import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEV_INTERNAL_SECRET,
  signedHeaders,
  signIdentity,
  startSubgraph,
  type RunningServer,
} from "@aisle/kit";
import { signToken, startGateway } from "@aisle/gateway";
import { userProfileSubgraph } from "@aisle/user-profile";
import { demoWorld } from "@aisle/world";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import {
  MyProfileDocument,
  SetAccountStatusDocument,
  UserProfileDocument,
} from "../operations/__generated__/graphql.ts";
import { codes, postGraphQL, type GraphQLResult } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";
import { deleteRedisKeys } from "./redis-cleanup.ts";

/*
 * The caller matrix: every kind of caller against every private field of User, field by field, through the
 * gateway and (for header forgery) straight to the subgraph. Users "1" (shopper A) and "2" (shopper B) are the
 * demo world's first two users.
 */

const world = demoWorld();
const userA = world.users[0]!;
const userB = world.users[1]!;

let supergraph: LocalSupergraph;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  supergraph = await startLocalSupergraph({ port: 0, log: testLog });
  const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" });
  tokens["shopperA"] = await signToken({ user: userA.id, scopes: ["shopper"] });
  tokens["shopperB"] = await signToken({ user: userB.id, scopes: ["shopper"] });
  tokens["partner"] = await signToken({ user: "partner-acme", scopes: ["partner"] });
  tokens["checkout"] = await signToken({ user: "svc-checkout", scopes: ["service:checkout"] });
  tokens["ops"] = await signToken({ user: "svc-ops", scopes: ["service:ops"] });
  tokens["expired"] = await signToken({ user: userA.id, scopes: ["shopper"], ttlSeconds: -120 });
  tokens["forged"] = await signToken(
    { user: userA.id, scopes: ["shopper", "service:ops"] },
    { key: stranger.privateKey, alg: "ES256", kid: "aisle-dev-1" },
  );
});
afterAll(async () => {
  await supergraph?.close();
});

const bearer = (name: string) => ({ authorization: `Bearer ${tokens[name]}` });
/** A signature made with a secret that is not the gateway's: what an attacker who reaches a subgraph can do. */
const forgedIdentity = (userId: string, requestId: string) =>
  signIdentity(
    { userId, scopes: ["shopper", "service:ops"] },
    { requestId, subgraph: "user-profile", body: "" },
    "attacker-guess-of-the-secret-0000",
  );
/** A call to `subgraph` signed with the gateway's (dev) secret for exactly the body postGraphQL sends. */
const gatewaySigned =
  (userId: string, scopes: string[], subgraph = "user-profile") =>
  (body: string) =>
    signedHeaders({ userId, scopes }, { subgraph, body }, DEV_INTERNAL_SECRET);

const PRIVATE_FIELDS = ["email", "location", "signupAt", "accountStatus"] as const;

function fullProfile(user: typeof userA) {
  return {
    id: user.id,
    displayName: user.displayName,
    email: user.email,
    location: {
      city: user.location.city,
      region: user.location.region,
      postalCode: user.location.postalCode,
    },
    signupAt: user.signupAt,
    accountStatus: "ACTIVE",
  };
}

function publicOnly(user: typeof userA) {
  return { ...fullProfile(user), email: null, location: null, signupAt: null, accountStatus: null };
}

/** The errors of a result as `path → code`, so each refused field is asserted by name. */
function errorsByPath(result: GraphQLResult<unknown>): Record<string, unknown> {
  return Object.fromEntries(
    (result.body.errors ?? []).map((e) => [e.path?.join(".") ?? "", e.extensions?.["code"]]),
  );
}

function refused(root: string, code: string): Record<string, string> {
  return Object.fromEntries(PRIVATE_FIELDS.map((f) => [`${root}.${f}`, code]));
}

type Expectation =
  | { readonly status: 200; readonly user: object; readonly errors: Record<string, string> }
  | { readonly status: 401 }
  // A partner token is held to the partner contract, which has no User (tests/partner-contract.int.ts).
  | { readonly status: 403 };

const matrix: Record<string, { headers: () => Record<string, string>; expect: Expectation }> = {
  anonymous: {
    headers: () => ({}),
    expect: { status: 200, user: publicOnly(userA), errors: refused("user", "UNAUTHENTICATED") },
  },
  "shopper A (owner)": {
    headers: () => bearer("shopperA"),
    expect: { status: 200, user: fullProfile(userA), errors: {} },
  },
  "shopper B": {
    headers: () => bearer("shopperB"),
    expect: { status: 200, user: publicOnly(userA), errors: refused("user", "FORBIDDEN") },
  },
  partner: { headers: () => bearer("partner"), expect: { status: 403 } },
  "checkout service": {
    headers: () => bearer("checkout"),
    expect: { status: 200, user: fullProfile(userA), errors: {} },
  },
  "ops service": {
    headers: () => bearer("ops"),
    expect: { status: 200, user: fullProfile(userA), errors: {} },
  },
  "expired token": { headers: () => bearer("expired"), expect: { status: 401 } },
  "token signed by another key": { headers: () => bearer("forged"), expect: { status: 401 } },
  "x-user-id header": {
    headers: () => ({ "x-user-id": userA.id, "x-aisle-user-id": userA.id, "x-aisle-scopes": "service:ops" }),
    expect: { status: 200, user: publicOnly(userA), errors: refused("user", "UNAUTHENTICATED") },
  },
  "forged x-aisle-identity": {
    headers: () => ({
      "x-request-id": "req-forged-1",
      "x-aisle-identity": forgedIdentity(userA.id, "req-forged-1"),
    }),
    expect: { status: 200, user: publicOnly(userA), errors: refused("user", "UNAUTHENTICATED") },
  },
  "a real gateway signature sent by the client": {
    // Even a correctly signed header is dropped at the gateway: only the gateway's own signature counts.
    headers: () => ({
      "x-request-id": "req-replay-1",
      "x-aisle-identity": signIdentity(
        { userId: userA.id, scopes: ["shopper"] },
        { requestId: "req-replay-1", subgraph: "user-profile", body: "" },
        DEV_INTERNAL_SECRET,
      ),
    }),
    expect: { status: 200, user: publicOnly(userA), errors: refused("user", "UNAUTHENTICATED") },
  },
};

describe("caller matrix through the gateway: user(id: A)", () => {
  for (const [caller, { headers, expect: expected }] of Object.entries(matrix)) {
    it(`${caller} gets exactly what it should`, async () => {
      const result = await postGraphQL(supergraph.url, UserProfileDocument, { id: userA.id }, headers());
      expect(result.status).toBe(expected.status);
      if (expected.status === 401) {
        expect(codes(result)).toEqual(["UNAUTHENTICATED"]);
        expect(result.body.data).toBeUndefined();
        expect(result.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
        return;
      }
      if (expected.status === 403) {
        expect(codes(result)).toEqual(["OUTSIDE_CONTRACT"]);
        expect(result.body.data).toBeUndefined();
        return;
      }
      const user = (result.body.data as { user: Record<string, unknown> }).user;
      for (const field of Object.keys(expected.user)) {
        expect({ field, value: user[field] }).toEqual({
          field,
          value: (expected.user as Record<string, unknown>)[field],
        });
      }
      expect(errorsByPath(result)).toEqual(expected.errors);
    });
  }
});

describe("every User field of the user-profile subgraph (guards fields added later)", () => {
  /** Fields anyone may read; every other field the subgraph declares on User must be owner-or-service. */
  const PUBLIC = new Set(["id", "displayName"]);

  interface IntrospectedField {
    name: string;
    args: { type: { kind: string } }[];
    type: { kind: string; name: string | null; ofType: { kind: string; name: string | null } | null };
  }

  async function privateUserSelection(): Promise<{ fields: string[]; selection: string }> {
    const introspection = await postGraphQL<{ __type: { fields: IntrospectedField[] } }>(
      supergraph.subgraphs["user-profile"]!,
      `{ __type(name: "User") { fields { name args { type { kind } }
          type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }`,
    );
    const unwrap = (t: { kind: string; ofType?: unknown }): { kind: string } =>
      t.kind === "NON_NULL" || t.kind === "LIST" ? unwrap(t.ofType as { kind: string }) : t;
    const fields = introspection.body.data!.__type.fields.filter(
      (f) => !PUBLIC.has(f.name) && f.args.every((a) => a.type.kind !== "NON_NULL"),
    );
    const selection = fields
      .map((f) =>
        ["OBJECT", "INTERFACE", "UNION"].includes(unwrap(f.type).kind) ? `${f.name} { __typename }` : f.name,
      )
      .join(" ");
    return { fields: fields.map((f) => f.name), selection };
  }

  it("refuses each private field to another shopper (FORBIDDEN) and to anonymous callers (UNAUTHENTICATED)", async () => {
    const { fields, selection } = await privateUserSelection();
    expect(fields).toEqual(expect.arrayContaining([...PRIVATE_FIELDS]));
    const query = `query ($id: ID!) { user(id: $id) { id ${selection} } }`;
    for (const [headers, code] of [
      [bearer("shopperB"), "FORBIDDEN"],
      [{}, "UNAUTHENTICATED"],
    ] as const) {
      const result = await postGraphQL(supergraph.url, query, { id: userA.id }, headers);
      const user = (result.body.data as { user: Record<string, unknown> }).user;
      expect(Object.fromEntries(fields.map((f) => [f, user[f]]))).toEqual(
        Object.fromEntries(fields.map((f) => [f, null])),
      );
      expect(errorsByPath(result)).toEqual(Object.fromEntries(fields.map((f) => [`user.${f}`, code])));
    }
  });
});

describe("me through the gateway", () => {
  it("is each shopper's own profile, null for anonymous callers and services without a profile", async () => {
    const me = async (headers: Record<string, string>) =>
      (await postGraphQL(supergraph.url, MyProfileDocument, {}, headers)).body.data?.["me"];
    expect(await me(bearer("shopperA"))).toEqual(fullProfile(userA));
    expect(await me(bearer("shopperB"))).toEqual(fullProfile(userB));
    expect(await me({})).toBeNull();
    expect(await me({ "x-user-id": userA.id })).toBeNull();
    expect(await me(bearer("checkout"))).toBeNull();
  });

  it("refuses a shopper's valid token whose account does not exist (UNAUTHENTICATED), also beside the feed", async () => {
    const ghost = {
      authorization: `Bearer ${await signToken({ user: "u-no-such-account", scopes: ["shopper"] })}`,
    };
    for (const query of [
      "{ me { id displayName } }",
      "{ me { displayName recommendations(first: 2) { reason } } }",
    ]) {
      const result = await postGraphQL(supergraph.url, query, {}, ghost);
      expect({ query, codes: codes(result), me: result.body.data?.["me"] }).toEqual({
        query,
        codes: ["UNAUTHENTICATED"],
        me: null,
      });
    }
  });

  it("answers 401 for a malformed Authorization header instead of treating the caller as anonymous", async () => {
    for (const authorization of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not a token", "Bearer a.b.c"]) {
      const result = await postGraphQL(supergraph.url, MyProfileDocument, {}, { authorization });
      expect({ authorization, status: result.status, codes: codes(result) }).toEqual({
        authorization,
        status: 401,
        codes: ["UNAUTHENTICATED"],
      });
    }
  });

  it("keeps public catalog reads open to anonymous callers", async () => {
    const result = await postGraphQL(supergraph.url, "{ categories { id } }");
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
  });
});

describe("service-only mutation setAccountStatus", () => {
  const suspendA = { userId: userA.id, status: "SUSPENDED", reason: "chargeback investigation" };

  // Partners are refused the whole operation by the partner contract (tests/partner-contract.int.ts).
  it("refuses shoppers, checkout and anonymous callers, and runs for ops", async () => {
    for (const [caller, headers, code] of [
      ["anonymous", {}, "UNAUTHENTICATED"],
      ["shopper A", bearer("shopperA"), "FORBIDDEN"],
      ["shopper B", bearer("shopperB"), "FORBIDDEN"],
      ["checkout", bearer("checkout"), "FORBIDDEN"],
      ["x-user-id", { "x-user-id": "svc-ops", "x-aisle-scopes": "service:ops" }, "UNAUTHENTICATED"],
    ] as const) {
      const result = await postGraphQL(supergraph.url, SetAccountStatusDocument, suspendA, headers);
      expect({ caller, data: result.body.data, errors: errorsByPath(result) }).toEqual({
        caller,
        data: { setAccountStatus: null },
        errors: { setAccountStatus: code },
      });
    }
    const own = await postGraphQL(supergraph.url, MyProfileDocument, {}, bearer("shopperA"));
    expect((own.body.data?.["me"] as { accountStatus: string }).accountStatus).toBe("ACTIVE");

    const done = await postGraphQL(supergraph.url, SetAccountStatusDocument, suspendA, bearer("ops"));
    expect(done.body).toEqual({ data: { setAccountStatus: { id: userA.id, accountStatus: "SUSPENDED" } } });
    const after = await postGraphQL(supergraph.url, MyProfileDocument, {}, bearer("shopperA"));
    expect((after.body.data?.["me"] as { accountStatus: string }).accountStatus).toBe("SUSPENDED");

    const reinstated = await postGraphQL(
      supergraph.url,
      SetAccountStatusDocument,
      { ...suspendA, status: "ACTIVE", reason: "cleared" },
      bearer("ops"),
    );
    expect(reinstated.body.data).toEqual({ setAccountStatus: { id: userA.id, accountStatus: "ACTIVE" } });
  });

  it("answers ops with NOT_FOUND for unknown users and BAD_USER_INPUT for an empty reason", async () => {
    const unknown = await postGraphQL(
      supergraph.url,
      SetAccountStatusDocument,
      { ...suspendA, userId: "no-such-user" },
      bearer("ops"),
    );
    expect(codes(unknown)).toEqual(["NOT_FOUND"]);
    const empty = await postGraphQL(
      supergraph.url,
      SetAccountStatusDocument,
      { ...suspendA, reason: "  " },
      bearer("ops"),
    );
    expect(codes(empty)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("straight to the user-profile subgraph (bypassing the gateway)", () => {
  const entities = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on User { id email location { city } signupAt accountStatus } }
  }`;
  const representations = [{ __typename: "User", id: userA.id }];
  let url: string;

  beforeAll(() => {
    url = supergraph.subgraphs["user-profile"]!;
  });

  const forgeries: Record<string, () => Record<string, string>> = {
    "no identity header": () => ({}),
    "x-user-id": () => ({ "x-user-id": userA.id, "x-aisle-scopes": "service:ops" }),
    "identity signed with a guessed secret": () => ({
      "x-request-id": "req-direct-1",
      "x-aisle-identity": forgedIdentity(userA.id, "req-direct-1"),
    }),
    "garbage identity header": () => ({ "x-aisle-identity": "v1.e30.AAAA" }),
  };

  for (const [forgery, headers] of Object.entries(forgeries)) {
    it(`${forgery}: anonymous, so no private field of user(id), _entities or setAccountStatus`, async () => {
      const byQuery = await postGraphQL(url, UserProfileDocument, { id: userA.id }, headers());
      expect(byQuery.body.data?.["user"]).toEqual(publicOnly(userA));
      expect(errorsByPath(byQuery)).toEqual(refused("user", "UNAUTHENTICATED"));

      const byEntities = await postGraphQL(url, entities, { representations }, headers());
      expect(byEntities.body.data?.["_entities"]).toEqual([
        { id: userA.id, email: null, location: null, signupAt: null, accountStatus: null },
      ]);
      expect(errorsByPath(byEntities)).toEqual(refused("_entities.0", "UNAUTHENTICATED"));

      const mutation = await postGraphQL(
        url,
        SetAccountStatusDocument,
        { userId: userA.id, status: "SUSPENDED", reason: "x" },
        headers(),
      );
      expect(errorsByPath(mutation)).toEqual({ setAccountStatus: "UNAUTHENTICATED" });
    });
  }

  it("serves private fields to a correctly signed identity (the control: the forgeries above are what fails)", async () => {
    const headers = gatewaySigned(userA.id, ["shopper"]);
    const result = await postGraphQL(url, UserProfileDocument, { id: userA.id }, headers);
    expect(result.body).toEqual({ data: { user: fullProfile(userA) } });
  });
});

describe("a subgraph configured to refuse unsigned calls (the production default)", () => {
  let strict: RunningServer;

  beforeAll(async () => {
    strict = await startSubgraph(userProfileSubgraph, {
      port: 0,
      log: testLog,
      env: { AISLE_UNSIGNED_REQUESTS: "reject" },
    });
  });
  afterAll(async () => {
    await strict?.close();
  });

  it("answers 401 UNAUTHENTICATED to missing and forged signatures, and serves a signed call", async () => {
    for (const headers of [
      {},
      { "x-user-id": userA.id },
      { "x-request-id": "r-1", "x-aisle-identity": forgedIdentity(userA.id, "r-1") },
    ]) {
      const result = await postGraphQL(strict.url, UserProfileDocument, { id: userA.id }, headers);
      expect({ status: result.status, codes: codes(result), data: result.body.data }).toEqual({
        status: 401,
        codes: ["UNAUTHENTICATED"],
        data: undefined,
      });
    }
    const signed = await postGraphQL(
      strict.url,
      UserProfileDocument,
      { id: userB.id },
      gatewaySigned(userB.id, ["shopper"]),
    );
    expect(signed.body).toEqual({ data: { user: fullProfile(userB) } });
  });
});

describe("a gateway signature captured on the wire", () => {
  interface Captured {
    readonly headers: Record<string, string>;
    readonly body: string;
  }
  const captured: Captured[] = [];
  let wiretap: Server;
  let tapped: RunningServer;

  beforeAll(async () => {
    // Stands between a gateway and user-profile: keeps what the gateway sends and delivers none of it, so
    // every captured signature is unused and each refusal below comes from what it is bound to.
    wiretap = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        captured.push({
          headers: {
            "x-request-id": String(req.headers["x-request-id"]),
            "x-aisle-identity": String(req.headers["x-aisle-identity"]),
          },
          body: Buffer.concat(chunks).toString("utf8"),
        });
        res.writeHead(503, { "content-type": "text/plain" }).end("intercepted");
      });
    });
    await new Promise<void>((resolve) => wiretap.listen(0, "127.0.0.1", resolve));
    const { port } = wiretap.address() as AddressInfo;
    tapped = await startGateway({
      port: 0,
      log: testLog,
      subgraphUrls: { ...supergraph.subgraphs, "user-profile": `http://127.0.0.1:${port}/graphql` },
    });
  });
  afterAll(async () => {
    await tapped?.close();
    await new Promise((resolve) => wiretap?.close(resolve));
  });

  /** Shopper A asks for their profile through the tapped gateway; returns what went to user-profile. */
  async function capture(): Promise<Captured> {
    const before = captured.length;
    await postGraphQL(tapped.url, MyProfileDocument, {}, bearer("shopperA"));
    expect(captured.length).toBeGreaterThan(before);
    return captured[before]!;
  }

  async function send(url: string, call: Captured, body = call.body, extra: Record<string, string> = {}) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...call.headers, ...extra },
      body,
    });
    const json = (await response.json()) as GraphQLResult["body"];
    return { status: response.status, codes: (json.errors ?? []).map((e) => e.extensions?.["code"]), json };
  }

  it("is refused with another body, by another subgraph and on another request id (401 UNAUTHENTICATED)", async () => {
    const call = await capture();
    const userProfile = supergraph.subgraphs["user-profile"]!;
    const otherQuery = JSON.stringify({
      query: "query ($id: ID!) { user(id: $id) { id email accountStatus } }",
      variables: { id: userB.id },
    });
    const replays: [string, string, string, Record<string, string>][] = [
      ["another query", userProfile, otherQuery, {}],
      ["the same query with one byte more", userProfile, `${call.body} `, {}],
      ["another subgraph (catalog)", supergraph.subgraphs["catalog"]!, call.body, {}],
      ["another subgraph (payment-risk)", supergraph.subgraphs["payment-risk"]!, call.body, {}],
      ["another request id", userProfile, call.body, { "x-request-id": "req-elsewhere" }],
    ];
    for (const [what, url, body, extra] of replays) {
      const result = await send(url, call, body, extra);
      expect({ what, status: result.status, codes: result.codes, data: result.json.data }).toEqual({
        what,
        status: 401,
        codes: ["UNAUTHENTICATED"],
        data: undefined,
      });
    }
  });

  it("is accepted once where it belongs, then refused as a replay (401 UNAUTHENTICATED)", async () => {
    const call = await capture();
    const userProfile = supergraph.subgraphs["user-profile"]!;
    // The refusals above did not use it up: the original, delivered late, is served as shopper A.
    const original = await send(userProfile, call);
    expect(original.status).toBe(200);
    expect(original.json).toEqual({ data: { me: fullProfile(userA) } });
    const again = await send(userProfile, call);
    expect({ status: again.status, codes: again.codes, data: again.json.data }).toEqual({
      status: 401,
      codes: ["UNAUTHENTICATED"],
      data: undefined,
    });
  });

  it("is never reused by the gateway: every subgraph fetch carries its own signature", async () => {
    for (let i = 0; i < 5; i += 1) await capture();
    const signatures = captured.map((c) => c.headers["x-aisle-identity"]);
    expect(new Set(signatures).size).toBe(signatures.length);
  });
});

describe("two replicas of a subgraph sharing the Redis replay store", () => {
  const prefix = `test:replay:${randomUUID().slice(0, 8)}:`;
  const replicas: RunningServer[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i += 1) {
      replicas.push(
        await startSubgraph(userProfileSubgraph, {
          port: 0,
          log: testLog,
          env: {
            NODE_ENV: "production",
            AISLE_INTERNAL_SECRET: DEV_INTERNAL_SECRET.replace("dev", "tst"),
            AISLE_REPLAY_STORE: "redis",
            AISLE_REPLAY_KEY_PREFIX: prefix,
            AISLE_REPLAY_TIMEOUT_MS: "2000",
          },
        }),
      );
    }
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await deleteRedisKeys(`${prefix}*`);
  });

  it("serves a signed call on one replica and refuses the same call on the other (401)", async () => {
    const secret = DEV_INTERNAL_SECRET.replace("dev", "tst");
    const body = JSON.stringify({ query: "{ me { id email } }" });
    const headers = {
      "content-type": "application/json",
      ...signedHeaders({ userId: userA.id, scopes: ["shopper"] }, { subgraph: "user-profile", body }, secret),
    };
    const first = await fetch(replicas[0]!.url, { method: "POST", headers, body });
    expect(await first.json()).toEqual({ data: { me: { id: userA.id, email: userA.email } } });
    const second = await fetch(replicas[1]!.url, { method: "POST", headers, body });
    expect(second.status).toBe(401);
    expect(((await second.json()) as GraphQLResult["body"]).errors?.[0]?.extensions?.["code"]).toBe(
      "UNAUTHENTICATED",
    );
  });
});
