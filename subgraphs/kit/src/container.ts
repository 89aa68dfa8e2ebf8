import type { ContainerType } from "type-graphql";

/**
 * A type-graphql container over ready-made resolver instances, so resolvers receive their services through
 * the constructor (no global singletons, no DI framework).
 */
export function instanceContainer(instances: readonly object[]): ContainerType {
  const byClass = new Map<unknown, object>(instances.map((instance) => [instance.constructor, instance]));
  return {
    get(someClass) {
      const instance = byClass.get(someClass);
      if (instance === undefined)
        throw new Error(`No resolver instance registered for ${String(someClass.name)}`);
      return instance;
    },
  };
}
