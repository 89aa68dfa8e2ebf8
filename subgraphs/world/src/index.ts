export type {
  Brand,
  Category,
  GeoLocation,
  Money,
  Product,
  ProductAttribute,
  User,
  World,
  WorldOptions,
} from "./types.ts";
export type { Rng } from "./rng.ts";
export { createRng, hashString, streamFor } from "./rng.ts";
export { slugify } from "./slug.ts";
export { DEFAULT_WORLD_OPTIONS, demoWorld, generateWorld } from "./world.ts";
