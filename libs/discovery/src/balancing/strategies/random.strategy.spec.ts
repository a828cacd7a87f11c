import { countById, makeInstances, mulberry32, pickIds } from '../testing/balancing-testing.util';
import { RandomStrategy } from './random.strategy';

describe(RandomStrategy, () => {
  describe('pick', () => {
    it.each([
      { draws: [0, 0.34, 0.67, 0.99], exclude: [], expected: ['a', 'b', 'c', 'c'] },
      { draws: [1], exclude: [], expected: ['c'] },
      { draws: [0.4, 0.9], exclude: ['b'], expected: ['c', 'c'] },
      { draws: [0.9], exclude: ['c'], expected: ['a'] },
      { draws: [0.1], exclude: ['a', 'b', 'c'], expected: [undefined] },
    ])('should map draws $draws to $expected excluding $exclude', ({ draws, exclude, expected }) => {
      const queue = [...draws];
      const strategy = new RandomStrategy({ random: () => queue.shift() ?? 0 });
      const instances = makeInstances(3);
      expect(pickIds(() => strategy.pick(instances, { exclude: new Set(exclude) }), expected.length)).toEqual(expected);
    });

    it('should spread picks uniformly', () => {
      const strategy = new RandomStrategy({ random: mulberry32(42) });
      const instances = makeInstances(4);
      const counts = countById(Array.from({ length: 40_000 }, () => strategy.pick(instances)));
      for (const count of Object.values(counts)) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    });

    it('should return undefined for no instances', () => {
      expect(new RandomStrategy().pick([])).toBeUndefined();
    });
  });
});
