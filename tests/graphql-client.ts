import { randomUUID } from "node:crypto";
import { print, type DocumentNode } from "graphql";
import { DEV_INTERNAL_SECRET, signIdentity } from "@aisle/kit";

export interface GraphQLResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

/** POSTs one operation and returns status, headers and the parsed body: what a real client sees. */
export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  operation: string | DocumentNode,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResult<T>> {
  const query = typeof operation === "string" ? operation : print(operation);
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLResult<T>["body"],
  };
}

export function codes(result: GraphQLResult<unknown>): unknown[] {
  return (result.body.errors ?? []).map((e) => e.extensions?.["code"]);
}

/** Headers of a call the gateway signed for `userId` with `scopes` (dev secret): for calling a subgraph directly. */
export function signedAs(userId: string, scopes: readonly string[]): Record<string, string> {
  const requestId = randomUUID();
  return {
    "x-request-id": requestId,
    "x-aisle-identity": signIdentity({ userId, scopes: [...scopes] }, requestId, DEV_INTERNAL_SECRET),
  };
}
