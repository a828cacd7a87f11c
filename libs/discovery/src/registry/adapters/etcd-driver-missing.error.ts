import { DiscoveryError } from '../../errors/discovery.error';
import { ETCD_DRIVER_MISSING_MESSAGE } from './etcd-registry.messages';

/**
 * An `etcd://` registry or leader elector was created, but the optional `etcd3` package
 * is not installed.
 *
 * @publicApi
 */
export class EtcdDriverMissingError extends DiscoveryError {
  readonly packageName = 'etcd3';

  constructor(override readonly cause?: unknown) {
    super(ETCD_DRIVER_MISSING_MESSAGE());
  }
}
