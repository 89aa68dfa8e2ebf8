/**
 * A small seeded PRNG (sfc32) with sampling helpers. Beyond 32-bit integer arithmetic only
 * `Math.sqrt` (exact) and `Math.log`/`Math.exp` (V8 ports of fdlibm, platform-independent) are
 * used, so the same seed gives the same numbers on every machine.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks `items[i]` with probability proportional to `weights[i]`. */
  weightedPick<T>(items: readonly T[], weights: readonly number[]): T;
  /** A shuffled copy; the input is left alone. */
  shuffle<T>(items: readonly T[]): T[];
  /** `count` distinct items in random order (all of them when `count` exceeds the length). */
  sample<T>(items: readonly T[], count: number): T[];
  normal(mean?: number, sd?: number): number;
  /** A lognormal sample whose median is `median`; `sigma` is the spread of the underlying normal. */
  lognormal(median: number, sigma: number): number;
}

/** Mixes the bits of a 32-bit integer so that nearby inputs give unrelated outputs. */
function avalanche(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hashes a string into four 32-bit words to seed the generator. */
export function hashString(text: string): [number, number, number, number] {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  let c = 0x243f6a88;
  let d = 0xb7e15162;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    c = Math.imul(c ^ code, 0x27d4eb2f);
    d = Math.imul(d ^ code, 0x165667b1);
  }
  return [avalanche(a ^ d), avalanche(b ^ a), avalanche(c ^ b), avalanche(d ^ c)];
}

export function createRng(seedWords: readonly [number, number, number, number]): Rng {
  let [a, b, c, d] = seedWords;

  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // The first outputs still echo the seed words; discard them.
  for (let i = 0; i < 16; i++) nextUint32();

  const next = (): number => nextUint32() / 4294967296;

  const int = (min: number, max: number): number => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`int(${min}, ${max}): bounds must be integers with min <= max`);
    }
    return min + Math.floor(next() * (max - min + 1));
  };

  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[Math.floor(next() * items.length)] as T;
  };

  const weightedPick = <T>(items: readonly T[], weights: readonly number[]): T => {
    if (items.length === 0 || items.length !== weights.length) {
      throw new RangeError("weightedPick needs as many weights as items, and at least one item");
    }
    let total = 0;
    for (const w of weights) total += w;
    let target = next() * total;
    for (let i = 0; i < items.length; i++) {
      target -= weights[i] as number;
      if (target < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  };

  const shuffle = <T>(items: readonly T[]): T[] => {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  };

  const sample = <T>(items: readonly T[], count: number): T[] => shuffle(items).slice(0, Math.max(0, count));

  // Marsaglia's polar method: no trigonometry needed.
  const normal = (mean = 0, sd = 1): number => {
    let u: number;
    let v: number;
    let s: number;
    do {
      u = next() * 2 - 1;
      v = next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    return mean + sd * u * Math.sqrt((-2 * Math.log(s)) / s);
  };

  const lognormal = (median: number, sigma: number): number => median * Math.exp(normal(0, sigma));

  return {
    next,
    int,
    chance: (p) => next() < p,
    pick,
    weightedPick,
    shuffle,
    sample,
    normal,
    lognormal,
  };
}

/**
 * Like `rng.weightedPick`, for many draws from the same list: the cumulative weights are computed
 * once and each draw is a binary search.
 */
export function weightedPicker<T>(rng: Rng, items: readonly T[], weights: readonly number[]): () => T {
  if (items.length === 0 || items.length !== weights.length) {
    throw new RangeError("weightedPicker needs as many weights as items, and at least one item");
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const w of weights) cumulative.push((total += w));
  return () => {
    const target = rng.next() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((cumulative[mid] as number) > target) high = mid;
      else low = mid + 1;
    }
    return items[low] as T;
  };
}

/** An independent random stream for one named part of the world. */
export function streamFor(seed: number, name: string): Rng {
  return createRng(hashString(`${seed}:${name}`));
}
