import { INVALID_INSTANCE_ID_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * An instance id is not usable as a registry key (it is a file name in the `file://`
 * backend, so it is restricted to a portable character set). The message names the bad value.
 *
 * @publicApi
 */
export class InvalidInstanceIdError extends DiscoveryError {
  constructor(
    readonly value: unknown,
    readonly pattern: string,
  ) {
    super(INVALID_INSTANCE_ID_MESSAGE(value, pattern));
  }
}
