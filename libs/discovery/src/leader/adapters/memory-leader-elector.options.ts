import type { MemoryLeaderStore } from './memory-leader.store';

/**
 * Options of `MemoryLeaderElector`.
 *
 * @publicApi
 */
export interface MemoryLeaderElectorOptions {
  /** Share one store between electors to model several candidates in one process. Default: private. */
  store?: MemoryLeaderStore;
  /** Clock of the private store created when `store` is not given. Default `Date.now`. */
  now?: () => number;
  /** `validUntil = expiresAt - safetyMarginMs`. Default: a tenth of the TTL, 1 ms..1 s. */
  safetyMarginMs?: number;
}
