import type { ServiceInstance } from '../../registry/service-instance.interface';
import type { LoadBalancingStrategy, PickContext } from '../load-balancing-strategy.interface';
import { nextAllowedIndex, randomIndex } from '../utils/allowed-index.util';
import { IntegerRandom } from '../utils/integer-random.util';

/** @publicApi */
export interface RandomStrategyOptions {
  /** Uniform source in [0, 1), for seeded tests. Default: an integer xorshift32 seeded from `Math.random`. */
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
  private readonly random: (() => number) | undefined;
  private readonly integers = new IntegerRandom();

  constructor(options: RandomStrategyOptions = {}) {
    this.random = options.random;
  }

  pick(instances: readonly ServiceInstance[], ctx?: PickContext): ServiceInstance | undefined {
    if (instances.length === 0) return undefined;
    const i = nextAllowedIndex(instances, this.draw(instances.length), ctx?.exclude);
    return i < 0 ? undefined : instances[i];
  }

  private draw(n: number): number {
    return this.random === undefined ? this.integers.below(n) : randomIndex(this.random, n);
  }
}
