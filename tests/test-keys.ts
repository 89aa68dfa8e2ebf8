import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SigningKey } from "@aisle/gateway";

/**
 * A throwaway ES256 key pair for tests that run the gateway with NODE_ENV=production (which refuses the
 * committed dev key): `publicKeyFile` goes into AUTH_PUBLIC_KEY_FILE, `signing` into signToken.
 */
export function testKeyPair(): { readonly publicKeyFile: string; readonly signing: SigningKey } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicKeyFile = join(mkdtempSync(join(tmpdir(), "aisle-test-key-")), "public.pem");
  writeFileSync(publicKeyFile, publicKey.export({ type: "spki", format: "pem" }));
  return { publicKeyFile, signing: { key: privateKey, alg: "ES256" } };
}
