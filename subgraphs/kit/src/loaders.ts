import DataLoader from "dataloader";
import { withSpan } from "./tracing.ts";

/**
 * A batch function for one kind of lookup. It must return one entry per key, in key order:
 * a value, `null` for a key that does not exist, or an Error for a key that failed on its own.
 */
export type BatchLookup<K, V> = (keys: readonly K[]) => Promise<ReadonlyArray<V | null | Error>>;

/** Names a loader and its batch function; created once per module, instantiated once per request. */
export interface LoaderSpec<K, V> {
  readonly name: string;
  readonly batch: BatchLookup<K, V>;
  readonly maxBatchSize?: number;
}

export function defineLoader<K, V>(
  name: string,
  batch: BatchLookup<K, V>,
  options: { maxBatchSize?: number } = {},
): LoaderSpec<K, V> {
  return { name, batch, ...options };
}

/** Guards the DataLoader contract so a buggy batch function fails loudly instead of misassigning values. */
function checkedBatch<K, V>(spec: LoaderSpec<K, V>): DataLoader.BatchLoadFn<K, V | null> {
  return async (keys) => {
    const values = await withSpan(
      `loader.batch ${spec.name}`,
      { "aisle.loader": spec.name, "aisle.batch_size": keys.length },
      () => spec.batch(keys),
    );
    if (values.length !== keys.length) {
      throw new Error(`Loader ${spec.name} returned ${values.length} values for ${keys.length} keys`);
    }
    return values;
  };
}

/**
 * The DataLoaders of one request. Each spec gets its own loader on first use; the registry is dropped with
 * the request, so nothing is cached across callers.
 */
export class LoaderRegistry {
  readonly #loaders = new Map<LoaderSpec<never, unknown>, DataLoader<unknown, unknown>>();

  get<K, V>(spec: LoaderSpec<K, V>): DataLoader<K, V | null> {
    const key = spec as unknown as LoaderSpec<never, unknown>;
    let loader = this.#loaders.get(key) as DataLoader<K, V | null> | undefined;
    if (loader === undefined) {
      loader = new DataLoader<K, V | null>(checkedBatch(spec), {
        ...(spec.maxBatchSize === undefined ? {} : { maxBatchSize: spec.maxBatchSize }),
      });
      this.#loaders.set(key, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }
}
