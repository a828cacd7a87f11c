import { DUPLICATE_INSTANCE_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * `register()` found the same instance id of the same service already registered, unexpired,
 * by a different registry client (another process, or another registry object).
 *
 * @publicApi
 */
export class DuplicateInstanceError extends DiscoveryError {
  constructor(
    readonly service: string,
    readonly instanceId: string,
  ) {
    super(DUPLICATE_INSTANCE_MESSAGE(service, instanceId));
  }
}
