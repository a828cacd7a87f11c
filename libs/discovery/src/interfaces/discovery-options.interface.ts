import type { ServiceRegistry } from '../registry/service-registry.interface';
import type { LeaderElector } from '../leader/leader-elector.interface';

/**
 * Who this app is in the registry.
 *
 * @publicApi
 */
export interface ServiceIdentity {
  /** Service name: `^[a-z][a-z0-9-]{0,62}$`. */
  name: string;
  /** Default `0.0.0`. */
  version?: string;
  /** Relative weight for weighted balancing. Default 1. */
  weight?: number;
  zone?: string;
  metadata?: Record<string, string>;
}

/**
 * Options of `ServiceDiscoveryModule.forRoot` / `forRootAsync`.
 *
 * @publicApi
 */
export interface ServiceDiscoveryModuleOptions {
  /**
   * Who this app is in the registry. Optional for an app that only calls other services
   * (balanced clients, leader watching): without it nothing is registered. An app that
   * serves endpoints (imports `ProtocolsModule`) without `shouldRegister: false`, or one with
   * `shouldRegister: true`, fails at startup with `MissingServiceNameError`.
   */
  service?: ServiceIdentity;
  /**
   * Registry URL (`memory://`, `memory://<name>`, `file://<dir>`) or a ready
   * `ServiceRegistry`. The module closes a registry it created from a URL, not one given.
   */
  registry: string | ServiceRegistry;
  /** Lease length (ms). A crashed instance disappears from `list`/watchers within it. Default 10000. */
  ttlMs?: number;
  /** Heartbeat period (ms); at most a third of `ttlMs`. Default `ttlMs / 3`. */
  heartbeatMs?: number;
  /** Host other machines use to reach this app. Default: `ORION_ADVERTISE_HOST`, else the bound host unless it is a wildcard, else the first non-internal IPv4, else 127.0.0.1. */
  advertiseHost?: string;
  /** Instance id. Default `<service>-<hostname>-<pid>-<random>`. */
  instanceId?: string;
  /** Graceful shutdown: how long to keep taking work after announcing `draining`, then how long to wait for in-flight work. */
  drain?: { graceMs?: number; timeoutMs?: number };
  /** Leader election backend. Default: derived from the registry URL (memory or file). */
  leaderElector?: LeaderElector;
  /**
   * Register this app (default: true when `service` is given). `false`: only use the registry
   * (clients, leader election); `service` may then be left out.
   */
  shouldRegister?: boolean;
}
