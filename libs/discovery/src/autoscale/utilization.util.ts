import type { ServiceInstance } from '../registry/service-instance.interface';
import { AUTOSCALE_DEFAULT_CAPACITY, type AutoscaleMetric, type InstanceUtilizationFn } from './autoscale.options';

/** Instances that count towards the current size: live and not leaving. */
export function countedInstances(instances: readonly ServiceInstance[]): ServiceInstance[] {
  return instances.filter((i) => i.status !== 'draining');
}

/** The per-instance utilization function of `metric`. */
export function utilizationFn(
  metric: AutoscaleMetric = 'eventLoopUtilization',
  capacity = AUTOSCALE_DEFAULT_CAPACITY,
): InstanceUtilizationFn {
  if (typeof metric === 'function') return metric;
  if (metric === 'inFlight') return (instance) => (instance.load ? instance.load.inFlight / capacity : undefined);
  return (instance) => instance.load?.eventLoopUtilization;
}

/**
 * Mean utilization of the instances that serve traffic (`passing` or `warning`) and report
 * a usable value; undefined when none does.
 */
export function meanUtilization(instances: readonly ServiceInstance[], utilization: InstanceUtilizationFn): number | undefined {
  let sum = 0;
  let count = 0;
  for (const instance of instances) {
    if (instance.status !== 'passing' && instance.status !== 'warning') continue;
    const value = utilization(instance);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) continue;
    sum += value;
    count++;
  }
  return count === 0 ? undefined : sum / count;
}
