import type { MemoryRegistryStore } from './memory-registry.store';

/** Lower bound between two expiry sweeps of a {@link MemoryRegistryStore}, milliseconds. */
export const MEMORY_REGISTRY_DEFAULT_MIN_SWEEP_INTERVAL_MS = 25;

/**
 * Options of {@link MemoryRegistryStore}.
 *
 * @publicApi
 */
export interface MemoryRegistryStoreOptions {
  /** Clock in epoch milliseconds; inject one in tests. Default `Date.now`. */
  now?: () => number;
  /**
   * The store sweeps expired entries with one timer armed for the earliest expiry; after a
   * sweep it waits at least this long before the next one. Default 25 ms.
   */
  minSweepIntervalMs?: number;
}

/**
 * Options of `MemoryRegistryAdapter`.
 *
 * @publicApi
 */
export interface MemoryRegistryOptions {
  /**
   * The store to use. Pass the same store to several adapters to model several owners
   * (instances, apps) in one process. Default: a new private store.
   */
  store?: MemoryRegistryStore;
  /** Clock of the private store created when `store` is not given (ignored otherwise). */
  now?: () => number;
}
