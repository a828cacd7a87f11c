import type { VersionSubsetStats } from '../balancing/version-split.picker';
import type { BalancedTransport } from './balanced-client.options';

/**
 * Per-instance view of a balanced client, from `stats()`.
 *
 * @publicApi
 */
export interface InstanceCallStats {
  id: string;
  inFlight: number;
  /** EWMA (α = 0.2) of attempt latency, ms. */
  latencyEwmaMs: number;
  successes: number;
  failures: number;
  /** Times this instance was ejected as an outlier. */
  ejections: number;
  isEjected: boolean;
  /** Times the picker chose it. */
  picks: number;
  /** The version the instance publishes (absent when it publishes none). */
  version?: string;
  /** The protocol calls to it go over now (with a preference of transports, it may change). */
  protocol: BalancedTransport;
  /** With a preference of several transports: the ones it advertises, in that order. */
  protocols?: BalancedTransport[];
  /** Times its protocol changed (fallback to the next one, or back after a probe). */
  protocolSwitches: number;
}

/**
 * What `BalancedClientProxy.stats()` returns.
 *
 * @publicApi
 */
export interface BalancedClientStats {
  service: string;
  /** The transport, or the preference of several joined by commas in order (`'grpc,tcp'`). */
  transport: string;
  strategy: string;
  /** True while the registry is unreachable and the last known view is used. */
  isStale: boolean;
  /** Instances in the current view that serve this transport. */
  instances: InstanceCallStats[];
  requests: number;
  retries: number;
  /** Retries refused because the budget was spent. */
  budgetExhausted: number;
  /**
   * With `versionSplit`: one entry per subset, in option order (`instances` taking traffic
   * now, `picks` the split gave it; pinned calls are not counted).
   */
  versions?: VersionSubsetStats[];
}

/**
 * One instance's answer to `broadcast`.
 *
 * @publicApi
 */
export type BroadcastResult<T = unknown> = { instanceId: string; ok: true; value: T } | { instanceId: string; ok: false; error: Error };
