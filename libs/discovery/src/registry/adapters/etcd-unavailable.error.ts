import { DiscoveryError } from '../../errors/discovery.error';
import { ETCD_UNAVAILABLE_MESSAGE } from './etcd-registry.messages';

/**
 * An etcd request of the registry or leader elector failed for a reason other than the
 * registry semantics: cluster unreachable, no leader, deadline exceeded, circuit open,
 * permission denied. `cause` holds the driver error. The state of a failed write is
 * unknown; callers retry (the discovery module's heartbeat loop does).
 *
 * @publicApi
 */
export class EtcdUnavailableError extends DiscoveryError {
  constructor(
    readonly endpoint: string,
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(ETCD_UNAVAILABLE_MESSAGE(endpoint, operation, cause instanceof Error ? cause.message : String(cause)));
  }
}
