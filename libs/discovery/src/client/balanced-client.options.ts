import type { LoadBalancingStrategy } from '../balancing/load-balancing-strategy.interface';
import type { BalancingStrategyName } from '../balancing/strategies';
import type { VersionSplitEntry } from '../balancing/utils/version-range.util';
import type { ServiceRegistry } from '../registry/service-registry.interface';

/**
 * Transports a balanced client can call an instance over.
 *
 * @publicApi
 */
export type BalancedTransport = 'tcp' | 'udp' | 'grpc' | 'mqtt' | 'ws' | 'http';

/**
 * Retries on another instance, under a budget.
 *
 * @publicApi
 */
export interface RetryOptions {
  /** Total attempts per call, first included. Default 3. `1` disables retries. */
  maxAttempts?: number;
  /**
   * Treat every call as idempotent: retry any failure that is not the caller's fault
   * (UNAVAILABLE, INTERNAL, UNKNOWN, ABORTED, RESOURCE_EXHAUSTED, a per-attempt timeout).
   * Default false: only failures where the request surely did not run are retried
   * (connection refused, UNAVAILABLE answered by a draining or overloaded instance).
   */
  isIdempotent?: boolean;
  /** Retries may add at most this share of the requests of the last 10 s. Default 0.2. */
  budgetRatio?: number;
  /** ... plus this many retries per second regardless of traffic. Default 5. */
  minRetriesPerSecond?: number;
  /** First backoff (ms), doubled per retry, with full jitter. Default 10. */
  backoffMs?: number;
  /** Backoff ceiling (ms). Default 200. */
  maxBackoffMs?: number;
  /** Per-attempt timeout (ms) so a hung instance leaves time to retry. Default: the remaining deadline. */
  attemptTimeoutMs?: number;
}

/**
 * Ejects an instance that keeps failing, for a time that grows with repeated ejections.
 *
 * @publicApi
 */
export interface OutlierDetectionOptions {
  /** Consecutive failures that eject. Default 5. `0` disables ejection. */
  consecutiveFailures?: number;
  /** First ejection time (ms); the n-th ejection lasts n times longer. Default 10000. */
  baseEjectionMs?: number;
  /** Longest ejection (ms). Default 300000. */
  maxEjectionMs?: number;
  /** Never eject more than this share of the instances. Default 50. */
  maxEjectedPercent?: number;
}

/**
 * One entry of `BalancedClientsModule.register([...])`.
 *
 * @publicApi
 */
export interface BalancedClientOptions {
  /** Registered service name to call. */
  service: string;
  /** Injection name, when one service needs several clients (default: `service`). */
  name?: string;
  /**
   * Transport to call instances over, or several in order of preference (`['grpc', 'tcp']`):
   * each instance is then called over the first of them it advertises (an instance with
   * none is not a candidate), falls back to its next one when a protocol refuses
   * connections, and returns to the preferred one once a probe succeeds (see
   * `protocolProbeMs`). An empty list, an unknown name or a repeated one fails at registration.
   */
  transport: BalancedTransport | readonly BalancedTransport[];
  /**
   * With several transports: how long (ms) a protocol that refused an instance's connection
   * is left alone before the next call on that instance tries it again (a probe). Each failed
   * probe doubles the wait, up to 60 s (or this value when longer); a successful one switches
   * back. Default 5000.
   */
  protocolProbeMs?: number;
  /** Default `p2c-ewma`. */
  strategy?: BalancingStrategyName | LoadBalancingStrategy;
  /**
   * Semver range (`'^2.0.0'`): only instances whose published version satisfies it are
   * candidates. An instance with no or an invalid version never matches. Prereleases count as
   * their version (`2.1.0-rc.1` is in `2.1.x`). An invalid range fails at registration.
   */
  version?: string;
  /**
   * Traffic split by version range, e.g. `[{ version: '2.0.x', weight: 90 }, { version: '2.1.x', weight: 10 }]`:
   * exact shares by smooth weighted round robin over the subsets, then `strategy` picks inside
   * the chosen subset. An instance matching two ranges belongs to the first; one matching none
   * gets no split traffic (a pin can still reach it). A subset with no instance taking traffic
   * is skipped and its share goes to the others. Weights: finite, >= 0, sum > 0; bad input
   * fails at registration. Applies within `version` when both are set.
   */
  versionSplit?: VersionSplitEntry[];
  /** Deadline of each call (ms), retries included. Default 5000. */
  timeoutMs?: number;
  retry?: RetryOptions;
  outlierDetection?: OutlierDetectionOptions;
  /** Prefer instances of this zone (when at least 2 of them are healthy). */
  zone?: string;
  /** Below this share of healthy instances, balance over all non-draining ones. Default 50. */
  panicThresholdPercent?: number;
  /** Registry to watch. Default: the one of `ServiceDiscoveryModule`. */
  registry?: string | ServiceRegistry;
  /**
   * Builds the per-instance client instead of the transport's own (escape hatch: custom
   * transports, or the simulated instances of `@orion/discovery/testing`).
   */
  clientFactory?: (
    endpoint: import('../registry/service-instance.interface').ServiceEndpoint,
    instance: import('../registry/service-instance.interface').ServiceInstance,
  ) => import('./transport-clients').TransportClient;
  /**
   * TLS for instances whose endpoint says `tls: true` (CA to trust, client certificate
   * for mutual TLS). Plain endpoints ignore it.
   */
  tls?: import('@orion/protocols').ClientTlsOptions;
  /** Shared secret for UDP datagrams (see the UDP transport). */
  udpHmacKey?: string;
  /** Credentials for the MQTT broker of `mqtt` endpoints, when it checks them (see docs/security.md). */
  mqttUsername?: string;
  mqttPassword?: string;
  /**
   * Prometheus metrics: `true` (default) reports to prom-client's global registry when
   * prom-client is installed; a prom-client `Registry` reports there; `false` turns them off.
   */
  metrics?: boolean | import('prom-client').Registry;
}

/**
 * Per-call options of `send`, `emit` and `broadcast`.
 *
 * @publicApi
 */
export interface BalancedCallOptions {
  /** This call's deadline (ms); default the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Key for `consistent-hash`. */
  hashKey?: string;
  /**
   * Pin this call to instances whose version satisfies this semver range, bypassing the
   * split (as the `x-orion-version-pin` header does; this option wins over it). No instance in
   * the range: `UNAVAILABLE`; not a range: `INVALID_ARGUMENT`.
   */
  version?: string;
  /** Override the client's retry options for this call. */
  retry?: RetryOptions;
  /** Extra headers to send. */
  headers?: Record<string, string>;
}

/**
 * One entry of `BalancedClientsModule.registerAsync([...])`.
 *
 * @publicApi
 */
export interface BalancedClientAsyncOptions {
  /** Injection name (the service name, unless the factory's client uses `name`). */
  name: string;
  imports?: import('@nestjs/common').ModuleMetadata['imports'];
  inject?: Array<import('@nestjs/common').InjectionToken | import('@nestjs/common').OptionalFactoryDependency>;
  useFactory: (...args: never[]) => BalancedClientOptions | Promise<BalancedClientOptions>;
}
