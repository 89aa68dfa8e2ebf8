import {
  Kind,
  parse,
  type ConstDirectiveNode,
  type FieldDefinitionNode,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
} from "graphql";

/**
 * The subgraph that owns each entity defined by more than one subgraph: the one that creates it (answers
 * `product(id)`, `user(id)`). An entity defined by a single subgraph is owned by it without an entry here.
 */
export const ENTITY_OWNERS: Readonly<Record<string, string>> = {
  Product: "catalog",
  Category: "catalog",
  Brand: "catalog",
  User: "user-profile",
};

/** A non-null field a subgraph adds to another subgraph's entity, accepted on purpose. */
export interface AllowedNonNullField {
  /** `Type.field`. */
  readonly field: string;
  /** The subgraph that adds it. */
  readonly subgraph: string;
  /** Why an outage of that subgraph may null the whole entity. Required: say it to a reviewer. */
  readonly reason: string;
}

/**
 * Non-null fields added to foreign entities that are accepted. Empty today: every field a subgraph adds to
 * another's entity is nullable, so that subgraph's outage nulls only its own fields.
 */
export const ALLOWED_NON_NULL_FOREIGN_FIELDS: readonly AllowedNonNullField[] = [];

export interface SubgraphSdl {
  readonly name: string;
  readonly sdl: string;
}

type ObjectNode = ObjectTypeDefinitionNode | ObjectTypeExtensionNode;

const directiveArg = (directive: ConstDirectiveNode, name: string): string | null => {
  const arg = directive.arguments?.find((a) => a.name.value === name);
  return arg?.value.kind === Kind.STRING ? arg.value.value : null;
};

/** Top-level field names of a `@key(fields: "...")` selection, e.g. "id sku" or "id owner { id }". */
function keyFieldNames(fields: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (const token of fields.match(/[_A-Za-z][_0-9A-Za-z]*|[{}]/g) ?? []) {
    if (token === "{") depth += 1;
    else if (token === "}") depth -= 1;
    else if (depth === 0) names.push(token);
  }
  return names;
}

interface EntityDefinition {
  readonly subgraph: string;
  readonly keyFields: ReadonlySet<string>;
  readonly fields: readonly FieldDefinitionNode[];
}

function entitiesOf(subgraph: SubgraphSdl): Map<string, EntityDefinition> {
  const out = new Map<string, EntityDefinition>();
  const document = parse(subgraph.sdl);
  for (const node of document.definitions) {
    if (node.kind !== Kind.OBJECT_TYPE_DEFINITION && node.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const object = node as ObjectNode;
    const keys = (object.directives ?? []).filter((d) => d.name.value === "key");
    if (keys.length === 0) continue;
    const previous = out.get(object.name.value);
    const keyFields = new Set([
      ...(previous?.keyFields ?? []),
      ...keys.flatMap((k) => keyFieldNames(directiveArg(k, "fields") ?? "")),
    ]);
    out.set(object.name.value, {
      subgraph: subgraph.name,
      keyFields,
      fields: [...(previous?.fields ?? []), ...(object.fields ?? [])],
    });
  }
  return out;
}

/**
 * Problems with fields that subgraphs add to entities owned by another subgraph: such a field must be
 * nullable, so that when its subgraph is down the gateway nulls that field only, not the whole entity (a
 * non-null field's null propagates to its parent: `product: null` for the whole page). Key fields and
 * `@external` fields are the owner's and are not checked. An entity defined by several subgraphs needs an
 * owner in `owners`.
 */
export function nonNullForeignFieldProblems(
  subgraphs: readonly SubgraphSdl[],
  owners: Readonly<Record<string, string>> = ENTITY_OWNERS,
  allowed: readonly AllowedNonNullField[] = ALLOWED_NON_NULL_FOREIGN_FIELDS,
): string[] {
  const problems: string[] = [];
  for (const entry of allowed) {
    if (entry.reason.trim() === "")
      problems.push(`allow-list entry ${entry.field} (${entry.subgraph}) has no reason`);
  }
  const definitions = new Map<string, EntityDefinition[]>();
  for (const subgraph of subgraphs) {
    for (const [type, definition] of entitiesOf(subgraph)) {
      definitions.set(type, [...(definitions.get(type) ?? []), definition]);
    }
  }
  for (const [type, defs] of [...definitions].sort(([a], [b]) => a.localeCompare(b))) {
    const owner = owners[type] ?? (defs.length === 1 ? (defs[0]?.subgraph ?? null) : null);
    if (owner === null) {
      problems.push(
        `entity ${type} is defined by ${defs.map((d) => d.subgraph).join(", ")}: name its owner in ENTITY_OWNERS (scripts/foreign-fields.ts)`,
      );
      continue;
    }
    for (const def of defs) {
      if (def.subgraph === owner) continue;
      for (const field of def.fields) {
        const name = field.name.value;
        if (def.keyFields.has(name)) continue;
        if ((field.directives ?? []).some((d) => d.name.value === "external")) continue;
        if (field.type.kind !== Kind.NON_NULL_TYPE) continue;
        const coordinate = `${type}.${name}`;
        if (allowed.some((a) => a.field === coordinate && a.subgraph === def.subgraph)) continue;
        problems.push(
          `${coordinate} (added by ${def.subgraph} to ${owner}'s entity) is non-null: make it nullable so an ${def.subgraph} outage nulls only this field, or allow-list it with a reason in scripts/foreign-fields.ts`,
        );
      }
    }
  }
  return problems;
}
