import { MISSING_SERVICE_NAME_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * `ServiceDiscoveryModule` has no `service` but the app must register (it serves endpoints
 * through `ProtocolsModule`, or `shouldRegister` is `true`). The message says why and how to fix it.
 *
 * @publicApi
 */
export class MissingServiceNameError extends DiscoveryError {
  constructor(readonly reason: string) {
    super(MISSING_SERVICE_NAME_MESSAGE(reason));
  }
}
