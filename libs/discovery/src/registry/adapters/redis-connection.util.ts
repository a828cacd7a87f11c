import type { Redis, RedisOptions } from 'ioredis';
import { InvalidRegistryUrlError } from '../../errors/invalid-registry-url.error';
import {
  REDIS_DEFAULT_PREFIX,
  REDIS_DEFAULT_REQUEST_TIMEOUT_MS,
  REDIS_RECONNECT_MAX_DELAY_MS,
  REDIS_RECONNECT_MIN_DELAY_MS,
  type RedisConnectionOptions,
} from './redis-connection.options';
import { RedisDriverMissingError } from './redis-driver-missing.error';
import { REDIS_INVALID_PREFIX_REASON, REDIS_UNKNOWN_PARAMETER_REASON } from './redis-registry.messages';

const REDIS_SCHEMES = ['redis', 'rediss'] as const;
const PREFIX_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const KNOWN_PARAMETERS = new Set(['prefix']);

/** A resolved Redis connection recipe: what to connect to, and how to name keys. */
export interface RedisConnectionTarget {
  /** ioredis options for the command connection (lazy: nothing connects before the first command). */
  options: RedisOptions;
  prefix: string;
  /** `redis://host:port/db` without credentials, for messages. */
  endpoint: string;
}

/**
 * Reads `ioredis` only now, so apps that never use a `redis://` URL do not need it.
 *
 * @throws RedisDriverMissingError when the package is not installed.
 */
export function loadRedisDriver(): typeof import('ioredis') {
  try {
    return require('ioredis') as typeof import('ioredis');
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes("'ioredis'")) {
      throw new RedisDriverMissingError(error);
    }
    throw error;
  }
}

/**
 * Resolves URL and options into ioredis options: lazy connect, a bounded per-command
 * timeout, at most one retry of a queued command, and reconnection with doubling,
 * jittered delays capped at 2 s (so an outage never spins).
 *
 * @throws InvalidRegistryUrlError for a malformed URL, unknown parameter or invalid prefix.
 */
export function resolveRedisConnection(options: RedisConnectionOptions): RedisConnectionTarget {
  const rawUrl = options.url ?? 'redis://127.0.0.1:6379';
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new InvalidRegistryUrlError(rawUrl, REDIS_SCHEMES, 'expected redis[s]://[[user][:password]@]host[:port][/db]');
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss') throw new InvalidRegistryUrlError(rawUrl, REDIS_SCHEMES, `unknown scheme "${scheme}"`);
  for (const name of url.searchParams.keys()) {
    if (!KNOWN_PARAMETERS.has(name)) throw new InvalidRegistryUrlError(rawUrl, REDIS_SCHEMES, REDIS_UNKNOWN_PARAMETER_REASON(name));
  }
  const prefix = options.prefix ?? url.searchParams.get('prefix') ?? REDIS_DEFAULT_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) throw new InvalidRegistryUrlError(rawUrl, REDIS_SCHEMES, REDIS_INVALID_PREFIX_REASON(prefix));
  const pathDb = url.pathname.replace(/^\/+|\/+$/g, '');
  if (pathDb !== '' && !/^\d+$/.test(pathDb)) throw new InvalidRegistryUrlError(rawUrl, REDIS_SCHEMES, `invalid database "${pathDb}"`);
  const db = options.db ?? (pathDb === '' ? 0 : Number(pathDb));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = url.port === '' ? 6379 : Number(url.port);
  const tlsOption = options.tls ?? scheme === 'rediss';
  const timeoutMs = options.requestTimeoutMs ?? REDIS_DEFAULT_REQUEST_TIMEOUT_MS;
  const decode = (value: string): string | undefined => (value === '' ? undefined : decodeURIComponent(value));
  return {
    prefix,
    endpoint: `${tlsOption ? 'rediss' : 'redis'}://${url.host || `${host}:${port}`}/${db}`,
    options: {
      host,
      port,
      db,
      username: options.username ?? decode(url.username),
      password: options.password ?? decode(url.password),
      tls: tlsOption === false ? undefined : tlsOption === true ? {} : tlsOption,
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      // NOTE: a command queued while disconnected fails after the next failed reconnect
      // instead of waiting for the server forever; callers see RedisUnavailableError.
      maxRetriesPerRequest: 1,
      // NOTE: after disconnect(), ioredis waits this long for a socket that may already be
      // dead (server gone) before destroying it; 2 s by default holds the process open.
      disconnectTimeout: 200,
      retryStrategy: (attempt: number) => {
        const capped = Math.min(REDIS_RECONNECT_MAX_DELAY_MS, REDIS_RECONNECT_MIN_DELAY_MS * 2 ** Math.min(attempt - 1, 10));
        return Math.round(capped * (0.8 + Math.random() * 0.4));
      },
      ...options.redis,
    },
  };
}

/**
 * A new ioredis client for `target`. Connection errors are reported by the commands that
 * fail (as `RedisUnavailableError`), so the client's `error` events are consumed here
 * instead of being printed by ioredis as unhandled.
 */
export function createRedisClient(target: RedisConnectionTarget, overrides: RedisOptions = {}): Redis {
  const { Redis: RedisClient } = loadRedisDriver();
  const client = new RedisClient({ ...target.options, ...overrides });
  client.on('error', () => undefined);
  return client;
}
