import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "./logger.ts";
import { LoaderRegistry } from "./loaders.ts";
import { ANONYMOUS, Headers, verifyIdentity, type Identity } from "./identity.ts";
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

/** How a subgraph treats a request whose gateway signature is missing or wrong. */
export type UnsignedPolicy = "anonymous" | "reject";

export interface ContextOptions {
  readonly internalSecret: string;
  readonly unsignedPolicy: UnsignedPolicy;
  readonly log: Logger;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers[Headers.requestId];
  return typeof given === "string" && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/**
 * Builds the context of a subgraph request from the headers the gateway forwarded. Identity comes only from
 * the signed identity header; a forged or missing one makes the caller anonymous, or is refused with
 * UNAUTHENTICATED when the policy is "reject".
 */
export function contextFromHeaders(headers: IncomingHttpHeaders, options: ContextOptions): RequestContext {
  const requestId = requestIdFrom(headers);
  const raw = headers[Headers.identity];
  const verification = verifyIdentity(
    typeof raw === "string" ? raw : undefined,
    requestId,
    options.internalSecret,
  );
  const log = options.log.child({ requestId });
  if (verification.ok) return new RequestContext(requestId, verification.identity, log);
  if (options.unsignedPolicy === "reject") {
    log.warn({ reason: verification.reason }, "request without a valid gateway signature refused");
    throw codedError(ErrorCode.UNAUTHENTICATED, "Requests must come through the Aisle gateway", {
      http: { status: 401 },
    });
  }
  if (verification.reason !== "missing") {
    log.warn({ reason: verification.reason }, "invalid gateway signature; treating caller as anonymous");
  }
  return new RequestContext(requestId, ANONYMOUS, log);
}
