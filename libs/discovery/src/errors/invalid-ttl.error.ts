import { INVALID_TTL_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * A TTL (registry entry or leadership lease) is not a finite number greater than 0.
 *
 * @publicApi
 */
export class InvalidTtlError extends DiscoveryError {
  constructor(readonly value: unknown) {
    super(INVALID_TTL_MESSAGE(value));
  }
}
