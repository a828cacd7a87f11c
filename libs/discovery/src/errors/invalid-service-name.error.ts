import { INVALID_SERVICE_NAME_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * A service name does not match `^[a-z][a-z0-9-]{0,62}$`. The message names the bad value.
 *
 * @publicApi
 */
export class InvalidServiceNameError extends DiscoveryError {
  constructor(
    readonly value: unknown,
    readonly pattern: string,
  ) {
    super(INVALID_SERVICE_NAME_MESSAGE(value, pattern));
  }
}
