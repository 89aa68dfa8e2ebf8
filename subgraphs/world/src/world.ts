import { generateBrands } from "./brands.ts";
import { buildCategoryTree } from "./categories.ts";
import { generateProducts } from "./products.ts";
import { streamFor } from "./rng.ts";
import type { World, WorldOptions } from "./types.ts";
import { generateUsers } from "./users.ts";

export const DEFAULT_WORLD_OPTIONS: WorldOptions = { seed: 20261123, productCount: 10_000, userCount: 5_000 };

/**
 * Builds the demo world. Each part draws from its own named stream, so changing one part
 * (or adding a new one) leaves the others as they were.
 */
export function generateWorld(options: Partial<WorldOptions> = {}): World {
  const { seed, productCount, userCount } = { ...DEFAULT_WORLD_OPTIONS, ...definedOnly(options) };
  for (const [name, value] of Object.entries({ productCount, userCount })) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
  }
  if (!Number.isInteger(seed)) throw new RangeError("seed must be an integer");

  const tree = buildCategoryTree();
  const brands = generateBrands(streamFor(seed, "brands"), tree);
  return {
    seed,
    categories: tree.categories,
    brands,
    products: generateProducts(streamFor(seed, "products"), tree, brands, productCount),
    users: generateUsers(streamFor(seed, "users"), userCount),
  };
}

let demo: World | undefined;

/** The default world, generated once per process. */
export function demoWorld(): World {
  demo ??= generateWorld();
  return demo;
}

/** Drops keys explicitly set to undefined so that they do not override the defaults. */
function definedOnly(options: Partial<WorldOptions>): Partial<WorldOptions> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
