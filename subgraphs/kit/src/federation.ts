import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper/index.js";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { parse, type GraphQLSchema } from "graphql";
import { buildSchema, createResolversMap, Directive, type BuildSchemaOptions } from "type-graphql";
import { aisleAuthChecker, authorizationProblems } from "./auth.ts";
import type { RequestContext } from "./context.ts";
import type { LoaderSpec } from "./loaders.ts";

/** The Federation version and the directives every Aisle subgraph may use. One place, so all subgraphs agree. */
const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible", "@tag", "@override", "@interfaceObject", "@cost", "@listSize"])`;

/** The `@tag` name of the partner contract: what partners may use (schema/partner.graphql). */
export const PARTNER_TAG = "partner";

/**
 * Puts a field (or every field of a type) into the partner contract: `@tag(name: "partner")`. The contract is
 * deny-by-default: an untagged field is outside it, and the gateway refuses it to partner-scoped callers.
 * On a type, every field of that type across all subgraphs joins, so tag entity types (Product, User) field by
 * field and only value types owned by one subgraph as a whole. Enums, inputs and scalars reached from a
 * contract field join by themselves (see gateway/src/partner-contract.ts).
 *
 * ```ts
 * @PartnerContract()
 * @Field(() => String, { description: "Display title." })
 * title!: string;
 * ```
 */
export function PartnerContract(): ReturnType<typeof Directive> {
  return Directive(`@tag(name: "${PARTNER_TAG}")`);
}

/** `__resolveReference` for one entity type, resolved through a per-request DataLoader: one lookup per request. */
export type ReferenceResolvers = Record<
  string,
  { __resolveReference: (reference: { id: string }, context: RequestContext) => unknown }
>;

/**
 * The reference resolver of an entity keyed by `id`: every `_entities` representation of that type in one
 * request goes into one batch call of `loader`. Unknown ids resolve to null.
 */
export function referenceById<V>(loader: LoaderSpec<string, V>): ReferenceResolvers[string] {
  return {
    __resolveReference: (reference, context) => context.loaders.get(loader).load(reference.id),
  };
}

export interface FederatedSchemaOptions extends Omit<
  BuildSchemaOptions,
  "skipCheck" | "emitSchemaFile" | "authChecker" | "authMode"
> {
  /** Keyed by entity type name. */
  readonly references?: ReferenceResolvers;
}

/**
 * Turns type-graphql classes into a Federation 2 subgraph schema: builds the type-graphql schema, prints it
 * with its directives (`@key` and friends), adds the `@link` to the federation spec and merges the
 * type-graphql resolvers with the entity reference resolvers.
 *
 * Authorisation: `@Authorized(Rule.…)` on fields and resolvers is checked by the kit's one `aisleAuthChecker`
 * (see auth.ts) in `authMode: "error"`: a refused field is null with an UNAUTHENTICATED or FORBIDDEN error and
 * the rest of the query resolves. Building fails if an `@Authorized` object field is non-null or a role is unknown.
 */
export async function buildFederatedSchema(options: FederatedSchemaOptions): Promise<GraphQLSchema> {
  const { references = {}, ...buildOptions } = options;
  const schema = await buildSchema({
    ...buildOptions,
    authChecker: aisleAuthChecker,
    authMode: "error",
    skipCheck: true,
  });
  const problems = authorizationProblems(schema, buildOptions.resolvers);
  if (problems.length > 0) {
    throw new Error(`Authorisation rules are wrong:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, reference] of Object.entries(references)) {
    resolvers[typeName] = {
      ...(resolvers[typeName] ?? {}),
      ...reference,
    } as GraphQLResolverMap<unknown>[string];
  }
  return buildSubgraphSchema({ typeDefs, resolvers });
}
