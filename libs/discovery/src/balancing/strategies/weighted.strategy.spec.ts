import type { ServiceInstance } from '../../registry/service-instance.interface';
import { countById, makeInstance, pickIds } from '../testing/balancing-testing.util';
import { WeightedStrategy } from './weighted.strategy';

const idOf = (i: number): string => (i < 26 ? String.fromCharCode(97 + i) : `i${i}`);

function weighted(weights: readonly number[]): ServiceInstance[] {
  return weights.map((weight, i) => makeInstance(idOf(i), { weight }));
}

/** The nginx algorithm written out plainly, as the reference. */
function nginxSequence(weights: readonly number[], count: number): string[] {
  const current = weights.map(() => 0);
  const total = weights.reduce((sum, w) => sum + w, 0);
  return Array.from({ length: count }, () => {
    weights.forEach((w, i) => (current[i] += w));
    const best = current.indexOf(Math.max(...current));
    current[best] -= total;
    return idOf(best);
  });
}

describe(WeightedStrategy, () => {
  describe('pick', () => {
    it('should follow the nginx smooth sequence for weights {5, 1, 1}', () => {
      const strategy = new WeightedStrategy();
      const instances = weighted([5, 1, 1]);
      const cycle = ['a', 'a', 'b', 'a', 'c', 'a', 'a'];
      expect(pickIds(() => strategy.pick(instances), 21)).toEqual([...cycle, ...cycle, ...cycle]);
    });

    it.each([
      { weights: [5, 1, 1], cycle: 7, expected: { a: 5, b: 1, c: 1 } },
      { weights: [3, 2, 1], cycle: 6, expected: { a: 3, b: 2, c: 1 } },
      { weights: [10, 10, 10], cycle: 3, expected: { a: 1, b: 1, c: 1 } },
      { weights: [40, 20], cycle: 3, expected: { a: 2, b: 1 } },
      { weights: [2, 0, 1], cycle: 3, expected: { a: 2, c: 1 } },
      { weights: [0, 0], cycle: 2, expected: { a: 1, b: 1 } },
      { weights: [NaN, 2], cycle: 3, expected: { a: 1, b: 2 } },
      { weights: [2.5, 1, 0.5], cycle: 8, expected: { a: 5, b: 2, c: 1 } },
    ])('should give exactly $expected per $cycle picks for weights $weights', ({ weights, cycle, expected }) => {
      const strategy = new WeightedStrategy();
      const instances = weighted(weights);
      for (let round = 0; round < 5; round++) {
        expect(countById(Array.from({ length: cycle }, () => strategy.pick(instances)))).toEqual(expected);
      }
    });

    it.each([
      { weights: [5, 1, 1] },
      { weights: [7, 3, 2, 1] },
      { weights: [1, 2, 3, 4, 5, 6] },
      { weights: [2.5, 1, 0.5] },
      { weights: [3_000_000, 1_000_001, 1] },
      { weights: [40_000, 30_000, 1, 1, 2] },
      { weights: Array.from({ length: 60 }, (_, i) => 1 + ((i * 7) % 5)) },
      { weights: Array.from({ length: 60 }, (_, i) => 1 + i) },
    ])('should match the reference nginx algorithm for weights $weights', ({ weights }) => {
      const strategy = new WeightedStrategy();
      const instances = weighted(weights);
      expect(pickIds(() => strategy.pick(instances), 500)).toEqual(nginxSequence(weights, 500));
    });

    it('should interleave instead of sending bursts', () => {
      const strategy = new WeightedStrategy();
      const instances = weighted([3, 3, 1]);
      const sequence = pickIds(() => strategy.pick(instances), 7).join('');
      expect(sequence).not.toMatch(/aa|bb/);
    });

    it('should skip excluded instances', () => {
      const strategy = new WeightedStrategy();
      const instances = weighted([5, 1, 1]);
      const picks = Array.from({ length: 20 }, () => strategy.pick(instances, { exclude: new Set(['a']) }));
      expect(countById(picks)).toEqual({ b: 10, c: 10 });
      expect(strategy.pick(instances, { exclude: new Set(['a', 'b', 'c']) })).toBeUndefined();
    });

    it('should give the next allowed instance of a long, unscheduled cycle on retries', () => {
      const strategy = new WeightedStrategy();
      const instances = weighted([50_001, 30_000, 20_000]);
      const exclude = new Set(['a']);
      const picks = Array.from({ length: 100 }, () => strategy.pick(instances, { exclude })?.id);
      expect(new Set(picks)).toEqual(new Set(['b']));
      expect(pickIds(() => strategy.pick(instances), 10)).toEqual(nginxSequence([50_001, 30_000, 20_000], 10));
      expect(strategy.pick(instances, { exclude: new Set(['a', 'b', 'c']) })).toBeUndefined();
    });

    it('should rotate a large fleet of equal weights in order', () => {
      const strategy = new WeightedStrategy();
      const instances = Array.from({ length: 10_000 }, (_, i) => makeInstance(`i-${i}`));
      const ids = pickIds(() => strategy.pick(instances), 10_001);
      expect(ids.slice(0, 3)).toEqual(['i-0', 'i-1', 'i-2']);
      expect(new Set(ids).size).toBe(10_000);
      expect(ids[10_000]).toBe('i-0');
    });

    it('should return undefined for no instances', () => {
      expect(new WeightedStrategy().pick([])).toBeUndefined();
    });
  });
});
