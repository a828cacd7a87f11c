import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { PROTOCOLS_MODULE_OPTIONS } from '../protocols.module-definition';
import type { ProtocolsModuleOptions } from '../interfaces/protocols-options.interface';
import { ProtocolTimings, type RequestTiming } from '../middleware/protocol-timings';
import { loadPromClient, type PromClient } from './load-prom-client.util';
import { METRICS_DEFAULT_BUCKETS, METRICS_DEFAULT_PATH } from './metrics.options';

/** Metric names (Prometheus conventions: base units, `_total` for counters). */
export const REQUESTS_TOTAL_METRIC = 'orion_requests_total';
export const REQUEST_DURATION_METRIC = 'orion_request_duration_seconds';
export const REQUESTS_IN_FLIGHT_METRIC = 'orion_requests_in_flight';

// NOTE: a cache, not a registry: every app of one process reporting to the same prom-client
// registry shares one gauge (a name can be registered once), so the gauge sums their counts.
const inFlightSources = new WeakMap<object, Set<ProtocolTimings>>();

/**
 * Prometheus metrics of every endpoint on every protocol, fed by the timing hook
 * (`ProtocolTimings.records$`):
 *
 * - `orion_requests_total{protocol,pattern,outcome}`: finished requests and events;
 *   `outcome` is `OK` or the canonical error code;
 * - `orion_request_duration_seconds{protocol,pattern}`: histogram of handling time;
 * - `orion_requests_in_flight`: requests being handled now.
 *
 * On by default when `http` is configured (`metrics` option of `ProtocolsModule`), served
 * as Prometheus text on `GET /metrics` together with everything else in the same
 * prom-client registry (by default the global one, where balanced clients report
 * `orion_client_*`). prom-client is an optional dependency, loaded only here.
 *
 * @publicApi
 */
@Injectable()
export class ProtocolMetrics implements OnModuleDestroy {
  private readonly logger = new Logger('ProtocolMetrics');
  /** The registry reported to and served; undefined when metrics are off. */
  readonly registry?: Registry;
  /** HTTP path of the Prometheus endpoint; undefined when it is not served (metrics off, or no `http`). */
  readonly path?: string;
  private readonly requests?: Counter<string>;
  private readonly duration?: Histogram<string>;
  private readonly inFlight?: Gauge<string>;
  private readonly subscription?: Subscription;

  constructor(
    @Inject(PROTOCOLS_MODULE_OPTIONS) options: ProtocolsModuleOptions,
    private readonly timings: ProtocolTimings,
  ) {
    const option = options.metrics ?? options.http !== undefined;
    if (option === false) return;
    const prom = loadPromClient(options.metrics !== undefined);
    if (!prom) {
      this.logger.log("protocol metrics and /metrics are off: the optional dependency 'prom-client' is not installed (npm i prom-client)");
      return;
    }
    const config = option === true ? {} : option;
    const registry = config.registry ?? prom.register;
    this.registry = registry;
    if (options.http) this.path = normalizePath(config.path ?? METRICS_DEFAULT_PATH);
    this.requests = counterIn(prom, registry);
    this.duration = histogramIn(prom, registry, config.buckets ?? METRICS_DEFAULT_BUCKETS);
    this.inFlight = gaugeIn(prom, registry);
    inFlightSources.get(this.inFlight)?.add(timings);
    this.subscription = timings.records$.subscribe((timing) => this.record(timing));
  }

  /** Whether metrics are collected (prom-client present and not turned off). */
  get isEnabled(): boolean {
    return this.registry !== undefined;
  }

  /** The `Content-Type` of `render()` (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8';
  }

  /** Every metric of the registry in Prometheus text format (empty when metrics are off). */
  async render(): Promise<string> {
    return this.registry ? this.registry.metrics() : '';
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    if (this.inFlight) inFlightSources.get(this.inFlight)?.delete(this.timings);
  }

  private record(timing: RequestTiming): void {
    const { protocol, pattern, outcome } = timing;
    this.requests?.inc({ protocol, pattern, outcome });
    this.duration?.observe({ protocol, pattern }, timing.durationMs / 1000);
  }
}

function normalizePath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/** The metric already in `registry` under `name` (another app of this process made it), else a new one. */
function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

function counterIn(prom: PromClient, registry: Registry): Counter<string> {
  return (
    existing<Counter<string>>(registry, REQUESTS_TOTAL_METRIC) ??
    new prom.Counter({
      name: REQUESTS_TOTAL_METRIC,
      help: 'Requests and events handled, per protocol, endpoint pattern and outcome (OK or the error code)',
      labelNames: ['protocol', 'pattern', 'outcome'],
      registers: [registry],
    })
  );
}

function histogramIn(prom: PromClient, registry: Registry, buckets: readonly number[]): Histogram<string> {
  return (
    existing<Histogram<string>>(registry, REQUEST_DURATION_METRIC) ??
    new prom.Histogram({
      name: REQUEST_DURATION_METRIC,
      help: 'Time to handle a request, per protocol and endpoint pattern',
      labelNames: ['protocol', 'pattern'],
      buckets: [...buckets],
      registers: [registry],
    })
  );
}

function gaugeIn(prom: PromClient, registry: Registry): Gauge<string> {
  const found = existing<Gauge<string>>(registry, REQUESTS_IN_FLIGHT_METRIC);
  if (found) return found;
  const sources = new Set<ProtocolTimings>();
  const gauge = new prom.Gauge({
    name: REQUESTS_IN_FLIGHT_METRIC,
    help: 'Requests being handled now',
    registers: [registry],
    collect() {
      let total = 0;
      for (const source of sources) total += source.inFlight;
      this.set(total);
    },
  });
  inFlightSources.set(gauge, sources);
  return gauge;
}
