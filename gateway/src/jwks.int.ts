import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@aisle/kit";
import { codes, postGraphQL } from "../../tests/graphql-client.ts";
import { loadGatewayConfig } from "./config.ts";
import { signToken, type SigningKey } from "./dev-token.ts";
import { startGateway } from "./gateway.ts";
import { createTokenVerifier, InvalidTokenError, KeysUnavailableError } from "./token-verifier.ts";

const log = createLogger("jwks-test", "silent");
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signing: SigningKey = { key: privateKey, alg: "RS256", kid: "k1" };

/** A stand-in identity provider serving its JWKS; `mode` switches it to failing answers. */
let mode: "ok" | "error" = "ok";
let server: Server;
let jwksUrl: string;

beforeAll(async () => {
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" }] };
  server = createServer((_req, res) => {
    if (mode === "error") {
      res.writeHead(500).end("oops");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (error instanceof InvalidTokenError) return `invalid:${error.reason}`;
    if (error instanceof KeysUnavailableError) return "keys-unavailable";
    throw error;
  }
}

describe("tokens verified against a JWKS URL", () => {
  it("accepts a token of a published key and refuses unknown key ids with 401 reasons", async () => {
    mode = "ok";
    const verifier = await createTokenVerifier(loadGatewayConfig({ AUTH_JWKS_URL: jwksUrl }));
    expect(
      await outcome(verifier.verify(await signToken({ user: "42", scopes: ["shopper"] }, signing))),
    ).toBe("accepted");
    const otherKid = await signToken({ user: "42", scopes: [] }, { ...signing, kid: "k2" });
    expect(await outcome(verifier.verify(otherKid))).toBe("invalid:unknown-key");
    expect(await outcome(verifier.verify(await signToken({ user: "42", scopes: [] })))).toMatch(/^invalid:/);
  });

  it("reports an identity provider that fails or is down as unavailable, not as a bad token", async () => {
    mode = "error";
    const failing = await createTokenVerifier(loadGatewayConfig({ AUTH_JWKS_URL: jwksUrl }));
    expect(await outcome(failing.verify(await signToken({ user: "42", scopes: [] }, signing)))).toBe(
      "keys-unavailable",
    );
    const down = await createTokenVerifier(
      loadGatewayConfig({ AUTH_JWKS_URL: "http://127.0.0.1:1/jwks.json" }),
    );
    expect(await outcome(down.verify(await signToken({ user: "42", scopes: [] }, signing)))).toBe(
      "keys-unavailable",
    );
    mode = "ok";
  });

  it("answers 503 UNAVAILABLE at the gateway when the keys cannot be fetched, and still serves anonymous callers' context", async () => {
    const gateway = await startGateway({
      port: 0,
      log,
      env: { AUTH_JWKS_URL: "http://127.0.0.1:1/jwks.json" },
      subgraphUrls: { catalog: "http://127.0.0.1:1/graphql", "user-profile": "http://127.0.0.1:1/graphql" },
    });
    try {
      const token = await signToken({ user: "42", scopes: [] }, signing);
      const result = await postGraphQL(
        gateway.url,
        "{ me { id } }",
        {},
        { authorization: `Bearer ${token}` },
      );
      expect(result.status).toBe(503);
      expect(codes(result)).toEqual(["UNAVAILABLE"]);
      const anonymous = await postGraphQL(gateway.url, "{ me { id } }");
      expect(codes(anonymous)).toEqual(["UNAVAILABLE"]); // the subgraph is down too; but no 503 from sign-in
      expect(anonymous.status).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});
