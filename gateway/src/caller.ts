import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { HeaderMap } from "@apollo/server";
import type { GraphQLError } from "graphql";
import {
  ANONYMOUS,
  codedError,
  ErrorCode,
  requestIdFrom,
  SPOOFABLE_HEADERS,
  type Identity,
  type Logger,
} from "@aisle/kit";
import type { GatewayContext } from "./context.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { InvalidTokenError, KeysUnavailableError, type TokenVerifier } from "./token-verifier.ts";

/**
 * Drops every identity header a client sent (x-user-id, a forged x-aisle-identity…) before anything else
 * sees the request. Identity reaches subgraphs only as the gateway's own signed header.
 */
export function stripSpoofableHeaders(headers: IncomingHttpHeaders): void {
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a fixed list of names on a plain header object
  for (const name of SPOOFABLE_HEADERS) delete headers[name];
}

/** The client address used to rate-limit anonymous callers: the socket peer, or the N-th X-Forwarded-For hop from the right. */
export function clientIpOf(req: IncomingMessage, trustedProxyHops: number): string {
  const socketIp = req.socket.remoteAddress ?? "unknown";
  if (trustedProxyHops === 0) return socketIp;
  const forwarded = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(forwarded) ? forwarded.join(",") : (forwarded ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return hops[hops.length - trustedProxyHops] ?? hops[0] ?? socketIp;
}

/** The bearer token of an Authorization header; undefined without one; "malformed" for any other shape. */
export function bearerTokenOf(header: string | undefined): string | undefined | "malformed" {
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9_.~+/-]+=*) *$/i.exec(header);
  return match?.[1] ?? "malformed";
}

function unauthenticated(reason: string): GraphQLError {
  return codedError(ErrorCode.UNAUTHENTICATED, "The bearer token is invalid or expired; sign in again", {
    reason,
    http: {
      status: 401,
      headers: new HeaderMap([
        ["www-authenticate", `Bearer error="invalid_token", error_description="${reason}"`],
      ]),
    },
  });
}

export interface CallerOptions {
  readonly verifier: TokenVerifier;
  /** null when rate limiting is off. */
  readonly limiter: RateLimiter | null;
  readonly trustedProxyHops: number;
  readonly log: Logger;
}

/**
 * The gateway's context factory: verifies the caller and applies their rate limit before any GraphQL work.
 * Errors carry `extensions.http`, so Apollo answers them with their own status instead of 500:
 * a bad token is 401 UNAUTHENTICATED (never silently anonymous), keys that cannot be fetched 503 UNAVAILABLE,
 * a caller over their limit 429 RATE_LIMITED with `retry-after`.
 */
export async function contextForCaller(
  req: IncomingMessage,
  options: CallerOptions,
): Promise<GatewayContext> {
  const requestId = requestIdFrom(req.headers);
  const log = options.log.child({ requestId });
  const token = bearerTokenOf(req.headers.authorization);
  let identity: Identity = ANONYMOUS;
  if (token === "malformed") throw unauthenticated("malformed");
  if (token !== undefined) {
    try {
      identity = await options.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        log.info({ reason: error.reason }, "bearer token refused");
        throw unauthenticated(error.reason);
      }
      if (error instanceof KeysUnavailableError) {
        log.error({ err: error.cause }, "identity provider keys unavailable");
        throw codedError(ErrorCode.UNAVAILABLE, "Sign-in is unavailable right now; try again shortly", {
          http: { status: 503 },
        });
      }
      throw error;
    }
  }
  if (options.limiter !== null) {
    const verdict = await options.limiter.check(identity, clientIpOf(req, options.trustedProxyHops));
    if (!verdict.allowed) {
      log.info({ callerClass: verdict.callerClass, userId: identity.userId }, "rate limited");
      throw codedError(
        ErrorCode.RATE_LIMITED,
        `Too many requests: ${verdict.limit} per minute for ${verdict.callerClass} callers; retry in ${verdict.retryAfterSeconds} s`,
        {
          retryAfterSeconds: verdict.retryAfterSeconds,
          http: { status: 429, headers: new HeaderMap([["retry-after", String(verdict.retryAfterSeconds)]]) },
        },
      );
    }
  }
  return { requestId, identity };
}
