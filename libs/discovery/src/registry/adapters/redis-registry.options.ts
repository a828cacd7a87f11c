import type { RedisConnectionOptions } from './redis-connection.options';

/** Default safety-net relist period of `RedisRegistryAdapter` watches, milliseconds. */
export const REDIS_REGISTRY_DEFAULT_RELIST_INTERVAL_MS = 3000;

/**
 * Options of `RedisRegistryAdapter`: the connection (URL, prefix, credentials, TLS) plus
 * watch tuning.
 *
 * @publicApi
 */
export interface RedisRegistryOptions extends RedisConnectionOptions {
  /**
   * Watches relist on every change message, on reconnection and when the earliest entry
   * they hold expires; besides, at least this often, which bounds how long a missed
   * message can go unnoticed. Default 3000.
   */
  relistIntervalMs?: number;
}
