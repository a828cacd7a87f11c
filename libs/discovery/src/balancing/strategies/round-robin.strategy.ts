import type { ServiceInstance } from '../../registry/service-instance.interface';
import type { LoadBalancingStrategy, PickContext } from '../load-balancing-strategy.interface';
import { nextAllowedIndex, randomIndex } from '../utils/allowed-index.util';

/** @publicApi */
export interface RoundRobinStrategyOptions {
  /**
   * Chooses the starting position, so that many clients started together do not all hit the
   * first instance at once. Default `Math.random`.
   */
  random?: () => number;
}

/**
 * Cycles through the candidates in order: over any k × n picks each of n instances gets
 * exactly k. Excluded instances are skipped. O(1) per pick (O(|exclude|) on retries).
 *
 * @publicApi
 */
export class RoundRobinStrategy implements LoadBalancingStrategy {
  readonly name = 'round-robin';
  private next = -1;
  private readonly random: () => number;

  constructor(options: RoundRobinStrategyOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  pick(instances: readonly ServiceInstance[], ctx?: PickContext): ServiceInstance | undefined {
    const n = instances.length;
    if (n === 0) return undefined;
    if (this.next < 0) this.next = randomIndex(this.random, n);
    const i = nextAllowedIndex(instances, this.next, ctx?.exclude);
    if (i < 0) return undefined;
    // NOTE: kept below n so the counter never grows without bound.
    this.next = (i + 1) % n;
    return instances[i];
  }
}
