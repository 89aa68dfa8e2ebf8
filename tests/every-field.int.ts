import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildSchema,
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isRequiredArgument,
  isRequiredInputField,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "@aisle/gateway";
import { behaviourFor, demoWorld } from "@aisle/world";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import { postGraphQL, type GraphQLResult } from "./graphql-client.ts";
import { testLog } from "./quiet-log.ts";

/*
 * Generated from schema/api.graphql: every object type reachable from Query is reached by its shortest path,
 * and every one of its fields is asked for once with only its required arguments (optional ones left out, so
 * type-graphql passes `undefined`). A new field or type is covered without touching this file.
 * Each Mutation field is called once too, with generated required arguments and a service token, against
 * this test's own supergraph (payment-risk's records go to a temporary directory): whatever it answers, never
 * an internal error and never null without an error.
 */

const schema = buildSchema(readFileSync(new URL("../schema/api.graphql", import.meta.url), "utf8"));
const world = demoWorld();
const leafCategory = world.categories.find((c) => c.parentId !== null)!;
/** A shopper with some history, so their interests and activity are not empty. */
const behaviour = behaviourFor(world);
const shopper = world.users.find((u) => behaviour.events(u.id).length >= 20)!;

/** Ids of things that exist in the demo world, by the type an `id`/`ids` argument returns. */
const KNOWN_IDS: Readonly<Record<string, string>> = {
  Product: world.products[0]!.id,
  Brand: world.brands[0]!.id,
  Category: leafCategory.id,
  User: shopper.id,
  Shipment: "t-000001",
};
/** Values for `xxxId` arguments and input fields, by name. */
const IDS_BY_NAME: Readonly<Record<string, string>> = {
  productId: world.products[0]!.id,
  categoryId: leafCategory.id,
  brandId: world.brands[0]!.id,
  userId: shopper.id,
};
/** Sensible values for string arguments and input fields whose content is validated. */
const STRINGS_BY_NAME: Readonly<Record<string, string>> = {
  country: "US",
  postalCode: "80202",
  currency: "USD",
  region: "US",
  prefix: "hea",
  query: "headphones",
  ip: "203.0.113.7",
  emailDomain: "example.com",
  type: "view",
  tier: "mid",
  occurredAt: new Date(0).toISOString(),
};

/**
 * Optional arguments of the fields on a path, used only on a second try when leaving them out reaches no
 * object of the type: an empty search (a browse page) has no category intent or extracted filters.
 */
const OPTIONAL_SAMPLES: Readonly<Record<string, unknown>> = {
  query: "red wireless earbuds under $100",
};

/**
 * Types that no query reaches with the generated values, each with the reason. A type missing from the
 * answers and not listed here fails the test: add a sensible value above rather than a line here.
 */
const UNREACHED: Readonly<Record<string, string>> = {
  RiskAssessment:
    "only recorded assessments exist; a fresh supergraph has none (assessPayment is a mutation)",
  RiskRuleDecision: "part of a RiskAssessment",
  RiskReason: "part of a RiskAssessment",
  RiskOutcomeReport: "part of a RiskAssessment",
  ShipmentEvent: "a shipment has events only once scans are recorded (recordShipmentEvent is a mutation)",
};

interface Step {
  readonly parent: GraphQLObjectType;
  readonly field: GraphQLField<unknown, unknown>;
}

/** Shortest path of fields from Query to every reachable object type (breadth first). */
function pathsFromQuery(): Map<string, Step[]> {
  const query = schema.getQueryType()!;
  const paths = new Map<string, Step[]>([[query.name, []]]);
  const queue: GraphQLObjectType[] = [query];
  while (queue.length > 0) {
    const type = queue.shift()!;
    for (const field of Object.values(type.getFields())) {
      const target = getNamedType(field.type);
      if (!isObjectType(target) || paths.has(target.name)) continue;
      paths.set(target.name, [...paths.get(type.name)!, { parent: type, field }]);
      queue.push(target);
    }
  }
  paths.delete(query.name);
  return paths;
}

/** A value for a required argument or input field, from its type and name. */
function valueFor(type: GraphQLInputType, name: string, returns: string): unknown {
  if (isNonNullType(type)) return valueFor(type.ofType, name, returns);
  if (isListType(type)) return [valueFor(type.ofType, name, returns)];
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter(isRequiredInputField);
    return Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, f.name, returns)]));
  }
  if (isEnumType(type)) return type.getValues()[0]!.value;
  switch (type.name) {
    case "ID":
      return IDS_BY_NAME[name] ?? KNOWN_IDS[returns] ?? "unknown-id";
    case "String":
      return STRINGS_BY_NAME[name] ?? "x";
    case "Int":
    case "Float":
      return 1;
    case "Boolean":
      return true;
    case "DateTimeISO":
      return new Date(0).toISOString();
    default:
      throw new Error(`No generated value for scalar ${type.name}: add one to every-field.int.ts`);
  }
}

interface Operation {
  readonly text: string;
  readonly variables: Record<string, unknown>;
}

/** The query reaching `target` by `path`, selecting each of its fields with required arguments only. */
/** A mutation of one field, with generated required arguments, selecting the fields of its result. */
function mutationFor(field: GraphQLField<unknown, unknown>): Operation {
  const declarations: string[] = [];
  const variables: Record<string, unknown> = {};
  const argsOf = (f: GraphQLField<unknown, unknown>): string => {
    const required = f.args.filter((a) => isRequiredArgument(a));
    if (required.length === 0) return "";
    return `(${required
      .map((a) => {
        const variable = `v${declarations.length}`;
        declarations.push(`$${variable}: ${String(a.type)}`);
        variables[variable] = valueFor(a.type, a.name, getNamedType(f.type).name);
        return `${a.name}: $${variable}`;
      })
      .join(", ")})`;
  };
  const result = getNamedType(field.type);
  const selection = isObjectType(result)
    ? ` { ${Object.values(result.getFields())
        .map((f) => `${f.name}${argsOf(f)}${isCompositeType(getNamedType(f.type)) ? " { __typename }" : ""}`)
        .join(" ")} }`
    : isCompositeType(result)
      ? " { __typename }"
      : "";
  const call = `${field.name}${argsOf(field)}${selection}`;
  const header = declarations.length === 0 ? "" : `(${declarations.join(", ")})`;
  return { text: `mutation EveryField_${field.name}${header} { ${call} }`, variables };
}

function operationFor(target: GraphQLObjectType, path: readonly Step[], samples = false): Operation {
  const declarations: string[] = [];
  const variables: Record<string, unknown> = {};
  const argsOf = (field: GraphQLField<unknown, unknown>, onPath = false): string => {
    const required = field.args.filter(
      (a: GraphQLArgument) => isRequiredArgument(a) || (samples && onPath && a.name in OPTIONAL_SAMPLES),
    );
    if (required.length === 0) return "";
    const parts = required.map((a) => {
      const variable = `v${declarations.length}`;
      declarations.push(`$${variable}: ${String(a.type)}`);
      variables[variable] = isRequiredArgument(a)
        ? valueFor(a.type, a.name, getNamedType(field.type).name)
        : OPTIONAL_SAMPLES[a.name];
      return `${a.name}: $${variable}`;
    });
    return `(${parts.join(", ")})`;
  };
  const leaves = Object.values(target.getFields()).map(
    (f) => `${f.name}${argsOf(f)}${isCompositeType(getNamedType(f.type)) ? " { __typename }" : ""}`,
  );
  let selection = leaves.join(" ");
  for (const step of [...path].reverse())
    selection = `${step.field.name}${argsOf(step.field, true)} { ${selection} }`;
  const header = declarations.length === 0 ? "" : `(${declarations.join(", ")})`;
  return { text: `query EveryField${target.name}${header} { ${selection} }`, variables };
}

type Json = null | string | number | boolean | Json[] | { [key: string]: Json };

/** The objects found at the end of `path` in `data` (lists flattened), with their response paths. */
function objectsAt(data: Json, path: readonly Step[]): { value: Json; at: (string | number)[] }[] {
  let current: { value: Json; at: (string | number)[] }[] = [{ value: data, at: [] }];
  for (const step of path) {
    const next: { value: Json; at: (string | number)[] }[] = [];
    for (const { value, at } of current) {
      if (value === null || typeof value !== "object" || Array.isArray(value)) continue;
      const child = value[step.field.name] ?? null;
      const flatten = (v: Json, p: (string | number)[]) => {
        if (Array.isArray(v)) v.forEach((item, i) => flatten(item, [...p, i]));
        else next.push({ value: v, at: p });
      };
      flatten(child, [...at, step.field.name]);
    }
    current = next;
  }
  return current;
}

const startsWith = (path: readonly (string | number)[], prefix: readonly (string | number)[]) =>
  prefix.every((p, i) => path[i] === p);

let supergraph: LocalSupergraph;
let headers: Record<string, string>;

const riskDataDir = mkdtempSync(join(tmpdir(), "aisle-every-field-"));

beforeAll(async () => {
  supergraph = await startLocalSupergraph({
    port: 0,
    log: testLog,
    env: { ...process.env, RISK_DATA_DIR: riskDataDir },
  });
  const token = await signToken({
    user: shopper.id,
    scopes: ["shopper", "service:ops", "service:checkout"],
  });
  headers = { authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await supergraph?.close();
  rmSync(riskDataDir, { recursive: true, force: true });
});

describe("every field of the API, optional arguments left out", () => {
  const paths = pathsFromQuery();

  it("reaches the types the schema declares (the generator itself works)", () => {
    expect(paths.has("Product")).toBe(true);
    expect(paths.has("Availability")).toBe(true);
    expect(paths.get("Availability")!.map((s) => s.field.name)).toEqual(["product", "availability"]);
  });

  /** Runs the operation for a type; checks the invariants; returns how many objects of the type it reached. */
  async function reach(typeName: string, samples: boolean): Promise<number> {
    const target = schema.getType(typeName) as GraphQLObjectType;
    const path = paths.get(typeName)!;
    const operation = operationFor(target, path, samples);
    const result: GraphQLResult<Json> = await postGraphQL<Json>(
      supergraph.url,
      operation.text,
      operation.variables,
      headers,
    );
    const context = `${operation.text}\n${JSON.stringify(operation.variables)}\n${JSON.stringify(result.body)}`;
    expect(result.status, context).toBe(200);
    const errors = result.body.errors ?? [];
    for (const error of errors) {
      expect(error.extensions?.["code"], context).toBeDefined();
      expect(error.extensions?.["code"], context).not.toBe("INTERNAL_SERVER_ERROR");
    }
    expect(result.body.data, context).not.toBeNull();
    expect(
      (result.body as { extensions?: Record<string, unknown> }).extensions?.["valueCompletion"],
      context,
    ).toBeUndefined();
    const reached = objectsAt(result.body.data!, path);
    const last = path.at(-1)!;
    const explained = (at: (string | number)[]) =>
      errors.some((e) => startsWith(e.path ?? [], at) || startsWith(at, e.path ?? []));
    // A null where the schema promises a value can only come with an error.
    if (
      isNonNullType(last.field.type) ||
      (isListType(last.field.type) && isNonNullType(last.field.type.ofType))
    )
      for (const { value, at } of reached)
        if (value === null)
          expect(explained(at), `null at ${at.join(".")} without an error\n${context}`).toBe(true);
    return reached.filter((r) => r.value !== null).length;
  }

  it.each([...paths.keys()].sort())(
    "%s: answers without internal errors and never null without an error",
    async (typeName) => {
      let count = await reach(typeName, false);
      const sampled = paths
        .get(typeName)!
        .some((step) => step.field.args.some((a) => a.name in OPTIONAL_SAMPLES));
      if (count === 0 && sampled) count = await reach(typeName, true);
      if (!(typeName in UNREACHED)) expect(count, `no ${typeName} reached`).toBeGreaterThan(0);
    },
  );
});

describe("every mutation, with generated required arguments and a service token", () => {
  const mutations = Object.values(schema.getMutationType()?.getFields() ?? {});

  it.each(mutations.map((m) => m.name).sort())(
    "%s: no internal error, never null without an error",
    async (name) => {
      const operation = mutationFor(schema.getMutationType()!.getFields()[name]!);
      const result = await postGraphQL<Json>(supergraph.url, operation.text, operation.variables, headers);
      const context = `${operation.text}\n${JSON.stringify(operation.variables)}\n${JSON.stringify(result.body)}`;
      expect(result.status, context).toBe(200);
      const errors = result.body.errors ?? [];
      for (const error of errors) {
        expect(error.extensions?.["code"], context).toBeDefined();
        expect(error.extensions?.["code"], context).not.toBe("INTERNAL_SERVER_ERROR");
      }
      const value = (result.body.data as Record<string, Json> | null | undefined)?.[name] ?? null;
      if (value === null) expect(errors.length, `null without an error\n${context}`).toBeGreaterThan(0);
    },
  );
});
