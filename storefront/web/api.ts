import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";

/** The shop's price and delivery context: US dollars, shipped within the US. */
export const PRICE = { currency: "USD", region: "US" } as const;

export interface GraphQLError {
  readonly message: string;
  readonly extensions?: { readonly code?: string };
}

/** A failed request: no data at all. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Sends one typed operation through the storefront server's /graphql proxy (same origin; the server adds the
 * signed-in shopper's token). Partial data comes back with its errors; no data at all throws.
 */
export async function query<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Promise<{ data: TResult; errors: readonly GraphQLError[] }> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: TResult | null; errors?: GraphQLError[] };
  if (body.data === undefined || body.data === null) {
    const first = body.errors?.[0];
    throw new RequestError(first?.message ?? `HTTP ${response.status}`, first?.extensions?.code);
  }
  return { data: body.data, errors: body.errors ?? [] };
}

/** POSTs JSON to one of the storefront server's own routes; an error answer throws with its code. */
export async function postJson<T>(path: string, body: unknown, method = "POST"): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as T & { error?: { code: string; message: string } };
  if (!response.ok)
    throw new RequestError(answer.error?.message ?? `HTTP ${response.status}`, answer.error?.code);
  return answer;
}
