import { Index, MetricKind, ScalarKind } from "usearch";

export interface Neighbour {
  readonly id: string;
  /**
   * `search` / `exact`: the inner product of the query and the item vector (the sequence model's logit: not
   * normalised, unbounded). `neighbours`: the cosine of two item vectors, -1 to 1.
   */
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
 * Item vectors in two HNSW indexes (usearch): the raw vectors by inner product, for a user vector (the sequence
 * model scores user · item, unnormalised), and the unit vectors, for item-to-item similarity (cosine: an inner
 * product search with a raw item vector as query would favour large-norm, popular items). An exact scan is the
 * fallback and the reference. Items are upserted when they change (remove + add under the same key). Keys are
 * dense integers mapped to item ids. usearch is used single-threaded for searches (it refuses searches with more
 * threads than `add` used).
 */
export class ItemIndex {
  readonly dim: number;
  readonly #index: Index;
  readonly #unitIndex: Index;
  readonly #keyOf = new Map<string, number>();
  readonly #ids: string[] = [];
  readonly #vectors: Float32Array[] = [];
  readonly #units: Float32Array[] = [];
  readonly #live: boolean[] = [];

  constructor(options: ItemIndexOptions) {
    this.dim = options.dim;
    const make = () =>
      new Index({
        dimensions: options.dim,
        metric: MetricKind.IP,
        quantization: ScalarKind.F32,
        connectivity: options.connectivity ?? 16,
        expansion_add: options.expansionAdd ?? 64,
        expansion_search: options.expansionSearch ?? 128,
        multi: false,
      });
    this.#index = make();
    this.#unitIndex = make();
  }

  get size(): number {
    return this.#index.size();
  }

  vector(id: string): Float32Array | null {
    const key = this.#keyOf.get(id);
    return key === undefined || !this.#live[key] ? null : (this.#vectors[key] as Float32Array);
  }

  /** The item's vector scaled to unit length (item-to-item similarity). */
  unitVector(id: string): Float32Array | null {
    const key = this.#keyOf.get(id);
    return key === undefined || !this.#live[key] ? null : (this.#units[key] as Float32Array);
  }

  /** Cosine of two items' vectors; 0 when either has none. */
  cosine(a: string, b: string): number {
    const va = this.unitVector(a);
    const vb = this.unitVector(b);
    return va === null || vb === null ? 0 : dot(va, vb);
  }

  /** Adds many items at once (start-up). */
  addAll(entries: readonly (readonly [string, Float32Array])[]): void {
    const fresh = entries.filter(([id]) => !this.#keyOf.has(id));
    for (const [id, vector] of entries) if (this.#keyOf.has(id)) this.upsert(id, vector);
    if (fresh.length === 0) return;
    const keys = new BigUint64Array(fresh.length);
    const flat = new Float32Array(fresh.length * this.dim);
    const flatUnits = new Float32Array(fresh.length * this.dim);
    fresh.forEach(([id, vector], i) => {
      const key = this.#ids.length;
      const unit = toUnit(vector);
      this.#ids.push(id);
      this.#vectors.push(vector);
      this.#units.push(unit);
      this.#live.push(true);
      this.#keyOf.set(id, key);
      keys[i] = BigInt(key);
      flat.set(vector, i * this.dim);
      flatUnits.set(unit, i * this.dim);
    });
    // Two threads for the bulk build; searches use one (usearch refuses more threads than `add` used).
    this.#index.add(keys, flat, 2);
    this.#unitIndex.add(keys, flatUnits, 2);
  }

  /** Adds an item or replaces its vector. */
  upsert(id: string, vector: Float32Array): void {
    const key = this.#keyOf.get(id);
    if (key === undefined) {
      this.addAll([[id, vector]]);
      return;
    }
    if (this.#live[key]) {
      this.#index.remove(BigInt(key));
      this.#unitIndex.remove(BigInt(key));
    }
    const unit = toUnit(vector);
    this.#vectors[key] = vector;
    this.#units[key] = unit;
    this.#live[key] = true;
    this.#index.add(BigInt(key), vector, 1);
    this.#unitIndex.add(BigInt(key), unit, 1);
  }

  remove(id: string): void {
    const key = this.#keyOf.get(id);
    if (key === undefined || !this.#live[key]) return;
    this.#index.remove(BigInt(key));
    this.#unitIndex.remove(BigInt(key));
    this.#live[key] = false;
  }

  /** Approximate top k by inner product with the raw item vectors (HNSW): a user vector's items. */
  search(query: Float32Array, k: number): Neighbour[] {
    return this.#searchIn(this.#index, query, k);
  }

  /** The k items most similar to an item by cosine (HNSW over unit vectors), the item itself left out. */
  neighbours(id: string, k: number): Neighbour[] {
    const unit = this.unitVector(id);
    if (unit === null) return [];
    return this.#searchIn(this.#unitIndex, unit, k + 1)
      .filter((n) => n.id !== id)
      .slice(0, k);
  }

  #searchIn(index: Index, query: Float32Array, k: number): Neighbour[] {
    if (this.size === 0 || k <= 0) return [];
    const result = index.search(query, Math.min(k, this.size), 1);
    const out: Neighbour[] = [];
    for (let i = 0; i < result.keys.length; i++) {
      const key = Number(result.keys[i]);
      const id = this.#ids[key];
      // usearch's IP distance is 1 - dot.
      if (id !== undefined && this.#live[key]) out.push({ id, score: 1 - (result.distances[i] as number) });
    }
    return out;
  }

  /** Exact top k by inner product, by a full scan (the reference for ANN recall, and small catalogues). */
  exact(query: Float32Array, k: number): Neighbour[] {
    // A min-heap of the best k keys: O(n log k) instead of sorting every item.
    const heapKeys: number[] = [];
    const heapScores: number[] = [];
    const swap = (i: number, j: number) => {
      [heapKeys[i], heapKeys[j]] = [heapKeys[j] as number, heapKeys[i] as number];
      [heapScores[i], heapScores[j]] = [heapScores[j] as number, heapScores[i] as number];
    };
    const down = (start: number) => {
      let i = start;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heapScores.length && (heapScores[l] as number) < (heapScores[m] as number)) m = l;
        if (r < heapScores.length && (heapScores[r] as number) < (heapScores[m] as number)) m = r;
        if (m === i) return;
        swap(i, m);
        i = m;
      }
    };
    if (k <= 0) return [];
    for (let key = 0; key < this.#ids.length; key++) {
      if (!this.#live[key]) continue;
      const v = this.#vectors[key] as Float32Array;
      let s = 0;
      for (let j = 0; j < this.dim; j++) s += (v[j] as number) * (query[j] as number);
      if (heapScores.length < k) {
        heapKeys.push(key);
        heapScores.push(s);
        for (let i = heapScores.length - 1; i > 0;) {
          const parent = (i - 1) >> 1;
          if ((heapScores[parent] as number) <= (heapScores[i] as number)) break;
          swap(i, parent);
          i = parent;
        }
      } else if (s > (heapScores[0] as number)) {
        heapKeys[0] = key;
        heapScores[0] = s;
        down(0);
      }
    }
    return heapKeys
      .map((key, i) => ({ id: this.#ids[key] as string, score: heapScores[i] as number }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

function toUnit(vector: Float32Array): Float32Array {
  const norm = Math.sqrt(dot(vector, vector));
  return norm > 0 ? vector.map((x) => x / norm) : vector.slice();
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
