import { UNSUPPORTED_REGISTRY_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * A registry URL names a known backend (`redis://`, `rediss://`, `etcd://`) whose adapter
 * is not available yet.
 *
 * @publicApi
 */
export class UnsupportedRegistryError extends DiscoveryError {
  constructor(
    readonly scheme: string,
    readonly availableSchemes: readonly string[],
  ) {
    super(UNSUPPORTED_REGISTRY_MESSAGE(scheme, availableSchemes));
  }
}
