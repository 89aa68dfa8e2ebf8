import type { Identity } from "@aisle/kit";

/** The gateway's per-request context: who is calling (verified) and the id that follows the request everywhere. */
export interface GatewayContext {
  readonly requestId: string;
  readonly identity: Identity;
}
