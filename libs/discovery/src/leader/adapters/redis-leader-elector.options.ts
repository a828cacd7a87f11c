import type { RedisConnectionOptions } from '../../registry/adapters/redis-connection.options';

/** Default safety-net poll period of `RedisLeaderElector` watches, milliseconds. */
export const REDIS_LEADER_DEFAULT_RELIST_INTERVAL_MS = 3000;

/**
 * Options of `RedisLeaderElector`: the connection (same as the registry's) plus election
 * tuning.
 *
 * @publicApi
 */
export interface RedisLeaderElectorOptions extends RedisConnectionOptions {
  /** `validUntil = expiresAt - safetyMarginMs`. Default: a tenth of the TTL, 1 ms..1 s. */
  safetyMarginMs?: number;
  /** Watches re-read the holder at least this often besides change messages and expiry. Default 3000. */
  relistIntervalMs?: number;
}
