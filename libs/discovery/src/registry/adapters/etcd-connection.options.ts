/** Key prefix used when neither the URL nor the options name one. */
export const ETCD_DEFAULT_PREFIX = 'orion';
/** Default deadline of one etcd request, milliseconds. */
export const ETCD_DEFAULT_REQUEST_TIMEOUT_MS = 5000;
/** After 3 consecutive failures a host gets no requests for this long, milliseconds. */
export const ETCD_HOST_HALF_OPEN_AFTER_MS = 1000;

/**
 * How the etcd backends connect. Shared by `EtcdRegistryAdapter` and `EtcdLeaderElector`.
 * The URL gives hosts, credentials and prefix; fields given here win over it.
 *
 * @publicApi
 */
export interface EtcdConnectionOptions {
  /**
   * `etcd://[user:password@]host:port[,host:port...][?prefix=<p>&tls=true]`. User and
   * password are percent-decoded. Default `etcd://127.0.0.1:2379`.
   */
  url?: string;
  /** Endpoints `host:port` (overrides the URL's). */
  hosts?: string[];
  /**
   * Namespace of every key (`<prefix>/...`), so several meshes can share one cluster.
   * 1..64 letters, digits, `.`, `_` or `-`. Default: the URL's `?prefix=`, else `orion`.
   */
  prefix?: string;
  /** etcd user (`etcdctl user add`); overrides the URL's. */
  auth?: { username: string; password: string };
  /**
   * TLS: `true` (system CAs), or PEM `ca` (trust roots), and `cert` + `key` for client
   * certificate auth. Default off, or on with `?tls=true`.
   */
  tls?: boolean | { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
  /** Deadline of one unary request (streams excepted). Default 5000. */
  requestTimeoutMs?: number;
}
