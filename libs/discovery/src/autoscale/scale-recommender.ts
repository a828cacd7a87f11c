import type { AutoscaleAdvice, AutoscaleRecommendation } from './autoscale-advice.interface';
import {
  AUTOSCALE_DEFAULT_STABILIZATION_WINDOW_MS,
  AUTOSCALE_DEFAULT_TARGET,
  AUTOSCALE_DEFAULT_TOLERANCE,
  type AutoscaleOptions,
} from './autoscale.options';
import { InvalidAutoscaleOptionError } from './invalid-autoscale-option.error';

/** Recommendations of one service inside the stabilization window. */
interface Recommendation {
  at: number;
  desired: number;
}

// NOTE: absorbs float noise such as 2 × 0.9 / 0.6 = 3.0000000000000004 before ceil().
const EPSILON = 1e-9;

type RecommenderOptions = Pick<AutoscaleOptions, 'target' | 'tolerance' | 'stabilizationWindowMs' | 'minInstances' | 'maxInstances'>;

/**
 * The pure part of the advisor, the algorithm of Kubernetes' Horizontal Pod Autoscaler:
 *
 * 1. `raw = ceil(current × utilization / target)`, or `current` when the ratio is within
 *    `tolerance` of 1 or no instance reports load; bounded by `minInstances`/`maxInstances`.
 * 2. Scale-up is immediate: a raw count above the current one is taken at once.
 * 3. Scale-down is stabilized: the count never drops below the highest raw recommendation
 *    of the last `stabilizationWindowMs`, so a dip between two peaks changes nothing.
 *
 * No I/O and no clock of its own: the caller passes `at`. Keeps one short history per service.
 *
 * @publicApi
 */
export class ScaleRecommender {
  readonly target: number;
  private readonly tolerance: number;
  private readonly windowMs: number;
  private readonly min: number;
  private readonly max: number;
  private readonly history = new Map<string, Recommendation[]>();

  constructor(options: RecommenderOptions = {}) {
    this.target = options.target ?? AUTOSCALE_DEFAULT_TARGET;
    this.tolerance = options.tolerance ?? AUTOSCALE_DEFAULT_TOLERANCE;
    this.windowMs = options.stabilizationWindowMs ?? AUTOSCALE_DEFAULT_STABILIZATION_WINDOW_MS;
    this.min = options.minInstances ?? 1;
    this.max = options.maxInstances ?? Number.POSITIVE_INFINITY;
    assertOption('target', this.target, this.target > 0 && Number.isFinite(this.target), 'a finite number > 0');
    assertOption('tolerance', this.tolerance, this.tolerance >= 0 && this.tolerance < 1, 'a number in [0, 1)');
    assertOption('stabilizationWindowMs', this.windowMs, this.windowMs >= 0 && Number.isFinite(this.windowMs), 'a finite number >= 0');
    assertOption('minInstances', this.min, Number.isInteger(this.min) && this.min >= 0, 'an integer >= 0');
    assertOption(
      'maxInstances',
      this.max,
      this.max >= this.min && (Number.isInteger(this.max) || this.max === Infinity),
      'an integer >= minInstances',
    );
  }

  /** The advice for `service` now (`at`), recording it in the service's window. */
  recommend(service: string, currentInstances: number, utilization: number | undefined, at: number): AutoscaleAdvice {
    const raw = this.raw(currentInstances, utilization);
    const window = (this.history.get(service) ?? []).filter((r) => at - r.at < this.windowMs);
    window.push({ at, desired: raw });
    this.history.set(service, window);

    let desired = Math.max(currentInstances, raw);
    const highestRecent = Math.max(...window.map((r) => r.desired));
    if (desired > highestRecent) desired = highestRecent;
    desired = this.bounded(desired);
    return {
      service,
      currentInstances,
      utilization,
      target: this.target,
      desiredInstances: desired,
      recommendation: recommendationOf(currentInstances, desired),
      at,
    };
  }

  /** Drops the history of a service that left the registry. */
  forget(service: string): void {
    this.history.delete(service);
  }

  private raw(current: number, utilization: number | undefined): number {
    if (current === 0 || utilization === undefined) return this.bounded(current);
    const ratio = utilization / this.target;
    if (Math.abs(ratio - 1) <= this.tolerance) return this.bounded(current);
    return this.bounded(Math.ceil(current * ratio - EPSILON));
  }

  private bounded(count: number): number {
    return Math.min(this.max, Math.max(this.min, count));
  }
}

function recommendationOf(current: number, desired: number): AutoscaleRecommendation {
  if (desired > current) return 'scale-up';
  return desired < current ? 'scale-down' : 'steady';
}

function assertOption(name: string, value: unknown, isValid: boolean, expected: string): void {
  if (!isValid) throw new InvalidAutoscaleOptionError(name, value, expected);
}
