import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";

/** A GraphQL error as the gateway sends it. */
export interface GatewayError {
  readonly message: string;
  readonly extensions?: { readonly code?: string };
}

export interface GatewayResult<T> {
  readonly data?: T | null;
  readonly errors?: readonly GatewayError[];
}

/** Sends one typed operation to the gateway from the server (checkout), with an optional bearer token. */
export async function gatewayRequest<TResult, TVariables>(
  gatewayUrl: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  token?: string,
): Promise<GatewayResult<TResult>> {
  const response = await fetch(gatewayUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query: print(document), variables }),
    signal: AbortSignal.timeout(10_000),
  });
  return (await response.json()) as GatewayResult<TResult>;
}
