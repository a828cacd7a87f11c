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
}

/**
 * What `BalancedClientProxy.stats()` returns.
 *
 * @publicApi
 */
export interface BalancedClientStats {
  service: string;
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
}

/**
 * One instance's answer to `broadcast`.
 *
 * @publicApi
 */
export type BroadcastResult<T = unknown> = { instanceId: string; ok: true; value: T } | { instanceId: string; ok: false; error: Error };
