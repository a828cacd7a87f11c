import type { ServiceInstance } from '../../registry/service-instance.interface';
import { CONSISTENT_HASH_DEFAULT_VIRTUAL_NODES } from '../balancing.constants';
import type { LoadBalancingStrategy, PickContext } from '../load-balancing-strategy.interface';
import { hashString } from '../utils/hash.util';
import { HashRing } from '../utils/hash-ring.util';
import { RoundRobinStrategy } from './round-robin.strategy';

/** @publicApi */
export interface ConsistentHashStrategyOptions {
  /** Points per instance on the ring (per unit of weight when weight-scaled). Default 100. */
  virtualNodes?: number;
  /** Scale each instance's points by `instance.weight` (weight 2 = twice the keys). Default false. */
  shouldScaleByWeight?: boolean;
  /** Starting position of the round robin used for calls without a hash key. Default `Math.random`. */
  random?: () => number;
}

/**
 * Sticky by key: `ctx.hashKey` is hashed (FNV-1a + fmix32) onto a ring of virtual nodes and
 * the call goes to the owner of the next point clockwise. The same key reaches the same
 * instance for as long as it is a candidate; adding one instance to n moves about 1/(n+1) of
 * the keys, all to it, and removing one moves only its keys. Excluded instances are skipped
 * by walking on clockwise, so a retry lands on the key's next instance. A call without a
 * hash key falls back to round robin. The ring is built once per candidate list (on
 * membership change), O(n·v·log(n·v)); a pick is O(1) expected (a bucket index over the ring).
 *
 * @publicApi
 */
export class ConsistentHashStrategy implements LoadBalancingStrategy {
  readonly name = 'consistent-hash';
  private readonly rings = new WeakMap<readonly ServiceInstance[], HashRing>();
  private readonly fallback: RoundRobinStrategy;
  private readonly virtualNodes: (instance: ServiceInstance) => number;

  constructor(options: ConsistentHashStrategyOptions = {}) {
    const perInstance = options.virtualNodes ?? CONSISTENT_HASH_DEFAULT_VIRTUAL_NODES;
    this.virtualNodes = options.shouldScaleByWeight
      ? ({ weight }) => perInstance * (Number.isFinite(weight) && weight > 0 ? weight : 1)
      : () => perInstance;
    this.fallback = new RoundRobinStrategy({ random: options.random });
  }

  pick(instances: readonly ServiceInstance[], ctx?: PickContext): ServiceInstance | undefined {
    if (ctx?.hashKey === undefined) return this.fallback.pick(instances, ctx);
    if (instances.length === 0) return undefined;
    let ring = this.rings.get(instances);
    if (ring === undefined) this.rings.set(instances, (ring = new HashRing(instances, this.virtualNodes)));
    const owner = ring.lookup(hashString(ctx.hashKey), instances, ctx.exclude);
    return owner < 0 ? undefined : instances[owner];
  }
}
