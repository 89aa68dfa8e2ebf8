import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { z } from "zod";
import { DEV_INTERNAL_SECRET } from "@aisle/kit";
import type { EventAttribution } from "./activity.features.ts";

const VERSION = "at1";
/** Domain separation: an attribution MAC can never pass for the gateway's identity MAC (same secret). */
const DOMAIN = "aisle-attribution";

export const attributionEnvShape = {
  /**
   * The internal secret shared by the subgraphs (also the gateway identity's): attribution tokens are an
   * HMAC-SHA256 under it, so recommendation signs what user-profile verifies. Default: the development secret.
   */
  AISLE_INTERNAL_SECRET: z.string().min(16).default(DEV_INTERNAL_SECRET),
};

/** What a token says: a product shown at a position of one recommendation list, by one model version. */
export interface AttributionClaim extends EventAttribution {
  readonly productId: string;
  /** When the list was served (epoch ms). */
  readonly issuedAt: number;
}

/** Why a token was refused (the message names the reason; the caller turns it into a coded error). */
export class AttributionError extends Error {}

/** How long a token is accepted after the list was served: a purchase a few weeks later still counts. */
export const ATTRIBUTION_MAX_AGE_MS = 30 * 86_400_000;
const MAX_TOKEN_LENGTH = 600;

/**
 * Signs and verifies attribution tokens: `at1.<payload>.<mac>`, the payload base64url JSON of the claim, the
 * MAC an HMAC-SHA256 of version and payload under the internal secret. Opaque to clients (they pass it back
 * with a click or purchase event); tamper-evident (any change breaks the MAC); expiring.
 */
export class AttributionTokens {
  /** Prepared once: an HMAC under a KeyObject costs half of one under the string, and lists sign per item. */
  readonly #key: KeyObject;

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.#key = createSecretKey(Buffer.from(secret, "utf8"));
  }

  sign(claim: Omit<AttributionClaim, "issuedAt"> & { readonly issuedAt?: number }): string {
    const body: AttributionClaim = { ...claim, issuedAt: claim.issuedAt ?? this.now() };
    const payload = Buffer.from(
      JSON.stringify([
        body.listId,
        body.position,
        body.productId,
        body.modelVersion,
        body.reasonCode,
        body.issuedAt,
      ]),
    ).toString("base64url");
    return `${VERSION}.${payload}.${this.#mac(payload).toString("base64url")}`;
  }

  /** The claim of a valid token; throws AttributionError (with the reason) for any other. */
  verify(token: string): AttributionClaim {
    if (token.length > MAX_TOKEN_LENGTH) throw new AttributionError("attribution token too long");
    const [version, payload, mac, ...rest] = token.split(".");
    if (version !== VERSION || payload === undefined || mac === undefined || rest.length > 0) {
      throw new AttributionError("malformed attribution token");
    }
    const expected = this.#mac(payload);
    const given = Buffer.from(mac, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AttributionError("attribution token signature does not verify");
    }
    let parts: unknown;
    try {
      parts = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      throw new AttributionError("malformed attribution token");
    }
    if (
      !Array.isArray(parts) ||
      parts.length !== 6 ||
      typeof parts[0] !== "string" ||
      typeof parts[1] !== "number" ||
      typeof parts[2] !== "string" ||
      typeof parts[3] !== "string" ||
      typeof parts[4] !== "string" ||
      typeof parts[5] !== "number"
    ) {
      throw new AttributionError("malformed attribution token");
    }
    const claim: AttributionClaim = {
      listId: parts[0],
      position: parts[1],
      productId: parts[2],
      modelVersion: parts[3],
      reasonCode: parts[4],
      issuedAt: parts[5],
    };
    if (this.now() - claim.issuedAt > ATTRIBUTION_MAX_AGE_MS) {
      throw new AttributionError("attribution token expired (older than 30 days)");
    }
    return claim;
  }

  #mac(payload: string): Buffer {
    return createHmac("sha256", this.#key).update(`${DOMAIN}.${VERSION}.${payload}`).digest();
  }
}
