import { INVALID_GROUP_NAME_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * A leader-election group name does not match `^[a-z][a-z0-9-]{0,62}$`.
 *
 * @publicApi
 */
export class InvalidGroupNameError extends DiscoveryError {
  constructor(
    readonly value: unknown,
    readonly pattern: string,
  ) {
    super(INVALID_GROUP_NAME_MESSAGE(value, pattern));
  }
}
