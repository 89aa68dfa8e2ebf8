import { createRng, hashString, type World } from "@aisle/world";

/**
 * A shopper's affinities, category or brand id → 0..1, used to personalise the order of hits for a signed-in
 * caller only. A strategy: the recommendation subgraph's user features replace the demo provider.
 */
export interface AffinityProvider {
  affinities(userId: string): Promise<ReadonlyMap<string, number>>;
}

/** No personalisation at all. */
export const NO_AFFINITIES: AffinityProvider = { affinities: async () => new Map() };

/**
 * Demo affinities: each demo user favours two departments and a few brands, drawn from a random stream named
 * after the user (stable across restarts, independent of everything else). Unknown users get none.
 */
export class DemoAffinityProvider implements AffinityProvider {
  readonly #users: ReadonlySet<string>;

  constructor(private readonly world: World) {
    this.#users = new Set(world.users.map((u) => u.id));
  }

  async affinities(userId: string): Promise<ReadonlyMap<string, number>> {
    if (!this.#users.has(userId)) return new Map();
    const rng = createRng(hashString(`${this.world.seed}:search-affinity:${userId}`));
    const departments = this.world.categories.filter((c) => c.parentId === null);
    const out = new Map<string, number>();
    for (const d of rng.sample(departments, 2)) out.set(d.id, 0.5 + 0.5 * rng.next());
    for (const b of rng.sample(this.world.brands, 3)) out.set(b.id, 0.5 + 0.5 * rng.next());
    return out;
  }
}
