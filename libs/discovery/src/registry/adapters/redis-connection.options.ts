import type { RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';

/** Key prefix used when neither the URL nor the options name one. */
export const REDIS_DEFAULT_PREFIX = 'orion';
/** Default bound on one Redis command (and on connecting), milliseconds. */
export const REDIS_DEFAULT_REQUEST_TIMEOUT_MS = 5000;
/** Reconnection backoff: first delay and cap, milliseconds (doubling, with jitter). */
export const REDIS_RECONNECT_MIN_DELAY_MS = 100;
export const REDIS_RECONNECT_MAX_DELAY_MS = 2000;

/**
 * How the Redis backends connect. Shared by `RedisRegistryAdapter` and `RedisLeaderElector`.
 * The URL gives the server, credentials, database and prefix; fields given here win over it.
 *
 * @publicApi
 */
export interface RedisConnectionOptions {
  /**
   * `redis://[[user][:password]@]host[:port][/db][?prefix=<p>]`, or `rediss://...` for TLS.
   * User and password are percent-decoded. Default `redis://127.0.0.1:6379`.
   */
  url?: string;
  /**
   * Namespace of every key and channel (`<prefix>:...`), so several meshes can share one
   * server. 1..64 letters, digits, `.`, `_` or `-`. Default: the URL's `?prefix=`, else `orion`.
   */
  prefix?: string;
  /** ACL user name (Redis 6+); overrides the URL's. */
  username?: string;
  /** Password (`requirepass`, or the ACL user's); overrides the URL's. */
  password?: string;
  /** Database index; overrides the URL path. */
  db?: number;
  /**
   * TLS: `true` (system CAs), or Node TLS options (`ca`, `cert`, `key`, `servername`,
   * `rejectUnauthorized`...). Default: on for `rediss://`, off for `redis://`.
   */
  tls?: boolean | ConnectionOptions;
  /**
   * Bound on one command and on connecting: a call made while the server is unreachable
   * rejects with `RedisUnavailableError` after at most about this long. Default 5000.
   */
  requestTimeoutMs?: number;
  /** Extra ioredis options, applied last (for example `sentinels` and `name`). Use with care. */
  redis?: RedisOptions;
}
