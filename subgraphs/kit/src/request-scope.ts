import { AsyncLocalStorage } from "node:async_hooks";

interface RequestScope {
  readonly requestId: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/**
 * Runs `work` as part of the HTTP request `requestId`. The HTTP handler opens the scope, so code with no
 * request context at hand (Apollo's `formatError`) can still name the request, e.g. in a masked error.
 */
export function inRequestScope<T>(requestId: string, work: () => T): T {
  return scope.run({ requestId }, work);
}

/** The id of the HTTP request being served, or undefined outside one. */
export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}
