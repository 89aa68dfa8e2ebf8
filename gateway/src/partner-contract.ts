import { HeaderMap, type ApolloServerPlugin } from "@apollo/server";
import {
  assertValidSchema,
  buildASTSchema,
  execute,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  Kind,
  parse,
  printSchema,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type ConstDirectiveNode,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { codedError, ErrorCode, PARTNER_TAG, Scope } from "@aisle/kit";
import type { GatewayContext } from "./context.ts";

/**
 * Schema coordinates (`Type` and `Type.field`) carrying `@tag(name: …)` in a supergraph SDL, with their tag
 * names. Composition merges each subgraph's tags onto the supergraph element.
 */
export function taggedCoordinates(supergraphSdl: string): Map<string, Set<string>> {
  const tags = new Map<string, Set<string>>();
  const add = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined) => {
    for (const directive of directives ?? []) {
      if (directive.name.value !== "tag") continue;
      const name = directive.arguments?.find((a) => a.name.value === "name")?.value;
      if (name?.kind !== Kind.STRING) continue;
      const set = tags.get(coordinate) ?? new Set<string>();
      set.add(name.value);
      tags.set(coordinate, set);
    }
  };
  for (const definition of parse(supergraphSdl).definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_EXTENSION
    )
      continue;
    const type = definition.name.value;
    add(type, definition.directives);
    for (const field of definition.fields ?? []) add(`${type}.${field.name.value}`, field.directives);
  }
  return tags;
}

/**
 * A contract variant of the API schema: what a caller limited to `tag` may use (schema/partner.graphql for
 * `partner`). Deny by default, in the spirit of GraphOS contracts with an include filter:
 *
 * - an object or interface field is in when it, or its type, carries the tag;
 * - a field whose type ends up with no field is dropped, then the type; a union keeps its members that are in;
 * - enums, input types and scalars are in when a kept field or argument reaches them (whole: arguments of a
 *   kept field are kept, so a contract operation is a valid API operation);
 * - only types reachable from the kept root fields remain.
 *
 * The result is checked with graphql-js's schema validation; an inconsistent tagging (an interface field in,
 * an implementation's field out) throws with the reasons.
 */
/** A supergraph with no Query field tagged for the contract: there is no contract schema to publish. */
export class EmptyContractError extends Error {
  constructor(tag: string) {
    super(`The "${tag}" contract has no Query field: tag at least one with @tag(name: "${tag}")`);
    this.name = "EmptyContractError";
  }
}

export function contractSchema(apiSchema: GraphQLSchema, supergraphSdl: string, tag: string): GraphQLSchema {
  const tags = taggedCoordinates(supergraphSdl);
  const tagged = (coordinate: string) => tags.get(coordinate)?.has(tag) === true;
  const types = Object.values(apiSchema.getTypeMap()).filter((t) => !t.name.startsWith("__"));

  // Fields per object/interface type: first those tagged, then drop those whose type has nothing left.
  const kept = new Map<string, Set<string>>();
  for (const type of types) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    const fields = Object.keys(type.getFields()).filter(
      (field) => tagged(type.name) || tagged(`${type.name}.${field}`),
    );
    if (fields.length > 0) kept.set(type.name, new Set(fields));
  }
  const available = (named: GraphQLNamedType): boolean => {
    if (isObjectType(named) || isInterfaceType(named)) return kept.has(named.name);
    if (isUnionType(named)) return named.getTypes().some((member) => kept.has(member.name));
    return true;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const [typeName, fields] of kept) {
      const type = apiSchema.getType(typeName);
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      const definitions = type.getFields();
      for (const field of [...fields]) {
        const definition = definitions[field];
        if (definition !== undefined && available(getNamedType(definition.type))) continue;
        fields.delete(field);
        changed = true;
      }
      if (fields.size === 0) {
        kept.delete(typeName);
        changed = true;
      }
    }
  }

  // Types reachable from the root fields that remain.
  const reachable = new Set<string>();
  const reach = (named: GraphQLNamedType): void => {
    if (reachable.has(named.name)) return;
    if ((isObjectType(named) || isInterfaceType(named)) && !kept.has(named.name)) return;
    reachable.add(named.name);
    if (isObjectType(named) || isInterfaceType(named)) {
      const fields = named.getFields();
      for (const name of kept.get(named.name) ?? []) {
        const field = fields[name];
        if (field === undefined) continue;
        reach(getNamedType(field.type));
        for (const arg of field.args) reach(getNamedType(arg.type));
      }
      for (const iface of named.getInterfaces()) if (kept.has(iface.name)) reach(iface);
    } else if (isUnionType(named)) {
      for (const member of named.getTypes()) if (kept.has(member.name)) reach(member);
    } else if (isInputObjectType(named)) {
      for (const field of Object.values(named.getFields())) reach(getNamedType(field.type));
    }
  };
  const roots = [apiSchema.getQueryType(), apiSchema.getMutationType(), apiSchema.getSubscriptionType()];
  for (const root of roots) if (root !== null && root !== undefined) reach(root);
  if (!reachable.has(apiSchema.getQueryType()?.name ?? "Query")) {
    throw new EmptyContractError(tag);
  }

  // Filter the printed API schema, so descriptions, defaults and deprecations stay exactly as published.
  const definitions: DefinitionNode[] = [];
  for (const definition of parse(printSchema(apiSchema)).definitions) {
    if (!("name" in definition) || definition.name === undefined) {
      definitions.push(definition);
      continue;
    }
    const name = definition.name.value;
    if (definition.kind === Kind.DIRECTIVE_DEFINITION) {
      definitions.push(definition);
      continue;
    }
    if (!reachable.has(name)) continue;
    if (
      definition.kind === Kind.OBJECT_TYPE_DEFINITION ||
      definition.kind === Kind.INTERFACE_TYPE_DEFINITION
    ) {
      const fields = kept.get(name) ?? new Set<string>();
      definitions.push({
        ...definition,
        fields: (definition.fields ?? []).filter((f) => fields.has(f.name.value)),
        interfaces: (definition.interfaces ?? []).filter((i) => kept.has(i.name.value)),
      });
    } else if (definition.kind === Kind.UNION_TYPE_DEFINITION) {
      definitions.push({
        ...definition,
        types: (definition.types ?? []).filter((t) => kept.has(t.name.value)),
      });
    } else {
      definitions.push(definition);
    }
  }
  const contract = buildASTSchema({
    kind: Kind.DOCUMENT,
    definitions: definitions.map((d) =>
      d.kind === Kind.SCHEMA_DEFINITION
        ? { ...d, operationTypes: d.operationTypes.filter((o) => reachable.has(o.type.name.value)) }
        : d,
    ),
  });
  assertValidSchema(contract);
  return contract;
}

/**
 * The `Type.field` coordinates an operation selects that the contract lacks (meta fields such as
 * `__typename` are always allowed), plus validation errors of the document against the contract (a fragment
 * on a type outside it, a variable of an input type outside it), in document order, without duplicates.
 */
export function outsideContract(
  apiSchema: GraphQLSchema,
  contract: GraphQLSchema,
  document: DocumentNode,
): string[] {
  const outside: string[] = [];
  const typeInfo = new TypeInfo(apiSchema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const name = node.name.value;
        const parent = typeInfo.getParentType();
        if (name.startsWith("__") || parent === null || parent === undefined) return;
        const inContract = contract.getType(parent.name);
        const has =
          (isObjectType(inContract) || isInterfaceType(inContract)) &&
          inContract.getFields()[name] !== undefined;
        if (!has) outside.push(`${parent.name}.${name}`);
      },
    }),
  );
  if (outside.length === 0) {
    for (const error of validate(contract, document)) outside.push(error.message);
  }
  return [...new Set(outside)];
}

function onlyIntrospection(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === "query" &&
    operation.selectionSet.selections.every(
      (s) => s.kind === Kind.FIELD && (s.name.value === "__schema" || s.name.value === "__type"),
    )
  );
}

export interface PartnerContractOptions {
  /** The scope whose holders are limited to the contract. Default `partner`. */
  readonly scope?: string;
  /** The `@tag` name of the contract. Default `partner`. */
  readonly tag?: string;
}

/**
 * Enforces the partner contract at the gateway: a caller whose token holds the partner scope may run only
 * operations valid against the contract schema (the API schema filtered to `@tag(name: "partner")`, built
 * from the supergraph the gateway serves, the same filter that writes schema/partner.graphql). Anything else
 * is refused before a query plan runs: HTTP 403, `OUTSIDE_CONTRACT`, `extensions.fields` naming what is
 * outside. Holding other scopes as well does not lift the limit. Introspection by a partner describes the
 * contract, not the whole API (where introspection is on at all).
 */
export function partnerContractPlugin(
  options: PartnerContractOptions = {},
): ApolloServerPlugin<GatewayContext> {
  const scope = options.scope ?? Scope.partner;
  const tag = options.tag ?? PARTNER_TAG;
  // "empty": the supergraph tags nothing for the contract, so a partner may run nothing (the gateway still
  // serves everyone else; `check:schema` is where an empty contract fails).
  let contract: GraphQLSchema | "empty" | null = null;
  // Apollo hands the same DocumentNode for the same query text (its document cache): check each once.
  let verdicts = new WeakMap<DocumentNode, string[]>();
  return {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate({ apiSchema, coreSupergraphSdl }) {
          if (coreSupergraphSdl === undefined) throw new Error("The partner contract needs a supergraph");
          try {
            contract = contractSchema(apiSchema, coreSupergraphSdl, tag);
          } catch (error) {
            if (!(error instanceof EmptyContractError)) throw error;
            contract = "empty";
          }
          verdicts = new WeakMap();
        },
      };
    },
    async requestDidStart({ contextValue }) {
      if (!contextValue.identity.scopes.includes(scope)) return;
      return {
        async didResolveOperation({ schema, document }) {
          if (contract === null) throw new Error("The partner contract was not built");
          let outside = verdicts.get(document);
          if (outside === undefined) {
            outside =
              contract === "empty"
                ? [`the ${tag} contract is empty`]
                : outsideContract(schema, contract, document);
            verdicts.set(document, outside);
          }
          if (outside.length === 0) return;
          throw codedError(
            ErrorCode.OUTSIDE_CONTRACT,
            `Outside the partner contract (schema/partner.graphql): ${outside.slice(0, 5).join("; ")}`,
            { fields: outside, http: { status: 403 } },
          );
        },
        async responseForOperation({ operation, document, request }) {
          if (contract === null || contract === "empty" || !onlyIntrospection(operation)) return null;
          const result = await execute({
            schema: contract,
            document,
            operationName: request.operationName ?? null,
            variableValues: request.variables ?? null,
          });
          return {
            http: { headers: new HeaderMap() },
            body: { kind: "single", singleResult: { data: result.data ?? null } },
          };
        },
      };
    },
  };
}
