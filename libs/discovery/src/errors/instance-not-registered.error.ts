import { INSTANCE_NOT_REGISTERED_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * `heartbeat()` found no live entry owned by this registry client: it was never registered,
 * was deregistered, or its TTL ran out. The caller should `register()` again.
 *
 * @publicApi
 */
export class InstanceNotRegisteredError extends DiscoveryError {
  constructor(readonly instanceId: string) {
    super(INSTANCE_NOT_REGISTERED_MESSAGE(instanceId));
  }
}
