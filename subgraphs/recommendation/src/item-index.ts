import { Index, MetricKind, ScalarKind } from "usearch";

export interface Neighbour {
  readonly id: string;
  /** Inner product of unit vectors: cosine similarity, -1 to 1. */
  readonly score: number;
}

export interface ItemIndexOptions {
  readonly dim: number;
  /** HNSW graph degree (usearch `connectivity`). Default 16. */
  readonly connectivity?: number;
  /** Beam width while building. Default 64. */
  readonly expansionAdd?: number;
  /** Beam width while searching. Default 128 (recall@100 vs exact search is measured in the bench). */
  readonly expansionSearch?: number;
}

/**
 * Item vectors with an HNSW index (usearch, inner product over unit vectors) and an exact fallback. Items are
 * upserted when they change (remove + add under the same key). Keys are dense integers mapped to item ids.
 * usearch is used single-threaded throughout (it refuses searches with more threads than `add` used).
 */
export class ItemIndex {
  readonly dim: number;
  readonly #index: Index;
  readonly #keyOf = new Map<string, number>();
  readonly #ids: string[] = [];
  readonly #vectors: Float32Array[] = [];
  readonly #live: boolean[] = [];

  constructor(options: ItemIndexOptions) {
    this.dim = options.dim;
    this.#index = new Index({
      dimensions: options.dim,
      metric: MetricKind.IP,
      quantization: ScalarKind.F32,
      connectivity: options.connectivity ?? 16,
      expansion_add: options.expansionAdd ?? 64,
      expansion_search: options.expansionSearch ?? 128,
      multi: false,
    });
  }

  get size(): number {
    return this.#index.size();
  }

  vector(id: string): Float32Array | null {
    const key = this.#keyOf.get(id);
    return key === undefined || !this.#live[key] ? null : (this.#vectors[key] as Float32Array);
  }

  /** Adds many items at once (start-up). */
  addAll(entries: readonly (readonly [string, Float32Array])[]): void {
    const fresh = entries.filter(([id]) => !this.#keyOf.has(id));
    for (const [id, vector] of entries) if (this.#keyOf.has(id)) this.upsert(id, vector);
    if (fresh.length === 0) return;
    const keys = new BigUint64Array(fresh.length);
    const flat = new Float32Array(fresh.length * this.dim);
    fresh.forEach(([id, vector], i) => {
      const key = this.#ids.length;
      this.#ids.push(id);
      this.#vectors.push(vector);
      this.#live.push(true);
      this.#keyOf.set(id, key);
      keys[i] = BigInt(key);
      flat.set(vector, i * this.dim);
    });
    // Two threads for the bulk build; searches use one (usearch refuses more threads than `add` used).
    this.#index.add(keys, flat, 2);
  }

  /** Adds an item or replaces its vector. */
  upsert(id: string, vector: Float32Array): void {
    const key = this.#keyOf.get(id);
    if (key === undefined) {
      this.addAll([[id, vector]]);
      return;
    }
    if (this.#live[key]) this.#index.remove(BigInt(key));
    this.#vectors[key] = vector;
    this.#live[key] = true;
    this.#index.add(BigInt(key), vector, 1);
  }

  remove(id: string): void {
    const key = this.#keyOf.get(id);
    if (key === undefined || !this.#live[key]) return;
    this.#index.remove(BigInt(key));
    this.#live[key] = false;
  }

  /** Approximate top k by inner product (HNSW). */
  search(query: Float32Array, k: number): Neighbour[] {
    if (this.size === 0 || k <= 0) return [];
    const result = this.#index.search(query, Math.min(k, this.size), 1);
    const out: Neighbour[] = [];
    for (let i = 0; i < result.keys.length; i++) {
      const key = Number(result.keys[i]);
      const id = this.#ids[key];
      // usearch's IP distance is 1 - dot.
      if (id !== undefined && this.#live[key]) out.push({ id, score: 1 - (result.distances[i] as number) });
    }
    return out;
  }

  /** Exact top k by a full scan (the reference for ANN recall, and small catalogues). */
  exact(query: Float32Array, k: number): Neighbour[] {
    const scored: Neighbour[] = [];
    for (let key = 0; key < this.#ids.length; key++) {
      if (!this.#live[key]) continue;
      const v = this.#vectors[key] as Float32Array;
      let dot = 0;
      for (let j = 0; j < this.dim; j++) dot += (v[j] as number) * (query[j] as number);
      scored.push({ id: this.#ids[key] as string, score: dot });
    }
    return scored.sort((a, b) => b.score - a.score).slice(0, k);
  }
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
