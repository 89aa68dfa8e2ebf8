import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError, type ValidationContext, type ValidationRule } from "graphql";
import { ErrorCode } from "@aisle/kit";
import type { GatewayConfig } from "./config.ts";

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
 * Operation limits checked before a query plan is built, so an abusive operation never reaches a subgraph.
 * Token count is checked by the parser (GRAPHQL_PARSE_FAILED); the rest during validation with their own codes.
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
    costLimit: { maxCost: config.MAX_COST, ...rejectWith(ErrorCode.QUERY_TOO_COSTLY) },
    maxDirectives: { n: config.MAX_DIRECTIVES, ...rejectWith(ErrorCode.TOO_MANY_DIRECTIVES) },
    // Armor's token plugin for Apollo throws outside the pipeline (HTTP 500); graphql-js's own parser limit is used instead.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: production },
  });
  const { plugins, validationRules } = armor.protect();
  // graphql-armor's typings point at @apollo/server's CommonJS types; the plugin objects are the same at run time.
  return {
    plugins: plugins as unknown as ApolloServerPlugin[],
    validationRules,
    parseOptions: { maxTokens: config.MAX_TOKENS },
  };
}
