import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import {
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLFormattedError,
  type SelectionSetNode,
} from "graphql";

type Path = readonly (string | number)[];

function typenameOf(representation: unknown): string | undefined {
  if (typeof representation !== "object" || representation === null) return undefined;
  const typename = (representation as { __typename?: unknown }).__typename;
  return typeof typename === "string" ? typename : undefined;
}

/**
 * The response names a selection set fills for an object of type `typename` (any type when undefined):
 * its fields, and those of the fragments that apply to the type. `__typename` is left out: the gateway
 * knows it already, and it never fails.
 */
function responseNames(
  selectionSet: SelectionSetNode,
  typename: string | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  names = new Set<string>(),
): Set<string> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!selection.name.value.startsWith("__")) names.add(selection.alias?.value ?? selection.name.value);
      continue;
    }
    const fragment =
      selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
    if (fragment === undefined) continue;
    const condition = fragment.typeCondition?.name.value;
    if (typename === undefined || condition === undefined || condition === typename) {
      responseNames(fragment.selectionSet, typename, fragments, names);
    }
  }
  return names;
}

/**
 * The paths, in the subgraph's own response, that a fetch was to fill: `[field]` for each root field of a
 * root fetch, `["_entities", i, field]` for each field asked of each entity representation `i`. The gateway
 * turns them into paths of the client's response, the same way it places a subgraph's own errors.
 */
export function fetchPaths(document: DocumentNode, representations: unknown): Path[] {
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operation === undefined) return [];
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const entities = operation.selectionSet.selections.find(
    (s) => s.kind === Kind.FIELD && s.name.value === "_entities",
  );
  if (Array.isArray(representations) && entities?.kind === Kind.FIELD && entities.selectionSet) {
    const selectionSet = entities.selectionSet;
    const entitiesName = entities.alias?.value ?? entities.name.value;
    return representations.flatMap((representation: unknown, index) => {
      let names = responseNames(selectionSet, typenameOf(representation), fragments);
      // A type condition on an interface names no concrete type: count every field rather than none.
      if (names.size === 0) names = responseNames(selectionSet, undefined, fragments);
      return [...names].map((name) => [entitiesName, index, name]);
    });
  }
  return [...responseNames(operation.selectionSet, undefined, fragments)].map((name) => [name]);
}

/** The fetch operation's document: the one the query plan carries, or its text parsed (failures only). */
export function documentOf(document: DocumentNode | undefined, query: string | undefined): DocumentNode {
  return document ?? parse(query ?? "{ __typename }");
}

/** One failed subgraph fetch: its errors, one per path it was to fill, point back at it. */
export interface FetchFailure {
  readonly serviceName: string;
  /** The failure as the client reads it; its `originalError` is the cause (network error, timeout…). */
  readonly error: GraphQLError;
}

const failures = new WeakMap<object, FetchFailure>();

/**
 * The answer that stands for a failed fetch: no data, and `failure` repeated at every path the fetch was to
 * fill, so a client sees which fields are null and why. With no path to give, the error stands alone.
 */
export function failedFetchResponse(
  serviceName: string,
  error: GraphQLError,
  paths: readonly Path[],
): GatewayGraphQLResponse {
  const failure: FetchFailure = { serviceName, error };
  const errors = (paths.length === 0 ? [undefined] : paths).map((path) => {
    const located: GraphQLFormattedError = {
      message: error.message,
      ...(path === undefined ? {} : { path }),
      extensions: error.extensions,
    };
    failures.set(located, failure);
    return located;
  });
  return { errors };
}

/**
 * The failed fetch an error of the gateway's response stands for, if any: the gateway wraps each error of a
 * subgraph answer, keeping the one the client made as `originalError`.
 */
export function fetchFailureOf(error: GraphQLError): FetchFailure | undefined {
  const original: unknown = error.originalError;
  return typeof original === "object" && original !== null ? failures.get(original) : undefined;
}
