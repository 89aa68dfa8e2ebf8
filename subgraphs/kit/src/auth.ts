import { getMetadataStorage, type AuthCheckerFn, type ResolverData } from "type-graphql";
import { isNonNullType, isObjectType, type GraphQLSchema } from "graphql";
import type { RequestContext } from "./context.ts";
import { codedError, ErrorCode } from "./errors.ts";

/**
 * Scopes a verified caller may hold (the gateway maps them from the token's scope claim). Service scopes start
 * with `service:`; they are for other back ends, never for a browser.
 */
export const Scope = {
  /** A signed-in shopper: their own profile, cart, orders. */
  shopper: "shopper",
  /** A partner (seller or marketplace integration). */
  partner: "partner",
  /** The checkout service: reads profiles to price, ship and assess risk. */
  checkout: "service:checkout",
  /** Operations staff tooling: support and admin mutations. */
  ops: "service:ops",
  /** Catalog managers: create, change and archive products. */
  catalogManager: "catalog-manager",
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

/** True for scopes of back-end services (`service:*`), which get higher limits and broader reads. */
export function isServiceScope(scope: string): boolean {
  return scope.startsWith("service:");
}

/**
 * Role strings for type-graphql's `@Authorized(...)`. Build them with these helpers, never by hand. A field
 * listing several roles is granted when ANY of them holds (type-graphql's convention):
 *
 * ```ts
 * @Authorized(Rule.owner("id"), Rule.scope(Scope.ops), Rule.scope(Scope.checkout))
 * @Field(() => String, { nullable: true, description: "…" })
 * email!: string;
 * ```
 *
 * - `Rule.authenticated` (or a bare `@Authorized()`): any caller with a verified user id.
 * - `Rule.scope(s)`: the caller holds scope `s` (e.g. `service:ops`).
 * - `Rule.owner(field = "ownerId")`: the root object's `field` equals the caller's user id. The root is the
 *   object the field belongs to, so this works on object-type fields (not on Query/Mutation fields, whose
 *   root is empty: there, take the id from the context, as `Query.me` does).
 *
 * Where to put it: on a field of an object type (`@Field` or `@FieldResolver`), on a query or mutation, or on
 * a whole resolver class (every operation of it). Protected object fields must be nullable, so a refusal nulls
 * only that field; `buildFederatedSchema` refuses the schema otherwise. Example for a service-only mutation:
 *
 * ```ts
 * @Authorized(Rule.scope(Scope.checkout))
 * @Mutation(() => RiskAssessment, { nullable: true, description: "…" })
 * ```
 */
export const Rule = {
  authenticated: "authenticated",
  scope: (scope: string): string => `scope:${scope}`,
  owner: (field = "ownerId"): string => `owner:${field}`,
} as const;

/**
 * Who may read a user's private data (profile fields, a personal feed): the user themself (the root's `id` is
 * the caller's user id), or a back-end service that needs it (checkout to ship and assess risk, ops tooling for
 * support). Partners and other shoppers may not. Any subgraph extending `User` uses this one rule.
 */
export const OWNER_OR_SERVICE: readonly string[] = [
  Rule.owner("id"),
  Rule.scope(Scope.ops),
  Rule.scope(Scope.checkout),
];

type ParsedRule =
  | { readonly kind: "authenticated" }
  | { readonly kind: "scope"; readonly scope: string }
  | { readonly kind: "owner"; readonly field: string };

function parseRule(role: unknown): ParsedRule {
  if (role === Rule.authenticated) return { kind: "authenticated" };
  if (typeof role === "string" && role.startsWith("scope:") && role.length > "scope:".length) {
    return { kind: "scope", scope: role.slice("scope:".length) };
  }
  if (typeof role === "string" && role.startsWith("owner:") && role.length > "owner:".length) {
    return { kind: "owner", field: role.slice("owner:".length) };
  }
  throw new Error(
    `Unknown @Authorized role ${JSON.stringify(role)}: build roles with Rule.* from @aisle/kit`,
  );
}

function ownerOf(root: unknown, field: string, where: string): unknown {
  if (typeof root !== "object" || root === null || !(field in root)) {
    throw new Error(`${where}: Rule.owner("${field}") needs a root object with a "${field}" property`);
  }
  return (root as Record<string, unknown>)[field];
}

function grants(rule: ParsedRule, data: ResolverData<RequestContext>): boolean {
  const { identity } = data.context;
  switch (rule.kind) {
    case "authenticated":
      return identity.userId !== null;
    case "scope":
      return identity.scopes.includes(rule.scope);
    case "owner": {
      const where = `${data.info.parentType.name}.${data.info.fieldName}`;
      const owner = ownerOf(data.root, rule.field, where);
      return (
        identity.userId !== null && owner !== null && owner !== undefined && String(owner) === identity.userId
      );
    }
  }
}

/**
 * Aisle's one auth checker for type-graphql (`buildFederatedSchema` installs it with `authMode: "error"`).
 * It never answers `false`: a refusal throws a coded error, so the refused field is null and carries the error
 * while the rest of the query resolves (partial data):
 *
 * - an anonymous caller gets `UNAUTHENTICATED` ("sign in and try again"),
 * - a signed-in caller or service without the right gets `FORBIDDEN`.
 *
 * The code depends only on who calls, never on whether the data exists, so it leaks nothing about other users.
 */
export const aisleAuthChecker: AuthCheckerFn<RequestContext, string> = (data, roles) => {
  const rules = (roles.length === 0 ? [Rule.authenticated] : roles).map(parseRule);
  if (rules.some((rule) => grants(rule, data))) return true;
  const where = `${data.info.parentType.name}.${data.info.fieldName}`;
  if (data.context.identity.userId === null && data.context.identity.scopes.length === 0) {
    throw codedError(ErrorCode.UNAUTHENTICATED, `Sign in to read ${where}`, { field: where });
  }
  throw codedError(ErrorCode.FORBIDDEN, `You are not allowed to read ${where}`, { field: where });
};

/**
 * The object-type classes a schema built from `resolvers` uses: type-graphql's metadata is global, and several
 * subgraphs built in one process (the demo, compose, tests) each have their own class named e.g. `User`.
 */
function reachableObjectClasses(resolvers: readonly unknown[]): Set<unknown> {
  const storage = getMetadataStorage();
  const ours = new Set(resolvers);
  const seen = new Set<unknown>();
  const visit = (type: unknown): void => {
    if (typeof type !== "function" || seen.has(type)) return;
    const meta = storage.objectTypes.find((o) => o.target === type);
    if (meta === undefined) return;
    seen.add(type);
    for (const field of meta.fields ?? []) visit(field.getType());
  };
  const typeOf = (thunk: () => unknown): unknown => {
    try {
      return thunk();
    } catch {
      return undefined; // `@Resolver()` without an object type
    }
  };
  for (const r of storage.resolverClasses) if (ours.has(r.target)) visit(typeOf(r.getObjectType));
  for (const r of [...storage.queries, ...storage.mutations])
    if (ours.has(r.target)) visit(r.getReturnType());
  for (const r of storage.fieldResolvers) if (ours.has(r.target)) visit(r.getType?.());
  return seen;
}

/**
 * Checks, when a schema is built, that every `@Authorized` field of an object type is nullable (a refused
 * non-null field would null its whole parent, not just itself) and that every role parses. Returns problems.
 */
export function authorizationProblems(schema: GraphQLSchema, resolvers: readonly unknown[] = []): string[] {
  const storage = getMetadataStorage();
  const problems: string[] = [];
  const rootTypes = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].map((t) => t?.name),
  );
  const used = reachableObjectClasses(resolvers);
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name);
    if (!used.has(objectType.target) || !isObjectType(type) || rootTypes.has(type.name)) continue;
    // Built metadata: each field of the class, with roles from @Authorized on the field or its field resolver.
    for (const field of objectType.fields ?? []) {
      if (field.roles === undefined) continue;
      for (const role of field.roles) {
        try {
          parseRule(role);
        } catch (error) {
          problems.push(`${type.name}.${field.schemaName}: ${(error as Error).message}`);
        }
      }
      const built = type.getFields()[field.schemaName];
      if (built !== undefined && isNonNullType(built.type)) {
        problems.push(`${type.name}.${field.schemaName} is @Authorized and must be nullable`);
      }
    }
  }
  const ours = new Set(resolvers);
  const resolverRoles = [...storage.queries, ...storage.mutations, ...storage.fieldResolvers]
    .filter((r) => ours.has(r.target))
    .flatMap((r) => (r.roles ?? []).map((role) => ({ role, where: `${r.target.name}.${r.methodName}` })));
  for (const { role, where } of resolverRoles) {
    try {
      parseRule(role);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
  }
  return [...new Set(problems)];
}
