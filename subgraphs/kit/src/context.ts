import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "./logger.ts";
import { LoaderRegistry } from "./loaders.ts";
import {
  ANONYMOUS,
  Headers,
  isMisusedSignature,
  verifyIdentity,
  type Identity,
  type IdentityFailure,
} from "./identity.ts";
import type { ReplayCache } from "./replay-cache.ts";
import { codedError, ErrorCode } from "./errors.ts";

/** What every resolver of a subgraph receives as its context: one instance per GraphQL request. */
export class RequestContext {
  readonly loaders = new LoaderRegistry();

  constructor(
    readonly requestId: string,
    readonly identity: Identity,
    readonly log: Logger,
  ) {}

  get userId(): string | null {
    return this.identity.userId;
  }

  hasScope(scope: string): boolean {
    return this.identity.scopes.includes(scope);
  }
}

/** How a subgraph treats a request that presents no authentic gateway signature (none, or a forged one). */
export type UnsignedPolicy = "anonymous" | "reject";

export interface ContextOptions {
  /** This subgraph's name: a signature made for another subgraph is refused. */
  readonly subgraph: string;
  readonly internalSecret: string;
  readonly unsignedPolicy: UnsignedPolicy;
  /** Remembers accepted signatures so that each is accepted once. */
  readonly replayCache: ReplayCache;
  readonly log: Logger;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers[Headers.requestId];
  return typeof given === "string" && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

function unauthenticated(): Error {
  return codedError(ErrorCode.UNAUTHENTICATED, "Requests must come through the Aisle gateway", {
    http: { status: 401 },
  });
}

/**
 * Builds the context of a subgraph request from the headers the gateway forwarded and the exact body bytes
 * received. Identity comes only from the signed identity header, which must be for this request id, this
 * subgraph and this body, unexpired, and not seen before. A missing or forged header makes the caller
 * anonymous, or is refused with UNAUTHENTICATED when the policy is "reject". An authentic header used where
 * it does not belong (a replay: another body, another subgraph, another request, again, or too late) is
 * always refused with UNAUTHENTICATED: someone captured it.
 */
export async function contextFromRequest(
  headers: IncomingHttpHeaders,
  body: Uint8Array,
  options: ContextOptions,
): Promise<RequestContext> {
  const requestId = requestIdFrom(headers);
  const raw = headers[Headers.identity];
  const log = options.log.child({ requestId });
  const verification = verifyIdentity(
    typeof raw === "string" ? raw : undefined,
    { requestId, subgraph: options.subgraph, body },
    options.internalSecret,
  );
  let reason: IdentityFailure;
  if (verification.ok) {
    if (await options.replayCache.claim(verification.nonce, verification.expiresAt)) {
      return new RequestContext(requestId, verification.identity, log);
    }
    reason = "replayed";
  } else {
    reason = verification.reason;
  }
  if (isMisusedSignature(reason)) {
    log.warn({ reason, subgraph: options.subgraph }, "gateway signature used out of place; refused");
    throw unauthenticated();
  }
  if (options.unsignedPolicy === "reject") {
    log.warn({ reason }, "request without a valid gateway signature refused");
    throw unauthenticated();
  }
  if (reason !== "missing") {
    log.warn({ reason }, "invalid gateway signature; treating caller as anonymous");
  }
  return new RequestContext(requestId, ANONYMOUS, log);
}
