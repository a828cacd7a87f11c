import type { ServiceInstance } from '../../registry/service-instance.interface';
import { countById, makeInstances, pickIds } from '../testing/balancing-testing.util';
import { LeastConnectionsStrategy } from './least-connections.strategy';

const OK = { ok: true, latencyMs: 1 };

function withInFlight(inFlight: Record<string, number>): {
  strategy: LeastConnectionsStrategy;
  instances: ServiceInstance[];
} {
  const strategy = new LeastConnectionsStrategy();
  const instances = makeInstances(Object.keys(inFlight));
  for (const instance of instances) for (let i = 0; i < inFlight[instance.id]; i++) strategy.onStart(instance);
  return { strategy, instances };
}

describe(LeastConnectionsStrategy, () => {
  describe('pick', () => {
    it.each([
      { inFlight: { a: 3, b: 1, c: 2 }, exclude: [], expected: 'b' },
      { inFlight: { a: 0, b: 5, c: 5 }, exclude: [], expected: 'a' },
      { inFlight: { a: 3, b: 1, c: 2 }, exclude: ['b'], expected: 'c' },
      { inFlight: { a: 3, b: 1, c: 2 }, exclude: ['b', 'c'], expected: 'a' },
      { inFlight: { a: 3, b: 1, c: 2 }, exclude: ['a', 'b', 'c'], expected: undefined },
    ])('should pick $expected with in-flight $inFlight excluding $exclude', ({ inFlight, exclude, expected }) => {
      const { strategy, instances } = withInFlight(inFlight);
      expect(strategy.pick(instances, { exclude: new Set(exclude) })?.id).toBe(expected);
    });

    it('should rotate among instances tied on in-flight instead of always taking the first', () => {
      const { strategy, instances } = withInFlight({ a: 0, b: 0, c: 0 });
      const picks = Array.from({ length: 300 }, () => strategy.pick(instances));
      expect(countById(picks)).toEqual({ a: 100, b: 100, c: 100 });
      expect(new Set(pickIds(() => strategy.pick(instances), 3)).size).toBe(3);
    });

    it('should keep traffic away from an instance with many calls in flight', () => {
      const { strategy, instances } = withInFlight({ a: 0, b: 10, c: 0 });
      const picks = Array.from({ length: 100 }, () => {
        const instance = strategy.pick(instances)!;
        strategy.onStart(instance);
        strategy.onResult(instance, OK);
        return instance;
      });
      expect(countById(picks)).toEqual({ a: 50, c: 50 });
    });

    it('should follow in-flight counts as calls start and end', () => {
      const { strategy, instances } = withInFlight({ a: 0, b: 0 });
      const [a, b] = instances;
      strategy.onStart(a);
      expect(strategy.pick(instances)).toBe(b);
      strategy.onStart(b);
      strategy.onStart(b);
      expect(strategy.pick(instances)).toBe(a);
      strategy.onResult(b, OK);
      strategy.onResult(b, OK);
      expect(strategy.pick(instances)).toBe(b);
    });

    it('should keep counts by id across membership changes and drop departed ids', () => {
      const { strategy } = withInFlight({ a: 4, b: 0, c: 0 });
      const next = makeInstances(['a', 'b', 'd']);
      strategy.onMembershipChange(next);
      expect(pickIds(() => strategy.pick(next), 4).sort()).toEqual(['b', 'b', 'd', 'd']);
      strategy.onMembershipChange(makeInstances(['b', 'd']));
      strategy.onMembershipChange(next);
      expect(pickIds(() => strategy.pick(next), 3).sort()).toEqual(['a', 'b', 'd']);
    });

    it('should return undefined for no instances', () => {
      expect(new LeastConnectionsStrategy().pick([])).toBeUndefined();
    });
  });

  describe('onResult', () => {
    it('should ignore results of unknown instances and never go below zero', () => {
      const { strategy, instances } = withInFlight({ a: 0, b: 1 });
      strategy.onResult(makeInstances(['zz'])[0], OK);
      strategy.onResult(instances[0], OK);
      strategy.onResult(instances[0], OK);
      expect(strategy.pick(instances)?.id).toBe('a');
    });
  });
});
