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
  /**
   * Threads of a bulk build. Default 2. With more than one, the order of insertion, and so the graph and its
   * recall, varies from build to build; 1 builds the same graph every time (tests that assert on recall).
   */
  readonly buildThreads?: number;
}

/**
 * Item vectors in two HNSW indexes (usearch) and an exact scan (the fallback and the reference):
 *
 * - user → items: the sequence model scores user · item with unnormalised vectors (maximum inner product
 *   search). HNSW over raw inner products recalls poorly (measured on Amazon Beauty: 0.70 of the exact top 100,
 *   0.72 with a search beam of 512), so items are stored by the usual MIPS-to-cosine reduction: item x becomes
 *   [x, sqrt(M² − |x|²)] / M (all unit length; M = 1.2 × the largest norm, rebuilt if an upsert exceeds it) and
 *   the query [q / |q|, 0], whose inner product is x · q / (M |q|): the same order as x · q. Hits are re-scored
 *   with the exact x · q.
 * - item → items: the unit vectors by cosine (an inner product search with a raw item vector as query would
 *   favour large-norm, popular items).
 *
 * Items are upserted when they change (remove + add under the same key). Keys are dense integers mapped to item
 * ids. usearch is used single-threaded for searches (it refuses searches with more threads than `add` used).
 */
export class ItemIndex {
  readonly dim: number;
  readonly #options: ItemIndexOptions;
  #index: Index;
  readonly #unitIndex: Index;
  /** Norm bound M of the MIPS reduction (0 until the first item). */
  #bound = 0;
  readonly #keyOf = new Map<string, number>();
  readonly #ids: string[] = [];
  readonly #vectors: Float32Array[] = [];
  readonly #units: Float32Array[] = [];
  readonly #live: boolean[] = [];

  constructor(options: ItemIndexOptions) {
    this.dim = options.dim;
    this.#options = options;
    this.#index = this.#makeIndex(options.dim + 1);
    this.#unitIndex = this.#makeIndex(options.dim);
  }

  #makeIndex(dimensions: number): Index {
    return new Index({
      dimensions,
      metric: MetricKind.IP,
      quantization: ScalarKind.F32,
      connectivity: this.#options.connectivity ?? 16,
      expansion_add: this.#options.expansionAdd ?? 64,
      expansion_search: this.#options.expansionSearch ?? 128,
      multi: false,
    });
  }

  get #buildThreads(): number {
    return this.#options.buildThreads ?? 2;
  }

  get size(): number {
    return this.#unitIndex.size();
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

  /** [x, sqrt(M² − |x|²)] / M: unit length, and its inner product with [q̂, 0] orders items as x · q does. */
  #augmented(vector: Float32Array): Float32Array {
    const out = new Float32Array(this.dim + 1);
    const m = this.#bound;
    for (let j = 0; j < this.dim; j++) out[j] = (vector[j] as number) / m;
    out[this.dim] = Math.sqrt(Math.max(0, m * m - dot(vector, vector))) / m;
    return out;
  }

  /** Raises M to 1.2 × the largest norm when `vectors` exceed it, rebuilding the inner-product index. */
  #ensureBound(vectors: readonly Float32Array[]): void {
    let largest = 0;
    for (const v of vectors) largest = Math.max(largest, Math.sqrt(dot(v, v)));
    if (largest <= this.#bound) return;
    const live = this.#ids.map((_, key) => key).filter((key) => this.#live[key]);
    this.#bound = Math.max(largest, 1e-6) * 1.2;
    this.#index = this.#makeIndex(this.dim + 1);
    if (live.length === 0) return;
    const keys = BigUint64Array.from(live.map((key) => BigInt(key)));
    const flat = new Float32Array(live.length * (this.dim + 1));
    live.forEach((key, i) =>
      flat.set(this.#augmented(this.#vectors[key] as Float32Array), i * (this.dim + 1)),
    );
    this.#index.add(keys, flat, this.#buildThreads);
  }

  /** Adds many items at once (start-up). */
  addAll(entries: readonly (readonly [string, Float32Array])[]): void {
    const fresh = entries.filter(([id]) => !this.#keyOf.has(id));
    for (const [id, vector] of entries) if (this.#keyOf.has(id)) this.upsert(id, vector);
    if (fresh.length === 0) return;
    this.#ensureBound(fresh.map(([, vector]) => vector));
    const keys = new BigUint64Array(fresh.length);
    const flat = new Float32Array(fresh.length * (this.dim + 1));
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
      flat.set(this.#augmented(vector), i * (this.dim + 1));
      flatUnits.set(unit, i * this.dim);
    });
    // Two threads for the bulk build; searches use one (usearch refuses more threads than `add` used).
    this.#index.add(keys, flat, this.#buildThreads);
    this.#unitIndex.add(keys, flatUnits, this.#buildThreads);
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
    this.#live[key] = false;
    this.#ensureBound([vector]);
    this.#live[key] = true;
    this.#index.add(BigInt(key), this.#augmented(vector), 1);
    this.#unitIndex.add(BigInt(key), unit, 1);
  }

  remove(id: string): void {
    const key = this.#keyOf.get(id);
    if (key === undefined || !this.#live[key]) return;
    this.#index.remove(BigInt(key));
    this.#unitIndex.remove(BigInt(key));
    this.#live[key] = false;
  }

  /** Approximate top k by inner product with the raw item vectors (HNSW, MIPS reduction): a user's items. */
  search(query: Float32Array, k: number): Neighbour[] {
    const norm = Math.sqrt(dot(query, query));
    if (norm === 0) return this.exact(query, k);
    const q = new Float32Array(this.dim + 1);
    for (let j = 0; j < this.dim; j++) q[j] = (query[j] as number) / norm;
    return this.#searchIn(this.#index, q, k)
      .map((n) => ({
        id: n.id,
        score: dot(this.#vectors[this.#keyOf.get(n.id) as number] as Float32Array, query),
      }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
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
