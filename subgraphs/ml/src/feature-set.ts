/** A feature value as stored: numbers, strings and booleans (JSON-encoded in the backend). */
export type FeatureValue = number | string | boolean;

/** One field of a feature set: its default (used when the value is absent or unreadable) and its meaning. */
export interface FeatureField<T extends FeatureValue> {
  readonly default: T;
  readonly description: string;
}

/** A typed, versioned group of features about one kind of entity (a product, a user). */
export interface FeatureSetDefinition<F extends Record<string, FeatureValue>> {
  /** e.g. "product-demand". Part of the key, with the version. */
  readonly name: string;
  /** Bump when a field changes meaning or type: old keys are then simply not read. */
  readonly version: number;
  /** Key prefix inside the store namespace, e.g. "pd". Default: the name. */
  readonly keyPrefix?: string;
  readonly fields: { readonly [K in keyof F]: FeatureField<F[K]> };
  /** Expiry of written values in the backend, seconds. Default: none. */
  readonly ttlSeconds?: number;
}

/** A defined feature set: the definition plus its defaults and key builder. */
export interface FeatureSet<F extends Record<string, FeatureValue>> extends FeatureSetDefinition<F> {
  readonly keyPrefix: string;
  /** Every field at its default. */
  readonly defaults: Readonly<F>;
  /** The key of an entity, without the store namespace: `<keyPrefix>:v<version>:<id>`. */
  key(id: string): string;
  /** Values from a stored record: known fields of the right type kept, the rest at their defaults. */
  coerce(stored: unknown): F;
}

type Widen<T> = T extends number ? number : T extends string ? string : T extends boolean ? boolean : never;
/** The record type of a set's fields: each field typed by its default (widened: `0` gives number). */
export type FeatureValuesOf<D extends Record<string, FeatureField<FeatureValue>>> = {
  -readonly [K in keyof D]: Widen<D[K]["default"]>;
};

/** Defines a feature set; field types come from the defaults. */
export function defineFeatureSet<D extends Record<string, FeatureField<FeatureValue>>>(
  definition: Omit<FeatureSetDefinition<FeatureValuesOf<D>>, "fields"> & { readonly fields: D },
): FeatureSet<FeatureValuesOf<D>> {
  type F = FeatureValuesOf<D>;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(definition.name)) {
    throw new Error(`Feature set name ${JSON.stringify(definition.name)} must be kebab-case`);
  }
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    throw new Error(`Feature set ${definition.name}: version must be a positive integer`);
  }
  const keyPrefix = definition.keyPrefix ?? definition.name;
  const fieldNames = Object.keys(definition.fields) as (keyof F & string)[];
  const fields = definition.fields as unknown as FeatureSetDefinition<F>["fields"];
  const defaults = Object.fromEntries(fieldNames.map((f) => [f, fields[f].default])) as unknown as F;
  return {
    ...definition,
    fields,
    keyPrefix,
    defaults: Object.freeze({ ...defaults }),
    key: (id) => `${keyPrefix}:v${definition.version}:${id}`,
    coerce(stored) {
      const values = { ...defaults };
      if (typeof stored !== "object" || stored === null) return values;
      const record = stored as Record<string, unknown>;
      for (const field of fieldNames) {
        const value = record[field];
        const expected = typeof fields[field].default;
        if (typeof value === expected && (expected !== "number" || Number.isFinite(value))) {
          values[field] = value as F[typeof field];
        }
      }
      return values;
    },
  };
}
