import type { ServiceInstance } from '../../registry/service-instance.interface';
import type { LoadBalancingStrategy, PickContext } from '../load-balancing-strategy.interface';
import { nextAllowedIndex, randomIndex } from '../utils/allowed-index.util';

/** @publicApi */
export interface RandomStrategyOptions {
  /** Uniform source in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/**
 * Uniformly random choice. Stateless, O(1). When the drawn instance is excluded, the next
 * allowed one after it is taken (retries only, so the slight bias does not matter).
 *
 * @publicApi
 */
export class RandomStrategy implements LoadBalancingStrategy {
  readonly name = 'random';
  private readonly random: () => number;

  constructor(options: RandomStrategyOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  pick(instances: readonly ServiceInstance[], ctx?: PickContext): ServiceInstance | undefined {
    if (instances.length === 0) return undefined;
    const i = nextAllowedIndex(instances, randomIndex(this.random, instances.length), ctx?.exclude);
    return i < 0 ? undefined : instances[i];
  }
}
