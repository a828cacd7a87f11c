import type { EtcdConnectionOptions } from './etcd-connection.options';

/**
 * Options of `EtcdRegistryAdapter`: the connection (URL, hosts, prefix, auth, TLS).
 *
 * @publicApi
 */
export type EtcdRegistryOptions = EtcdConnectionOptions;
