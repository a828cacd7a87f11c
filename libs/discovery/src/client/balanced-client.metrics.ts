import type { Registry } from 'prom-client';
import type { InstanceSlot } from './instance-clients';

type PromClient = typeof import('prom-client');

/** Histogram buckets of `orion_client_latency_seconds`, seconds. */
export const CLIENT_LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** What one balanced client exposes to the metrics at scrape time. */
export interface BalancedMetricsSource {
  readonly service: string;
  readonly transport: string;
  slots(): Iterable<InstanceSlot>;
  readonly totals: { readonly retries: number; readonly budgetExhausted: number; readonly ejections: ReadonlyMap<string, number> };
}

type Labels = Record<string, string | number>;
interface MetricValue {
  value: number;
  labels: Labels;
  metricName?: string;
}
type Read = (source: BalancedMetricsSource, out: MetricValue[]) => void;

/**
 * One metric of prom-client's registry whose values are read from the balanced clients'
 * plain counters when the registry is scraped (prom-client 15 hashes labels on every update,
 * which cost 2-4 us per call when the hot path fed it directly).
 */
class ScrapeTimeMetric {
  readonly aggregator = 'sum';
  readonly sources = new Set<BalancedMetricsSource>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    private readonly read: Read,
  ) {}

  get(): { name: string; help: string; type: string; values: MetricValue[]; aggregator: string } {
    const values: MetricValue[] = [];
    for (const source of this.sources) this.read(source, values);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    // NOTE: the counters belong to the clients; a registry reset does not clear them.
  }
}

const instanceLabels = (source: BalancedMetricsSource, slot: InstanceSlot): Labels => ({
  service: source.service,
  transport: source.transport,
  instance: slot.id,
});
const serviceLabels = (source: BalancedMetricsSource): Labels => ({ service: source.service, transport: source.transport });

const perSlot =
  (value: (slot: InstanceSlot) => number): Read =>
  (source, out) => {
    for (const slot of source.slots()) out.push({ value: value(slot), labels: instanceLabels(source, slot) });
  };

const METRICS: readonly [string, string, 'counter' | 'gauge' | 'histogram', Read][] = [
  ['orion_client_requests_total', 'Attempts sent per instance', 'counter', perSlot((slot) => slot.picks)],
  [
    'orion_client_failures_total',
    'Failed attempts per instance and code',
    'counter',
    (source, out) => {
      for (const slot of source.slots())
        for (const [code, value] of slot.failureCodes) out.push({ value, labels: { ...instanceLabels(source, slot), code } });
    },
  ],
  [
    'orion_client_latency_seconds',
    'Attempt latency per instance',
    'histogram',
    (source, out) => {
      const name = 'orion_client_latency_seconds';
      for (const slot of source.slots()) {
        const labels = instanceLabels(source, slot);
        let count = 0;
        CLIENT_LATENCY_BUCKETS.forEach((le, b) => {
          count += slot.latencyBuckets[b];
          out.push({ value: count, labels: { ...labels, le }, metricName: `${name}_bucket` });
        });
        count += slot.latencyBuckets[CLIENT_LATENCY_BUCKETS.length];
        out.push({ value: count, labels: { ...labels, le: '+Inf' }, metricName: `${name}_bucket` });
        out.push({ value: slot.latencySumMs / 1000, labels, metricName: `${name}_sum` });
        out.push({ value: count, labels, metricName: `${name}_count` });
      }
    },
  ],
  ['orion_client_in_flight', 'Attempts in flight per instance', 'gauge', perSlot((slot) => Math.max(0, slot.inFlight))],
  [
    'orion_client_ejections_total',
    'Outlier ejections per instance',
    'counter',
    (source, out) => {
      for (const [instance, value] of source.totals.ejections) out.push({ value, labels: { ...serviceLabels(source), instance } });
    },
  ],
  [
    'orion_client_protocol_switches_total',
    'Changes of the protocol an instance is called over (fallback, or back after a probe), with a preference of transports',
    'counter',
    (source, out) => {
      for (const slot of source.slots()) {
        const switches = slot.preference?.switchCounts;
        if (switches === undefined) continue;
        for (const [pair, value] of switches) {
          const [from, to] = pair.split('>');
          out.push({ value, labels: { ...instanceLabels(source, slot), from, to } });
        }
      }
    },
  ],
  [
    'orion_client_retries_total',
    'Retries per service',
    'counter',
    (source, out) => void out.push({ value: source.totals.retries, labels: serviceLabels(source) }),
  ],
  [
    'orion_client_retry_budget_exhausted_total',
    'Retries refused by the retry budget',
    'counter',
    (source, out) => void out.push({ value: source.totals.budgetExhausted, labels: serviceLabels(source) }),
  ],
];

/**
 * Prometheus metrics of balanced clients, shared by every client that reports to the same
 * prom-client registry and read from the clients' counters at scrape time (nothing on the
 * call path). Names: `orion_client_requests_total`, `orion_client_failures_total` (by code),
 * `orion_client_latency_seconds` (histogram), `orion_client_in_flight`,
 * `orion_client_ejections_total`, `orion_client_retries_total`,
 * `orion_client_retry_budget_exhausted_total`, `orion_client_protocol_switches_total` (by
 * `from` and `to`, with a preference of transports). Labels: service, transport (the
 * preference joined by commas, e.g. `grpc,tcp`), instance.
 *
 * @publicApi
 */
export class BalancedClientMetrics {
  private constructor(private readonly metrics: readonly ScrapeTimeMetric[]) {}

  /** Metrics in `registry` (default: prom-client's global one); undefined without prom-client. */
  static create(registry?: Registry): BalancedClientMetrics | undefined {
    let prom: PromClient;
    try {
      prom = require('prom-client') as PromClient;
    } catch {
      return undefined;
    }
    const target = registry ?? prom.register;
    const metrics = METRICS.map(([name, help, type, read]) => {
      const existing = target.getSingleMetric(name) as unknown;
      if (existing instanceof ScrapeTimeMetric) return existing;
      const metric = new ScrapeTimeMetric(name, help, type, read);
      target.registerMetric(metric as never);
      return metric;
    });
    return new BalancedClientMetrics(metrics);
  }

  /** Starts exporting `source`'s counters. */
  add(source: BalancedMetricsSource): void {
    for (const metric of this.metrics) metric.sources.add(source);
  }

  /** Stops exporting `source` (the client closed). */
  remove(source: BalancedMetricsSource): void {
    for (const metric of this.metrics) metric.sources.delete(source);
  }
}
