import type { ServiceInstance } from '../../registry/service-instance.interface';
import { countById, makeInstance, makeInstances, pickIds } from '../testing/balancing-testing.util';
import { ConsistentHashStrategy } from './consistent-hash.strategy';

const KEYS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

function assign(strategy: ConsistentHashStrategy, instances: readonly ServiceInstance[]): Map<string, string> {
  return new Map(KEYS.map((hashKey) => [hashKey, strategy.pick(instances, { hashKey })!.id]));
}

function moved(before: Map<string, string>, after: Map<string, string>): [string, string, string][] {
  return KEYS.filter((key) => before.get(key) !== after.get(key)).map((key) => [key, before.get(key)!, after.get(key)!]);
}

describe(ConsistentHashStrategy, () => {
  describe('pick', () => {
    it('should send the same key to the same instance across calls and rebuilds', () => {
      const strategy = new ConsistentHashStrategy();
      const first = assign(strategy, makeInstances(3));
      expect(assign(strategy, makeInstances(3))).toEqual(first);
      expect(assign(strategy, makeInstances(['c', 'a', 'b']))).toEqual(first);
      expect(assign(new ConsistentHashStrategy(), makeInstances(['b', 'c', 'a']))).toEqual(first);
    });

    it('should spread keys evenly enough with 100 virtual nodes', () => {
      const counts = countById(KEYS.map((hashKey) => new ConsistentHashStrategy().pick(makeInstances(3), { hashKey })));
      for (const count of Object.values(counts)) expect(count / KEYS.length).toBeGreaterThan(0.25);
      for (const count of Object.values(counts)) expect(count / KEYS.length).toBeLessThan(0.42);
    });

    it.each([
      { from: ['a', 'b', 'c'], to: ['a', 'b', 'c', 'd'], share: [0.15, 0.35], target: 'd' },
      { from: ['a', 'b', 'c', 'd'], to: ['a', 'b', 'c', 'd', 'e'], share: [0.1, 0.3], target: 'e' },
    ])('should move about 1/(n+1) of keys, all to the new instance, on $from -> $to', ({ from, to, share, target }) => {
      const strategy = new ConsistentHashStrategy();
      const changes = moved(assign(strategy, makeInstances(from)), assign(strategy, makeInstances(to)));
      expect(changes.length / KEYS.length).toBeGreaterThan(share[0]);
      expect(changes.length / KEYS.length).toBeLessThan(share[1]);
      expect(new Set(changes.map(([, , now]) => now))).toEqual(new Set([target]));
    });

    it.each([{ removed: 'a' }, { removed: 'b' }, { removed: 'd' }])(
      'should move only the keys of removed instance $removed',
      ({ removed }) => {
        const strategy = new ConsistentHashStrategy();
        const all = makeInstances(4);
        const before = assign(strategy, all);
        const changes = moved(
          before,
          assign(
            strategy,
            all.filter(({ id }) => id !== removed),
          ),
        );
        expect(changes.length).toBe([...before.values()].filter((id) => id === removed).length);
        expect(changes.every(([, was]) => was === removed)).toBe(true);
      },
    );

    it('should retry on the next instance of the ring, stickily, when the owner is excluded', () => {
      const strategy = new ConsistentHashStrategy();
      const instances = makeInstances(4);
      for (const hashKey of KEYS.slice(0, 200)) {
        const owner = strategy.pick(instances, { hashKey })!;
        const exclude = new Set([owner.id]);
        const retry = strategy.pick(instances, { hashKey, exclude })!;
        expect(retry.id).not.toBe(owner.id);
        expect(strategy.pick(instances, { hashKey, exclude })).toBe(retry);
      }
      expect(strategy.pick(instances, { hashKey: 'k', exclude: new Set(['a', 'b', 'c', 'd']) })).toBeUndefined();
    });

    it('should scale key share by weight when asked to', () => {
      const strategy = new ConsistentHashStrategy({ shouldScaleByWeight: true });
      const instances = [makeInstance('a', { weight: 3 }), makeInstance('b'), makeInstance('c')];
      const counts = countById([...assign(strategy, instances).values()].map((id) => makeInstance(id)));
      expect(counts.a / KEYS.length).toBeGreaterThan(0.5);
      expect(counts.a / KEYS.length).toBeLessThan(0.7);
    });

    it('should fall back to round robin without a hash key', () => {
      const strategy = new ConsistentHashStrategy({ random: () => 0 });
      expect(pickIds(() => strategy.pick(makeInstances(3)), 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    });

    it('should return undefined for no instances', () => {
      const strategy = new ConsistentHashStrategy();
      expect(strategy.pick([], { hashKey: 'k' })).toBeUndefined();
      expect(strategy.pick([])).toBeUndefined();
    });
  });
});
