import { INVALID_REGISTRY_URL_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * A registry URL could not be parsed or names an unknown scheme. The message lists the
 * valid schemes.
 *
 * @publicApi
 */
export class InvalidRegistryUrlError extends DiscoveryError {
  constructor(
    readonly url: unknown,
    readonly validSchemes: readonly string[],
    readonly reason: string,
  ) {
    super(INVALID_REGISTRY_URL_MESSAGE(url, validSchemes, reason));
  }
}
