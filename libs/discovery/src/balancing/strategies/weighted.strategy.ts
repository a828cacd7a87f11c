import type { ServiceInstance } from '../../registry/service-instance.interface';
import type { LoadBalancingStrategy, PickContext } from '../load-balancing-strategy.interface';
import { SmoothWeightedCycle } from '../utils/smooth-weighted-cycle.util';

/**
 * Smooth weighted round robin, the nginx algorithm, over `instance.weight`: every step adds each
 * weight to its instance's current value, picks the largest and subtracts the total weight
 * from it. Over a cycle of Σw / gcd picks each instance gets exactly its share, interleaved:
 * weights {5, 1, 1} give a a b a c a a, never a a a a a b c.
 *
 * Weights: missing = 1; zero or less = no traffic (unless all are, then all count as 1).
 * Cost: the cycle is precomputed per candidate list when it has at most
 * `WEIGHTED_MAX_SCHEDULE_LENGTH` picks, so a pick is O(1); a longer (or non-integer) cycle is
 * walked in O(distinct weights) per pick. Retries (`exclude`) take the next allowed instance of
 * the sequence.
 *
 * @publicApi
 */
export class WeightedStrategy implements LoadBalancingStrategy {
  readonly name = 'weighted';
  private readonly cycles = new WeakMap<readonly ServiceInstance[], SmoothWeightedCycle>();

  pick(instances: readonly ServiceInstance[], ctx?: PickContext): ServiceInstance | undefined {
    if (instances.length === 0) return undefined;
    let cycle = this.cycles.get(instances);
    if (cycle === undefined) this.cycles.set(instances, (cycle = new SmoothWeightedCycle(instances)));
    const exclude = ctx?.exclude;
    const i = exclude === undefined || exclude.size === 0 ? cycle.next() : cycle.nextAllowed(exclude);
    return i < 0 ? undefined : instances[i];
  }
}
