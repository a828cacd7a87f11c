import type { EtcdConnectionOptions } from '../../registry/adapters/etcd-connection.options';

/**
 * Options of `EtcdLeaderElector`: the connection (same as the registry's) plus election tuning.
 *
 * @publicApi
 */
export interface EtcdLeaderElectorOptions extends EtcdConnectionOptions {
  /** `validUntil = expiresAt - safetyMarginMs`. Default: a tenth of the TTL, 1 ms..1 s. */
  safetyMarginMs?: number;
}
