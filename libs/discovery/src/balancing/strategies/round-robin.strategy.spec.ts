import { countById, makeInstances, mulberry32, pickIds } from '../testing/balancing-testing.util';
import { RoundRobinStrategy } from './round-robin.strategy';

describe(RoundRobinStrategy, () => {
  describe('pick', () => {
    it.each([
      { start: 0, exclude: [], expected: ['a', 'b', 'c', 'a', 'b', 'c', 'a'] },
      { start: 0.5, exclude: [], expected: ['b', 'c', 'a', 'b', 'c', 'a', 'b'] },
      { start: 0.99, exclude: [], expected: ['c', 'a', 'b', 'c', 'a', 'b', 'c'] },
      { start: 0, exclude: ['b'], expected: ['a', 'c', 'a', 'c', 'a', 'c', 'a'] },
      { start: 0.5, exclude: ['a', 'b'], expected: ['c', 'c', 'c', 'c', 'c', 'c', 'c'] },
      { start: 0, exclude: ['a', 'b', 'c'], expected: Array(7).fill(undefined) },
    ])('should pick $expected from start $start excluding $exclude', ({ start, exclude, expected }) => {
      const strategy = new RoundRobinStrategy({ random: () => start });
      const instances = makeInstances(3);
      const ctx = { exclude: new Set(exclude) };
      expect(pickIds(() => strategy.pick(instances, ctx), expected.length)).toEqual(expected);
    });

    it('should spread 300 picks over 3 instances exactly evenly', () => {
      const strategy = new RoundRobinStrategy({ random: mulberry32(7) });
      const instances = makeInstances(3);
      const picks = Array.from({ length: 300 }, () => strategy.pick(instances));
      expect(countById(picks)).toEqual({ a: 100, b: 100, c: 100 });
    });

    it('should keep rotating when the list changes size', () => {
      const strategy = new RoundRobinStrategy({ random: () => 0 });
      const three = makeInstances(3);
      strategy.pick(three);
      strategy.pick(three);
      expect(pickIds(() => strategy.pick(three.slice(0, 2)), 3)).toEqual(['a', 'b', 'a']);
    });

    it('should return undefined for no instances', () => {
      expect(new RoundRobinStrategy().pick([])).toBeUndefined();
    });
  });
});
