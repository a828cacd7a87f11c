import type { Registry } from 'prom-client';

/** Path of the Prometheus endpoint when none is given. */
export const METRICS_DEFAULT_PATH = '/metrics';

/** Histogram buckets (seconds) of `orion_request_duration_seconds` when none are given. */
export const METRICS_DEFAULT_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The `metrics` option of `ProtocolsModule.forRoot`, in its object form.
 *
 * @publicApi
 */
export interface ProtocolMetricsOptions {
  /** HTTP path of the Prometheus text endpoint. Default `/metrics`. */
  path?: string;
  /**
   * prom-client registry to report to and to serve. Default: prom-client's global registry,
   * so the balanced clients' `orion_client_*` metrics (and anything else registered
   * there) are served too.
   */
  registry?: Registry;
  /** Buckets (seconds) of the request duration histogram. Default 1 ms .. 5 s. */
  buckets?: readonly number[];
}
