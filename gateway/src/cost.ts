import {
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  Kind,
  parse,
  valueFromAST,
  type ConstDirectiveNode,
  type ConstValueNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/**
 * Static cost of an operation from the federation demand-control directives the subgraphs declare
 * (`@cost(weight:)` and `@listSize(assumedSize:, slicingArguments:, sizedFields:)`, spec
 * https://specs.apollo.dev/cost/v0.1, composed into the supergraph), after the formula of Apollo's demand
 * control and the IBM GraphQL cost specification:
 *
 *   cost(field) = size × (weight + cost(selection)) + Σ weights of the arguments given
 *
 * - weight: the field's `@cost`, else its return type's `@cost`, else 1 for an object (or interface, union)
 *   and 0 for a scalar or enum; a root Mutation field weighs at least `mutationWeight` (10).
 * - size: 1 for a field that is not a list. For a list: the value of its first slicing argument given
 *   (or that argument's default) when `@listSize(slicingArguments:)` names one, else `assumedSize`, else
 *   `defaultListSize`. A parent's `@listSize(sizedFields:)` gives its size to those child fields instead
 *   (a connection's `first` sizes its `edges`).
 * - fragments count as their fields; `__typename` and introspection cost nothing.
 */

/** What the supergraph declares: weights and list sizes by schema coordinate. */
export interface CostModel {
  /** `Type.field` → `@cost(weight:)`. */
  readonly fieldWeights: ReadonlyMap<string, number>;
  /** `Type` → `@cost(weight:)` on an object, scalar or enum. */
  readonly typeWeights: ReadonlyMap<string, number>;
  /** `Type.field(arg:)` → `@cost(weight:)` on an argument: added once when the argument is given. */
  readonly argumentWeights: ReadonlyMap<string, number>;
  /** `Type.field` → `@listSize`. */
  readonly listSizes: ReadonlyMap<string, ListSize>;
}

export interface ListSize {
  readonly assumedSize: number | null;
  readonly slicingArguments: readonly string[];
  readonly sizedFields: readonly string[];
}

export interface CostOptions {
  /** Size of a list field without `@listSize`. */
  readonly defaultListSize: number;
  /** Least weight of a root Mutation field (a mutation writes, a read does not). */
  readonly mutationWeight: number;
}

export const DEFAULT_COST_OPTIONS: CostOptions = { defaultListSize: 10, mutationWeight: 10 };

const COST_SPEC = "https://specs.apollo.dev/cost/";

function stringValues(value: ConstValueNode | undefined): string[] {
  if (value === undefined) return [];
  if (value.kind === Kind.STRING) return [value.value];
  if (value.kind === Kind.LIST) return value.values.flatMap((v) => stringValues(v));
  return [];
}

function intValue(value: ConstValueNode | undefined): number | null {
  return value?.kind === Kind.INT ? Number(value.value) : null;
}

const argOf = (directive: ConstDirectiveNode, name: string) =>
  directive.arguments?.find((a) => a.name.value === name)?.value;

/**
 * The names the supergraph gives the cost spec's directives: `@link(url: ".../cost/v0.1", import: [...])`
 * imports them under their own names (or `as` another); without an import they are `cost__cost` and
 * `cost__listSize`.
 */
function costDirectiveNames(supergraph: ReturnType<typeof parse>): { cost: string; listSize: string } {
  const names = { cost: "cost__cost", listSize: "cost__listSize" };
  for (const definition of supergraph.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== "link") continue;
      const url = stringValues(argOf(link, "url"))[0] ?? "";
      if (!url.startsWith(COST_SPEC)) continue;
      const prefix = stringValues(argOf(link, "as"))[0] ?? "cost";
      names.cost = `${prefix}__cost`;
      names.listSize = `${prefix}__listSize`;
      const imports = argOf(link, "import");
      for (const item of imports?.kind === Kind.LIST ? imports.values : []) {
        if (item.kind === Kind.STRING) {
          if (item.value === "@cost") names.cost = "cost";
          if (item.value === "@listSize") names.listSize = "listSize";
        } else if (item.kind === Kind.OBJECT) {
          const field = (n: string) =>
            stringValues(item.fields.find((f) => f.name.value === n)?.value)[0]?.replace(/^@/, "");
          const name = field("name");
          const as = field("as") ?? name;
          if (name === "cost" && as !== undefined) names.cost = as;
          if (name === "listSize" && as !== undefined) names.listSize = as;
        }
      }
    }
  }
  // Composition may print an applied directive under its plain name without importing it (it does so for
  // @cost in Federation 2.9+): trust the directive definitions the document actually has.
  const defined = new Set(
    supergraph.definitions.flatMap((d) => (d.kind === Kind.DIRECTIVE_DEFINITION ? [d.name.value] : [])),
  );
  if (!defined.has(names.cost) && defined.has("cost")) names.cost = "cost";
  if (!defined.has(names.listSize) && defined.has("listSize")) names.listSize = "listSize";
  return names;
}

/** Reads `@cost` and `@listSize` from a supergraph SDL. */
export function costModelFromSupergraph(supergraphSdl: string): CostModel {
  const document = parse(supergraphSdl);
  const names = costDirectiveNames(document);
  const fieldWeights = new Map<string, number>();
  const typeWeights = new Map<string, number>();
  const argumentWeights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const weightOf = (directives: readonly ConstDirectiveNode[] | undefined): number | null => {
    const cost = directives?.find((d) => d.name.value === names.cost);
    return cost === undefined ? null : intValue(argOf(cost, "weight"));
  };
  for (const definition of document.definitions) {
    if (
      definition.kind === Kind.SCALAR_TYPE_DEFINITION ||
      definition.kind === Kind.ENUM_TYPE_DEFINITION ||
      definition.kind === Kind.OBJECT_TYPE_DEFINITION ||
      definition.kind === Kind.OBJECT_TYPE_EXTENSION
    ) {
      const typeName = definition.name.value;
      const typeWeight = weightOf(definition.directives);
      if (typeWeight !== null) typeWeights.set(typeName, typeWeight);
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION)
        continue;
      for (const field of definition.fields ?? []) {
        const coordinate = `${typeName}.${field.name.value}`;
        const weight = weightOf(field.directives);
        if (weight !== null) fieldWeights.set(coordinate, weight);
        for (const arg of field.arguments ?? []) {
          const argWeight = weightOf(arg.directives);
          if (argWeight !== null) argumentWeights.set(`${coordinate}(${arg.name.value}:)`, argWeight);
        }
        const listSize = field.directives?.find((d) => d.name.value === names.listSize);
        if (listSize !== undefined) {
          listSizes.set(coordinate, {
            assumedSize: intValue(argOf(listSize, "assumedSize")),
            slicingArguments: stringValues(argOf(listSize, "slicingArguments")),
            sizedFields: stringValues(argOf(listSize, "sizedFields")),
          });
        }
      }
    }
  }
  return { fieldWeights, typeWeights, argumentWeights, listSizes };
}

/**
 * The field's argument values, one by one: a value that cannot be read (a missing variable; execution
 * reports it) falls back to the argument's default, so one bad argument does not hide the slicing one.
 */
function argumentValues(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const definition of field.args) {
    const given = node.arguments?.find((a) => a.name.value === definition.name);
    let value = given === undefined ? undefined : valueFromAST(given.value, definition.type, variables);
    if (value === undefined) value = definition.defaultValue;
    if (value !== undefined) values[definition.name] = value;
  }
  return values;
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/**
 * The cost of one operation of a document (its fragments resolved) with its variable values coerced, as
 * `getVariableValues` gives them. Unknown fields (the document was validated, so none) cost nothing.
 */
export function operationCost(
  schema: GraphQLSchema,
  model: CostModel,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Readonly<Record<string, unknown>>,
  options: CostOptions = DEFAULT_COST_OPTIONS,
): number {
  const root =
    operation.operation === "query"
      ? schema.getQueryType()
      : operation.operation === "mutation"
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (root === null || root === undefined) return 0;

  const listSizeOf = (
    parent: string,
    field: GraphQLField<unknown, unknown>,
    args: Record<string, unknown>,
  ): number => {
    const declared = model.listSizes.get(`${parent}.${field.name}`);
    for (const name of declared?.slicingArguments ?? []) {
      const value = args[name];
      if (typeof value === "number") return Math.max(0, value);
    }
    return declared?.assumedSize ?? options.defaultListSize;
  };

  const selectionCost = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLCompositeType,
    sized: ReadonlyMap<string, number>,
    visiting: ReadonlySet<string>,
  ): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parentType, sized, visiting);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition?.name.value;
        const type = condition === undefined ? parentType : schema.getType(condition);
        if (type !== undefined && type !== null && isCompositeType(type))
          total += selectionCost(selection.selectionSet, type, sized, visiting);
      } else {
        const name = selection.name.value;
        const fragment = fragments[name];
        if (fragment === undefined || visiting.has(name)) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        if (type !== undefined && type !== null && isCompositeType(type))
          total += selectionCost(fragment.selectionSet, type, sized, new Set([...visiting, name]));
      }
    }
    return total;
  };

  const fieldCost = (
    node: FieldNode,
    parentType: GraphQLCompositeType,
    sized: ReadonlyMap<string, number>,
    visiting: ReadonlySet<string>,
  ): number => {
    const name = node.name.value;
    if (name.startsWith("__") || !("getFields" in parentType)) return 0;
    const field = parentType.getFields()[name];
    if (field === undefined) return 0;
    const coordinate = `${parentType.name}.${name}`;
    const returnType = getNamedType(field.type);
    const args = argumentValues(field, node, variables);
    let weight =
      model.fieldWeights.get(coordinate) ??
      model.typeWeights.get(returnType.name) ??
      (isCompositeType(returnType) ? 1 : 0);
    if (parentType === root && operation.operation === "mutation")
      weight = Math.max(weight, options.mutationWeight);
    let argumentWeight = 0;
    for (const argNode of node.arguments ?? [])
      argumentWeight += model.argumentWeights.get(`${coordinate}(${argNode.name.value}:)`) ?? 0;
    const declared = model.listSizes.get(coordinate);
    const size = sized.get(name) ?? (isList(field.type) ? listSizeOf(parentType.name, field, args) : 1);
    const childSized = new Map<string, number>();
    if (declared !== undefined && declared.sizedFields.length > 0) {
      const childSize = listSizeOf(parentType.name, field, args);
      for (const child of declared.sizedFields) childSized.set(child, childSize);
    }
    const children =
      node.selectionSet !== undefined && isCompositeType(returnType)
        ? selectionCost(node.selectionSet, returnType, childSized, visiting)
        : 0;
    return argumentWeight + size * (weight + children);
  };

  return selectionCost(operation.selectionSet, root, new Map(), new Set());
}
