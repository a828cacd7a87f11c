import type { ServiceInstance } from '../../registry/service-instance.interface';
import * as defaults from '../balancing.constants';
import type { CallOutcome, LoadBalancingStrategy, PickContext } from '../load-balancing-strategy.interface';
import { nextAllowedIndex, randomIndex } from '../utils/allowed-index.util';
import { PeakEwma } from '../utils/peak-ewma.util';

/** @publicApi */
export interface P2cEwmaStrategyOptions {
  /** Uniform source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Monotonic clock, ms. Default `performance.now`. */
  now?: () => number;
  /** Decay time constant (tau) of the latency estimate, ms. Default 10 000. */
  decayMs?: number;
  /**
   * Time constant (ms) with which answers faster than the estimate bring it down: a spike on a
   * fast instance is forgotten this fast, a slow instance only by `decayMs`. Default `decayMs / 10`.
   */
  recoveryMs?: number;
  /** Latency sample (ms) a failed call counts as, at least. Default 5 × estimate, in [1 ms, 60 s]. */
  failurePenaltyMs?: number;
}

/** Cost of an unmeasured instance that already has a probe in flight: wait for its answer. */
const PROBE_COST = Number.MAX_SAFE_INTEGER / 2;

/**
 * Power of two choices over peak-EWMA latency (Finagle, Linkerd): draws two distinct random
 * candidates and takes the cheaper, cost = latency estimate × (in-flight + 1). Failures count
 * as slow samples, so an instance that fails fast repels traffic instead of attracting it. A
 * new instance starts at the median estimate of the known ones (or unmeasured, with one probe
 * at a time, when none is known). O(1) per pick.
 *
 * @publicApi
 */
export class P2cEwmaStrategy implements LoadBalancingStrategy {
  readonly name = 'p2c-ewma';
  private readonly estimates = new Map<string, PeakEwma>();
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly decayMs: number;
  private readonly recoveryMs: number;
  private neutralMs = 0;

  constructor(private readonly options: P2cEwmaStrategyOptions = {}) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => performance.now());
    this.decayMs = options.decayMs ?? defaults.P2C_EWMA_DEFAULT_DECAY_MS;
    this.recoveryMs = options.recoveryMs ?? this.decayMs / defaults.P2C_EWMA_RECOVERY_DIVISOR;
  }

  pick(instances: readonly ServiceInstance[], ctx?: PickContext): ServiceInstance | undefined {
    const n = instances.length;
    const a = n === 0 ? -1 : nextAllowedIndex(instances, randomIndex(this.random, n), ctx?.exclude);
    if (a < 0 || n === 1) return instances[a];
    // NOTE: the second draw skips `a`, so the two candidates are distinct whenever two are allowed.
    let b = nextAllowedIndex(instances, a + 1 + randomIndex(this.random, n - 1), ctx?.exclude);
    if (b === a) b = nextAllowedIndex(instances, a + 1, ctx?.exclude);
    const now = this.now();
    return this.cost(instances[b].id, now) < this.cost(instances[a].id, now) ? instances[b] : instances[a];
  }

  onStart(instance: ServiceInstance): void {
    let estimate = this.estimates.get(instance.id);
    if (estimate === undefined) {
      estimate = new PeakEwma(this.neutralMs, this.now(), this.decayMs, this.recoveryMs);
      this.estimates.set(instance.id, estimate);
    }
    estimate.inFlight++;
  }

  onResult(instance: ServiceInstance, { ok, latencyMs, isCallerSide }: CallOutcome): void {
    const estimate = this.estimates.get(instance.id);
    if (estimate === undefined) return;
    estimate.inFlight = Math.max(0, estimate.inFlight - 1);
    if (isCallerSide === true) return;
    const now = this.now();
    const current = Math.max(estimate.valueAt(now), this.neutralMs, 1);
    const penalty =
      this.options.failurePenaltyMs ??
      Math.min(defaults.P2C_EWMA_FAILURE_PENALTY_FACTOR * current, defaults.P2C_EWMA_MAX_FAILURE_PENALTY_MS);
    estimate.observe(ok ? latencyMs : Math.max(latencyMs, penalty), now);
  }

  onMembershipChange(instances: readonly ServiceInstance[]): void {
    const ids = new Set(instances.map((instance) => instance.id));
    for (const id of this.estimates.keys()) if (!ids.has(id)) this.estimates.delete(id);
    const now = this.now();
    const known = [...this.estimates.values()].filter((e) => e.isMeasured).map((e) => e.valueAt(now));
    this.neutralMs = known.length === 0 ? 0 : known.sort((x, y) => x - y)[known.length >> 1];
  }

  private cost(id: string, now: number): number {
    const estimate = this.estimates.get(id);
    if (estimate === undefined) return this.neutralMs;
    if (!estimate.isMeasured && estimate.inFlight > 0) return PROBE_COST + estimate.inFlight;
    return estimate.valueAt(now) * (estimate.inFlight + 1);
  }
}
