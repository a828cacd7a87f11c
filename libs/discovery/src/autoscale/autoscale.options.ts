import type { Registry } from 'prom-client';
import type { ServiceInstance } from '../registry/service-instance.interface';
import type { ServiceRegistry } from '../registry/service-registry.interface';

/** Utilization aimed at when none is given (60 %). */
export const AUTOSCALE_DEFAULT_TARGET = 0.6;
/** Scale-down stabilization window when none is given (ms), as Kubernetes' HPA. */
export const AUTOSCALE_DEFAULT_STABILIZATION_WINDOW_MS = 60_000;
/** Evaluation period when none is given (ms). */
export const AUTOSCALE_DEFAULT_INTERVAL_MS = 5_000;
/** Relative deviation from the target that changes nothing, as Kubernetes' HPA (10 %). */
export const AUTOSCALE_DEFAULT_TOLERANCE = 0.1;
/** In-flight requests at which one instance counts as fully used (metric `inFlight`). */
export const AUTOSCALE_DEFAULT_CAPACITY = 100;
/** Route of the advice on the HTTP listener (for dashboards). */
export const AUTOSCALE_HTTP_PATH = 'autoscale';

/**
 * How busy one instance is, 0..1 (1 = fully used; may exceed 1), from its registry entry;
 * undefined when it reports nothing usable.
 *
 * @publicApi
 */
export type InstanceUtilizationFn = (instance: ServiceInstance) => number | undefined;

/**
 * The utilization signal: event loop utilization (default), in-flight requests over
 * `capacity`, or a function of the instance.
 *
 * @publicApi
 */
export type AutoscaleMetric = 'eventLoopUtilization' | 'inFlight' | InstanceUtilizationFn;

/**
 * Options of `AutoscaleModule.forRoot` / `forRootAsync` and of the `AutoscaleAdvisor`.
 *
 * @publicApi
 */
export interface AutoscaleOptions {
  /** Services to advise on. Default: every service in the registry (`registry.services()`). */
  services?: readonly string[];
  /** Utilization aimed at, > 0. Default 0.6. */
  target?: number;
  /** Utilization signal. Default `eventLoopUtilization`. */
  metric?: AutoscaleMetric;
  /** For `metric: 'inFlight'`: in-flight requests at which one instance is fully used. Default 100. */
  capacity?: number;
  /**
   * Scale-down stabilization (ms): the desired count is the highest recommendation of
   * this window, so a short dip does not remove instances that a rebound needs again.
   * Scale-up is immediate. Default 60000.
   */
  stabilizationWindowMs?: number;
  /** Deviation from the target (relative) within which the count stays. Default 0.1. */
  tolerance?: number;
  /** Fewest instances to recommend. Default 1. */
  minInstances?: number;
  /** Most instances to recommend. Default: no bound. */
  maxInstances?: number;
  /** Evaluation period (ms). Default 5000. `0`: only on `evaluate()`. */
  intervalMs?: number;
  /** Registry to read. Default: the one of `ServiceDiscoveryModule`. A URL is opened and closed by the advisor. */
  registry?: string | ServiceRegistry;
  /**
   * Prometheus gauges `orion_autoscale_*`: `true` (default) in prom-client's global
   * registry when prom-client is installed, a `Registry` to report there, `false` off.
   */
  metrics?: boolean | Registry;
  /** Clock (epoch ms). Default `Date.now`; inject one in tests. */
  now?: () => number;
}
