import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { copyFile, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exportJWK, SignJWT } from "jose";
import { loadGatewayConfig, DEV_PUBLIC_KEY_FILE } from "./config.ts";
import { signToken, type SigningKey } from "./dev-token.ts";
import { createTokenVerifier, InvalidTokenError, scopesFrom, TokenVerifier } from "./token-verifier.ts";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" });

const rsaSigner: SigningKey = { key: rsa.privateKey, alg: "RS256" };
const ecSigner: SigningKey = { key: ec.privateKey, alg: "ES256" };

function verifierFor(
  key: KeyObject,
  overrides: Partial<ConstructorParameters<typeof TokenVerifier>[0]> = {},
) {
  return new TokenVerifier({
    issuer: "aisle-dev",
    audience: "aisle-api",
    algorithms: ["RS256", "ES256"],
    userClaim: "sub",
    scopeClaim: "scope",
    clockToleranceSeconds: 5,
    key,
    ...overrides,
  });
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InvalidTokenError) return error.reason;
    throw error;
  }
  return "accepted";
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({ sub: "42", scope: "shopper", iss: "aisle-dev", aud: "aisle-api", exp: now() + 600 });

describe("TokenVerifier", () => {
  it("accepts RS256 and ES256 tokens and maps sub and scope", async () => {
    const rs = await signToken({ user: "42", scopes: ["shopper", "partner"] }, rsaSigner);
    await expect(verifierFor(rsa.publicKey).verify(rs)).resolves.toEqual({
      userId: "42",
      scopes: ["shopper", "partner"],
    });
    const es = await signToken({ user: "svc-checkout", scopes: ["service:checkout"] }, ecSigner);
    await expect(verifierFor(ec.publicKey).verify(es)).resolves.toEqual({
      userId: "svc-checkout",
      scopes: ["service:checkout"],
    });
  });

  it("refuses alg none", async () => {
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`;
    expect(await reasonOf(verifierFor(ec.publicKey).verify(unsigned))).not.toBe("accepted");
  });

  it("refuses HS256 signed with the public key as the HMAC secret (algorithm confusion)", async () => {
    for (const [publicKey, secret] of [
      [ec.publicKey, ec.publicKey.export({ type: "spki", format: "pem" })],
      [rsa.publicKey, rsa.publicKey.export({ type: "spki", format: "pem" })],
      [rsa.publicKey, rsa.publicKey.export({ type: "spki", format: "der" })],
    ] as const) {
      const forged = await new SignJWT(claims())
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .sign(new Uint8Array(Buffer.from(secret)));
      expect(await reasonOf(verifierFor(publicKey).verify(forged))).toBe("algorithm-not-allowed");
    }
  });

  it("refuses an algorithm outside the configured list even with the right key", async () => {
    const es = await signToken({ user: "42", scopes: [] }, ecSigner);
    expect(await reasonOf(verifierFor(ec.publicKey, { algorithms: ["RS256"] }).verify(es))).toBe(
      "algorithm-not-allowed",
    );
  });

  it("refuses a token signed by another key", async () => {
    const forged = await signToken(
      { user: "42", scopes: ["service:ops"] },
      { key: stranger.privateKey, alg: "ES256" },
    );
    expect(await reasonOf(verifierFor(ec.publicKey).verify(forged))).toBe("bad-signature");
  });

  it("refuses a token whose payload was edited after signing", async () => {
    const [header, , signature] = (await signToken({ user: "42", scopes: ["shopper"] }, ecSigner)).split(".");
    const edited = `${header}.${b64({ ...claims(), scope: "service:ops" })}.${signature}`;
    expect(await reasonOf(verifierFor(ec.publicKey).verify(edited))).toBe("bad-signature");
  });

  it("checks issuer, audience, expiry and not-before", async () => {
    const verifier = verifierFor(ec.publicKey);
    const sign = (extra: Parameters<typeof signToken>[0]) => signToken(extra, ecSigner);
    expect(await reasonOf(verifier.verify(await sign({ user: "42", scopes: [], issuer: "evil" })))).toBe(
      "wrong-issuer",
    );
    expect(
      await reasonOf(verifier.verify(await sign({ user: "42", scopes: [], audience: "other-api" }))),
    ).toBe("wrong-audience");
    expect(await reasonOf(verifier.verify(await sign({ user: "42", scopes: [], ttlSeconds: -60 })))).toBe(
      "expired",
    );
    expect(
      await reasonOf(verifier.verify(await sign({ user: "42", scopes: [], notBeforeSeconds: 600 }))),
    ).toBe("not-yet-valid");
    // Within the clock tolerance both are fine.
    expect(await reasonOf(verifier.verify(await sign({ user: "42", scopes: [], notBeforeSeconds: 2 })))).toBe(
      "accepted",
    );
  });

  it("requires exp and a user id", async () => {
    const noExp = await new SignJWT({ sub: "42", scope: "shopper" })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuer("aisle-dev")
      .setAudience("aisle-api")
      .sign(ec.privateKey);
    expect(await reasonOf(verifierFor(ec.publicKey).verify(noExp))).toBe("missing-claim");
    const noSub = await new SignJWT({ scope: "shopper" })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuer("aisle-dev")
      .setAudience("aisle-api")
      .setExpirationTime("10m")
      .sign(ec.privateKey);
    expect(await reasonOf(verifierFor(ec.publicKey).verify(noSub))).toBe("missing-claim");
  });

  it("refuses garbage", async () => {
    for (const token of ["abc", "a.b.c", ""]) {
      expect(await reasonOf(verifierFor(ec.publicKey).verify(token))).toBe("malformed");
    }
    // The signature is checked before the payload is parsed.
    expect(await reasonOf(verifierFor(ec.publicKey).verify(`${b64({ alg: "ES256" })}.not-json.sig`))).toBe(
      "bad-signature",
    );
  });

  it("reads the user id and scopes from configured claims", async () => {
    const token = await new SignJWT({ uid: 7, scp: ["partner", "bad scope!", "partner"] })
      .setProtectedHeader({ alg: "ES256" })
      .setSubject("auth0|abc")
      .setIssuer("aisle-dev")
      .setAudience(["other", "aisle-api"])
      .setExpirationTime("10m")
      .sign(ec.privateKey);
    await expect(
      verifierFor(ec.publicKey, { userClaim: "uid", scopeClaim: "scp" }).verify(token),
    ).resolves.toEqual({
      userId: "7",
      scopes: ["partner"],
    });
  });
});

describe("verified-token cache", () => {
  it("serves a repeated token from the cache only until it expires", async () => {
    let now = Date.now();
    const verifier = verifierFor(ec.publicKey, { nowMs: () => now, clockToleranceSeconds: 0 });
    const token = await signToken({ user: "42", scopes: ["shopper"], ttlSeconds: 60 }, ecSigner);
    expect(await verifier.verify(token)).toEqual({ userId: "42", scopes: ["shopper"] });
    expect(await verifier.verify(token)).toEqual({ userId: "42", scopes: ["shopper"] });
    now += 61_000;
    expect(await reasonOf(verifier.verify(token))).toBe("expired");
  });

  it("never caches a refusal, and a one-character change is a full verification", async () => {
    const verifier = verifierFor(ec.publicKey);
    const token = await signToken({ user: "42", scopes: ["shopper"] }, ecSigner);
    await verifier.verify(token);
    const tampered = `${token.slice(0, -2)}${token.endsWith("A") ? "B" : "A"}${token.slice(-1)}`;
    expect(await reasonOf(verifier.verify(tampered))).not.toBe("accepted");
    expect(await reasonOf(verifier.verify(tampered))).not.toBe("accepted");
  });
});

describe("scopesFrom", () => {
  it("splits OAuth scope strings and keeps only well-formed scopes", () => {
    expect(scopesFrom("shopper  service:ops\tpartner")).toEqual(["shopper", "service:ops", "partner"]);
    expect(scopesFrom(["shopper", 3, "x y"])).toEqual(["shopper"]);
    expect(scopesFrom(undefined)).toEqual([]);
  });
});

describe("createTokenVerifier", () => {
  it("uses the committed dev key by default: dev tokens verify", async () => {
    const verifier = await createTokenVerifier(loadGatewayConfig({}));
    await expect(verifier.verify(await signToken({ user: "42", scopes: ["shopper"] }))).resolves.toEqual({
      userId: "42",
      scopes: ["shopper"],
    });
  });

  it("reads a JWKS file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aisle-jwks-"));
    const path = join(dir, "jwks.json");
    await writeFile(
      path,
      JSON.stringify({ keys: [{ ...(await exportJWK(ec.publicKey)), kid: "k1", alg: "ES256" }] }),
    );
    const verifier = await createTokenVerifier(loadGatewayConfig({ AUTH_PUBLIC_KEY_FILE: path }));
    const token = await signToken({ user: "42", scopes: [] }, { ...ecSigner, kid: "k1" });
    await expect(verifier.verify(token)).resolves.toMatchObject({ userId: "42" });
    const devToken = await signToken({ user: "42", scopes: [] });
    expect(await reasonOf(verifier.verify(devToken))).toBe("unknown-key");
  });

  it("refuses to start in production without a key, or with the dev key under any name", async () => {
    const production = { NODE_ENV: "production", AISLE_INTERNAL_SECRET: "a-private-secret-for-the-test" };
    expect(() => loadGatewayConfig(production)).toThrow(/AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE/);
    const dir = await mkdtemp(join(tmpdir(), "aisle-devkey-"));
    const copy = join(dir, "innocent.pem");
    await copyFile(DEV_PUBLIC_KEY_FILE, copy);
    await expect(
      createTokenVerifier(loadGatewayConfig({ ...production, AUTH_PUBLIC_KEY_FILE: copy })),
    ).rejects.toThrow(/development key is refused/);
    const own = join(dir, "own.pem");
    await writeFile(own, ec.publicKey.export({ type: "spki", format: "pem" }));
    await expect(
      createTokenVerifier(loadGatewayConfig({ ...production, AUTH_PUBLIC_KEY_FILE: own })),
    ).resolves.toBeInstanceOf(TokenVerifier);
  });

  it("refuses symmetric algorithms in AUTH_ALGORITHMS", () => {
    expect(() => loadGatewayConfig({ AUTH_ALGORITHMS: "HS256" })).toThrow(/AUTH_ALGORITHMS/);
    expect(() => loadGatewayConfig({ AUTH_ALGORITHMS: "none" })).toThrow(/AUTH_ALGORITHMS/);
  });
});
