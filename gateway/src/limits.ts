import { readFileSync } from "node:fs";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { ApolloServerPlugin } from "@apollo/server";
import {
  getVariableValues,
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import { ErrorCode } from "@aisle/kit";
import type { GatewayConfig } from "./config.ts";
import { costModelFromSupergraph, DEFAULT_COST_OPTIONS, operationCost, type CostModel } from "./cost.ts";

/** Reports an Armor rejection as a validation error with Aisle's code, so clients can tell limits apart. */
function rejectWith(code: ErrorCode) {
  return {
    propagateOnRejection: false,
    onReject: [
      (ctx: ValidationContext | null, error: GraphQLError) => {
        ctx?.reportError(
          new GraphQLError(error.message.replace(/^Syntax Error: /, ""), { extensions: { code } }),
        );
      },
    ],
  };
}

export interface OperationLimits {
  readonly plugins: ApolloServerPlugin[];
  readonly validationRules: ValidationRule[];
  /** For Apollo's `parseOptions`: a document over the token limit fails to parse (GRAPHQL_PARSE_FAILED, 400). */
  readonly parseOptions: { readonly maxTokens: number };
}

/**
 * Refuses an operation whose static cost (see cost.ts: the subgraphs' `@cost` and `@listSize`, with the
 * variables' values for slicing arguments such as `first`) is above `maxCost`: 400 QUERY_TOO_COSTLY before
 * a query plan runs, with the cost and the limit in `extensions`.
 */
export function costLimitPlugin(model: CostModel, maxCost: number): ApolloServerPlugin {
  // Apollo Server hands a repeated operation the same parsed document (its document cache), so the cost of a
  // document with given variables is computed once: a few variable sets per document, dropped when full.
  const known = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (operation === undefined) return;
          const key = `${operation.name?.value ?? ""} ${JSON.stringify(request.variables ?? {})}`;
          let costs = known.get(document);
          if (costs === undefined) known.set(document, (costs = new Map()));
          let cost = costs.get(key);
          if (cost === undefined) {
            cost = costOf(schema, document, operation, request.variables ?? {});
            if (cost === undefined) return;
            if (costs.size >= COSTS_PER_DOCUMENT) costs.clear();
            costs.set(key, cost);
          }
          if (cost <= maxCost) return;
          throw new GraphQLError(
            `The operation costs ${cost}, above the limit of ${maxCost}: ask for fewer items (a smaller \`first\`) or fewer expensive fields`,
            { extensions: { code: ErrorCode.QUERY_TOO_COSTLY, cost, maxCost, http: { status: 400 } } },
          );
        },
      };
    },
  };

  function costOf(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
  ): number | undefined {
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    // Bad variables fail execution with their own error.
    if (coerced.errors !== undefined) return undefined;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of document.definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    return operationCost(schema, model, operation, fragments, coerced.coerced, DEFAULT_COST_OPTIONS);
  }
}

/** Variable sets whose cost is kept per parsed document. */
const COSTS_PER_DOCUMENT = 32;

/**
 * Operation limits checked before a query plan is built, so an abusive operation never reaches a subgraph.
 * Token count is checked by the parser (GRAPHQL_PARSE_FAILED); depth, aliases and directives during
 * validation with their own codes; cost once the operation and its variables are known (costLimitPlugin).
 */
export function operationLimits(config: GatewayConfig): OperationLimits {
  const production = config.NODE_ENV === "production";
  const armor = new ApolloArmor({
    maxDepth: {
      n: config.MAX_DEPTH,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...rejectWith(ErrorCode.QUERY_TOO_DEEP),
    },
    maxAliases: { n: config.MAX_ALIASES, ...rejectWith(ErrorCode.TOO_MANY_ALIASES) },
    // Cost comes from the supergraph's @cost/@listSize declarations (costLimitPlugin), not Armor's guesses.
    costLimit: { enabled: false },
    maxDirectives: { n: config.MAX_DIRECTIVES, ...rejectWith(ErrorCode.TOO_MANY_DIRECTIVES) },
    // Armor's token plugin for Apollo throws outside the pipeline (HTTP 500); graphql-js's own parser limit is used instead.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: production },
  });
  const { plugins, validationRules } = armor.protect();
  const model = costModelFromSupergraph(readFileSync(config.SUPERGRAPH_PATH, "utf8"));
  // graphql-armor's typings point at @apollo/server's CommonJS types; the plugin objects are the same at run time.
  return {
    plugins: [...(plugins as unknown as ApolloServerPlugin[]), costLimitPlugin(model, config.MAX_COST)],
    validationRules,
    parseOptions: { maxTokens: config.MAX_TOKENS },
  };
}
