import type { ReferenceResolvers } from "@aisle/kit";

/**
 * `Product` is an entity stub here: any id resolves to `{ id }` (no lookup), and `price` answers null for a
 * product pricing does not know. So a listing's `_entities` call never fails on an unknown id.
 */
export const productReference: ReferenceResolvers[string] = {
  __resolveReference: (reference) => ({ id: reference.id }),
};
