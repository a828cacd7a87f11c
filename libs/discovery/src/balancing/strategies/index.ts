import { invalidStrategyMessage } from '../balancing.messages';
import { UnknownBalancingStrategyError } from '../errors/unknown-balancing-strategy.error';
import type { LoadBalancingStrategy } from '../load-balancing-strategy.interface';
import { ConsistentHashStrategy, type ConsistentHashStrategyOptions } from './consistent-hash.strategy';
import { LeastConnectionsStrategy } from './least-connections.strategy';
import { P2cEwmaStrategy, type P2cEwmaStrategyOptions } from './p2c-ewma.strategy';
import { RandomStrategy, type RandomStrategyOptions } from './random.strategy';
import { RoundRobinStrategy, type RoundRobinStrategyOptions } from './round-robin.strategy';
import { WeightedStrategy } from './weighted.strategy';

export { ConsistentHashStrategy, LeastConnectionsStrategy, P2cEwmaStrategy, RandomStrategy, RoundRobinStrategy, WeightedStrategy };
export type { ConsistentHashStrategyOptions, P2cEwmaStrategyOptions, RandomStrategyOptions, RoundRobinStrategyOptions };

/**
 * Built-in strategies by name. Each factory makes a fresh strategy (strategies hold state).
 *
 * @publicApi
 */
export const BALANCING_STRATEGIES = {
  'round-robin': (options?: RoundRobinStrategyOptions) => new RoundRobinStrategy(options),
  'least-connections': () => new LeastConnectionsStrategy(),
  weighted: () => new WeightedStrategy(),
  random: (options?: RandomStrategyOptions) => new RandomStrategy(options),
  'p2c-ewma': (options?: P2cEwmaStrategyOptions) => new P2cEwmaStrategy(options),
  'consistent-hash': (options?: ConsistentHashStrategyOptions) => new ConsistentHashStrategy(options),
} as const satisfies Record<string, (options?: never) => LoadBalancingStrategy>;

/** @publicApi */
export type BalancingStrategyName = keyof typeof BALANCING_STRATEGIES;

/** Options accepted by the factory of strategy `N` (`undefined` for strategies without any). @publicApi */
export type BalancingStrategyOptions<N extends BalancingStrategyName> = Parameters<(typeof BALANCING_STRATEGIES)[N]>[0];

/**
 * Creates a built-in strategy by name, with its options.
 *
 * @throws UnknownBalancingStrategyError for a name not in `BALANCING_STRATEGIES`; the message
 * lists the valid names.
 * @publicApi
 */
export function createStrategy<N extends BalancingStrategyName>(name: N, options?: BalancingStrategyOptions<N>): LoadBalancingStrategy;
/**
 * Returns a custom strategy as is, after checking that it has a `name` and a `pick()`.
 *
 * @publicApi
 */
export function createStrategy(strategy: LoadBalancingStrategy): LoadBalancingStrategy;
export function createStrategy(nameOrInstance: BalancingStrategyName | LoadBalancingStrategy, options?: unknown): LoadBalancingStrategy {
  if (typeof nameOrInstance === 'string') {
    // NOTE: Object.hasOwn, not `in`, so "toString" and friends are unknown names too.
    if (!Object.hasOwn(BALANCING_STRATEGIES, nameOrInstance)) {
      throw new UnknownBalancingStrategyError(nameOrInstance, Object.keys(BALANCING_STRATEGIES));
    }
    // NOTE: the overload above already tied `options` to this name's factory.
    const factory = BALANCING_STRATEGIES[nameOrInstance] as (options?: unknown) => LoadBalancingStrategy;
    return factory(options);
  }
  if (typeof nameOrInstance?.pick !== 'function' || typeof nameOrInstance.name !== 'string') {
    throw new TypeError(invalidStrategyMessage());
  }
  return nameOrInstance;
}
