import { REGISTRY_CLOSED_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * An operation was called on a registry or leader elector after its `close()`.
 *
 * @publicApi
 */
export class RegistryClosedError extends DiscoveryError {
  constructor(readonly what: string) {
    super(REGISTRY_CLOSED_MESSAGE(what));
  }
}
