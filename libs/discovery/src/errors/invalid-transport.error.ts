import { INVALID_TRANSPORT_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * A balanced client's `transport` is not a known transport, or not a non-empty list of
 * known transports without repeats. The message names the bad value and the valid ones.
 *
 * @publicApi
 */
export class InvalidTransportError extends DiscoveryError {
  constructor(
    readonly service: string,
    readonly value: unknown,
    readonly reason: string,
    valid: readonly string[],
  ) {
    super(INVALID_TRANSPORT_MESSAGE(service, value, reason, valid));
  }
}
