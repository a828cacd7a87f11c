import { UnknownBalancingStrategyError } from '../errors/unknown-balancing-strategy.error';
import type { LoadBalancingStrategy } from '../load-balancing-strategy.interface';
import { makeInstances } from '../testing/balancing-testing.util';
import {
  BALANCING_STRATEGIES,
  ConsistentHashStrategy,
  createStrategy,
  LeastConnectionsStrategy,
  P2cEwmaStrategy,
  RandomStrategy,
  RoundRobinStrategy,
  WeightedStrategy,
  type BalancingStrategyName,
} from './index';

describe('createStrategy', () => {
  it.each([
    { name: 'round-robin', type: RoundRobinStrategy },
    { name: 'least-connections', type: LeastConnectionsStrategy },
    { name: 'weighted', type: WeightedStrategy },
    { name: 'random', type: RandomStrategy },
    { name: 'p2c-ewma', type: P2cEwmaStrategy },
    { name: 'consistent-hash', type: ConsistentHashStrategy },
  ] as const)('should create a fresh $type.name named "$name"', ({ name, type }) => {
    const strategy = createStrategy(name);
    expect(strategy).toBeInstanceOf(type);
    expect(strategy.name).toBe(name);
    expect(createStrategy(name)).not.toBe(strategy);
    expect(strategy.pick(makeInstances(2), { hashKey: 'k' })).toBeDefined();
  });

  it('should map every name in BALANCING_STRATEGIES to a strategy of that name', () => {
    for (const name of Object.keys(BALANCING_STRATEGIES) as BalancingStrategyName[]) {
      expect(createStrategy(name).name).toBe(name);
    }
  });

  it('should pass options to the factory', () => {
    const strategy = createStrategy('round-robin', { random: () => 0.99 });
    expect(strategy.pick(makeInstances(3))?.id).toBe('c');
  });

  it.each(['roundrobin', 'Round-Robin', 'toString', '__proto__', ''])(
    'should reject the unknown name "%s" and list the valid names',
    (name) => {
      const create = (): LoadBalancingStrategy => createStrategy(name as BalancingStrategyName);
      expect(create).toThrow(UnknownBalancingStrategyError);
      expect(create).toThrow('Valid strategies: round-robin, least-connections, weighted, random, p2c-ewma, consistent-hash');
    },
  );

  it('should return a custom strategy as is', () => {
    const custom: LoadBalancingStrategy = { name: 'first', pick: (instances) => instances[0] };
    expect(createStrategy(custom)).toBe(custom);
  });

  it('should reject an object that is not a strategy', () => {
    expect(() => createStrategy({ name: 'broken' } as unknown as LoadBalancingStrategy)).toThrow(TypeError);
  });
});
