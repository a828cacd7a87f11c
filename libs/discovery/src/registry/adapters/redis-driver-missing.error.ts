import { DiscoveryError } from '../../errors/discovery.error';
import { REDIS_DRIVER_MISSING_MESSAGE } from './redis-registry.messages';

/**
 * A `redis://` or `rediss://` registry or leader elector was created, but the optional
 * `ioredis` package is not installed.
 *
 * @publicApi
 */
export class RedisDriverMissingError extends DiscoveryError {
  readonly packageName = 'ioredis';

  constructor(override readonly cause?: unknown) {
    super(REDIS_DRIVER_MISSING_MESSAGE());
  }
}
