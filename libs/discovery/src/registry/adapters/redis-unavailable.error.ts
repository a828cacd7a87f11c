import { DiscoveryError } from '../../errors/discovery.error';
import { REDIS_UNAVAILABLE_MESSAGE } from './redis-registry.messages';

/**
 * A Redis command of the registry or leader elector failed for a reason other than the
 * registry semantics: server unreachable, connection lost, command timeout, or a server
 * error. `cause` holds the driver error. The state of a failed write is unknown; callers
 * retry (the discovery module's heartbeat loop does).
 *
 * @publicApi
 */
export class RedisUnavailableError extends DiscoveryError {
  constructor(
    readonly endpoint: string,
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(REDIS_UNAVAILABLE_MESSAGE(endpoint, operation, cause instanceof Error ? cause.message : String(cause)));
  }
}
