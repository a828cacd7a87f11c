import type { AutoscaleAdvice } from '@orion/discovery';

/** What the dashboard shows per service under "autoscale". */
export interface ScaleAdvice {
  service: string;
  current: number;
  desired: number;
  /** Mean utilization of the serving instances, 0..1; null when none reports load. */
  utilization: number | null;
  target: number;
  recommendation: AutoscaleAdvice['recommendation'] | 'evaluating';
  reason: string;
}

/** The `AutoscaleAdvisor`'s latest advice of a service, for the dashboard (`evaluating` before its first). */
export function toScaleAdvice(service: string, instances: number, target: number, advice?: AutoscaleAdvice): ScaleAdvice {
  if (!advice) {
    return {
      service,
      current: instances,
      desired: instances,
      utilization: null,
      target,
      recommendation: 'evaluating',
      reason: 'first evaluation pending',
    };
  }
  const utilization = advice.utilization ?? null;
  const measured =
    utilization === null
      ? 'no load reported'
      : `utilization ${(utilization * 100).toFixed(1)}% vs target ${Math.round(advice.target * 100)}%`;
  return {
    service,
    current: advice.currentInstances,
    desired: advice.desiredInstances,
    utilization,
    target: advice.target,
    recommendation: advice.recommendation,
    reason: `${advice.recommendation}: ${measured}`,
  };
}
