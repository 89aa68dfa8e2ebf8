import { print, type DocumentNode } from "graphql";
import { DEV_INTERNAL_SECRET, signedHeaders } from "@aisle/kit";

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
  headers: Record<string, string> | SignedHeaders = {},
): Promise<GraphQLResult<T>> {
  const query = typeof operation === "string" ? operation : print(operation);
  const body = JSON.stringify({ query, variables });
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(typeof headers === "function" ? headers(body) : headers),
    },
    body,
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

/** Headers computed from the exact body sent (postGraphQL calls it once per request). */
export type SignedHeaders = (body: string) => Record<string, string>;

/**
 * Headers of a call the gateway signed for `userId` with `scopes` to `subgraph` (dev secret), for calling a
 * subgraph directly: the signature is bound to the subgraph and the body, so postGraphQL signs each request.
 */
export function signedAs(userId: string, scopes: readonly string[], subgraph: string): SignedHeaders {
  return (body) => signedHeaders({ userId, scopes: [...scopes] }, { subgraph, body }, DEV_INTERNAL_SECRET);
}
