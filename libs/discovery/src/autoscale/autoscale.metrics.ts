import type { Gauge, Registry } from 'prom-client';
import type { AutoscaleAdvice } from './autoscale-advice.interface';

type PromClient = typeof import('prom-client');

const GAUGES = {
  desired: ['orion_autoscale_desired_instances', 'Instances the autoscale advisor recommends'],
  current: ['orion_autoscale_current_instances', 'Live, not draining instances seen by the autoscale advisor'],
  utilization: ['orion_autoscale_utilization', 'Mean utilization of the passing instances (0..1)'],
  target: ['orion_autoscale_target_utilization', 'Utilization the autoscale advisor aims at'],
} as const;

/**
 * Prometheus gauges of the autoscale advisor, labelled by `service`:
 * `orion_autoscale_desired_instances`, `orion_autoscale_current_instances`,
 * `orion_autoscale_utilization` (absent while no instance reports load) and
 * `orion_autoscale_target_utilization`.
 *
 * @publicApi
 */
export class AutoscaleMetrics {
  private readonly gauges: Record<keyof typeof GAUGES, Gauge<string>>;

  private constructor(prom: PromClient, registry: Registry) {
    const make = ([name, help]: readonly [string, string]): Gauge<string> =>
      (registry.getSingleMetric(name) as Gauge<string> | undefined) ??
      new prom.Gauge({ name, help, labelNames: ['service'], registers: [registry] });
    this.gauges = {
      desired: make(GAUGES.desired),
      current: make(GAUGES.current),
      utilization: make(GAUGES.utilization),
      target: make(GAUGES.target),
    };
  }

  /** Gauges in `registry` (default: prom-client's global one); undefined without prom-client. */
  static create(registry?: Registry): AutoscaleMetrics | undefined {
    let prom: PromClient;
    try {
      prom = require('prom-client') as PromClient;
    } catch {
      return undefined;
    }
    return new AutoscaleMetrics(prom, registry ?? prom.register);
  }

  record(advice: AutoscaleAdvice): void {
    const labels = { service: advice.service };
    this.gauges.desired.set(labels, advice.desiredInstances);
    this.gauges.current.set(labels, advice.currentInstances);
    this.gauges.target.set(labels, advice.target);
    if (advice.utilization === undefined) this.gauges.utilization.remove(labels);
    else this.gauges.utilization.set(labels, advice.utilization);
  }

  /** Removes the series of a service that left the registry. */
  forget(service: string): void {
    for (const gauge of Object.values(this.gauges)) gauge.remove({ service });
  }
}
