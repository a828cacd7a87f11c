import type { Counter, Gauge, Histogram, Registry } from 'prom-client';

type PromClient = typeof import('prom-client');

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Prometheus metrics of balanced clients (prom-client), shared by every client that
 * reports to the same prom-client registry. Names:
 * `orion_client_requests_total`, `orion_client_failures_total` (by code),
 * `orion_client_latency_seconds` (histogram), `orion_client_in_flight`,
 * `orion_client_ejections_total`, `orion_client_retries_total`,
 * `orion_client_retry_budget_exhausted_total`. Labels: service, transport, instance.
 *
 * @publicApi
 */
export class BalancedClientMetrics {
  readonly requests: Counter<string>;
  readonly failures: Counter<string>;
  readonly latency: Histogram<string>;
  readonly inFlight: Gauge<string>;
  readonly ejections: Counter<string>;
  readonly retries: Counter<string>;
  readonly budgetExhausted: Counter<string>;

  private constructor(prom: PromClient, registry: Registry) {
    const make = <T>(name: string, create: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? create();
    const instanceLabels = ['service', 'transport', 'instance'];
    this.requests = make(
      'orion_client_requests_total',
      () =>
        new prom.Counter({
          name: 'orion_client_requests_total',
          help: 'Attempts sent per instance',
          labelNames: instanceLabels,
          registers: [registry],
        }),
    );
    this.failures = make(
      'orion_client_failures_total',
      () =>
        new prom.Counter({
          name: 'orion_client_failures_total',
          help: 'Failed attempts per instance and code',
          labelNames: [...instanceLabels, 'code'],
          registers: [registry],
        }),
    );
    this.latency = make(
      'orion_client_latency_seconds',
      () =>
        new prom.Histogram({
          name: 'orion_client_latency_seconds',
          help: 'Attempt latency per instance',
          labelNames: instanceLabels,
          buckets: LATENCY_BUCKETS,
          registers: [registry],
        }),
    );
    this.inFlight = make(
      'orion_client_in_flight',
      () =>
        new prom.Gauge({
          name: 'orion_client_in_flight',
          help: 'Attempts in flight per instance',
          labelNames: instanceLabels,
          registers: [registry],
        }),
    );
    this.ejections = make(
      'orion_client_ejections_total',
      () =>
        new prom.Counter({
          name: 'orion_client_ejections_total',
          help: 'Outlier ejections per instance',
          labelNames: instanceLabels,
          registers: [registry],
        }),
    );
    this.retries = make(
      'orion_client_retries_total',
      () =>
        new prom.Counter({
          name: 'orion_client_retries_total',
          help: 'Retries per service',
          labelNames: ['service', 'transport'],
          registers: [registry],
        }),
    );
    this.budgetExhausted = make(
      'orion_client_retry_budget_exhausted_total',
      () =>
        new prom.Counter({
          name: 'orion_client_retry_budget_exhausted_total',
          help: 'Retries refused by the retry budget',
          labelNames: ['service', 'transport'],
          registers: [registry],
        }),
    );
  }

  /** Metrics in `registry` (default: prom-client's global one); undefined without prom-client. */
  static create(registry?: Registry): BalancedClientMetrics | undefined {
    let prom: PromClient;
    try {
      prom = require('prom-client') as PromClient;
    } catch {
      return undefined;
    }
    return new BalancedClientMetrics(prom, registry ?? prom.register);
  }
}
