import { InvalidAutoscaleOptionError } from './invalid-autoscale-option.error';
import { ScaleRecommender } from './scale-recommender';

/** One evaluation: at time `t` (s), `current` instances at `util`; expect `desired`. */
type Step = [t: number, current: number, util: number | undefined, desired: number];

const S = 1000;

describe(ScaleRecommender.name, () => {
  describe('recommend', () => {
    const cases: Array<{ name: string; options?: ConstructorParameters<typeof ScaleRecommender>[0]; steps: Step[] }> = [
      {
        name: 'should hold the count at the target and within the tolerance',
        steps: [
          [0, 4, 0.6, 4],
          [5, 4, 0.65, 4],
          [10, 4, 0.55, 4],
        ],
      },
      {
        name: 'should scale up at once to ceil(current x utilization / target)',
        steps: [
          [0, 2, 0.9, 3],
          [5, 3, 1.2, 6],
          [6, 3, 0.61, 3],
        ],
      },
      {
        name: 'should suppress flapping: a dip inside the window keeps the highest recent recommendation',
        options: { stabilizationWindowMs: 60 * S },
        steps: [
          [0, 4, 0.6, 4],
          [10, 4, 0.15, 4], // raw 1, but 4 was recommended 10 s ago
          [20, 4, 0.9, 6], // rebound: scale-up is immediate
          [30, 6, 0.2, 6], // raw 2: held by the 6 of t=20
          [79, 6, 0.2, 6], // 6 is still inside the window
          [81, 6, 0.2, 2], // the window has passed: highest recent is 2
        ],
      },
      {
        name: 'should scale down to the highest recommendation left in the window, step by step',
        options: { stabilizationWindowMs: 30 * S },
        steps: [
          [0, 10, 0.6, 10],
          [10, 10, 0.3, 10], // raw 5, held by 10
          [20, 10, 0.12, 10], // raw 2, held by 10
          [31, 10, 0.12, 5], // 10 left the window; 5 (t=10) is the highest left
          [41, 5, 0.12, 2], // then 2
        ],
      },
      {
        name: 'should scale down at once with a zero window',
        options: { stabilizationWindowMs: 0 },
        steps: [
          [0, 4, 0.6, 4],
          [1, 4, 0.15, 1],
        ],
      },
      {
        name: 'should keep the bounds (min and max instances)',
        options: { minInstances: 2, maxInstances: 5, stabilizationWindowMs: 0 },
        steps: [
          [0, 3, 2.0, 5], // raw 10, capped at 5
          [1, 5, 0.01, 2], // raw 1, floored at 2
          [2, 8, 0.6, 5], // more than max at the target: bring it down to max
          [3, 1, 0.6, 2], // fewer than min: bring it up
        ],
      },
      {
        name: 'should hold the count when no instance reports load, and ask for min when none runs',
        options: { minInstances: 1 },
        steps: [
          [0, 3, undefined, 3],
          [1, 0, undefined, 1],
        ],
      },
      {
        name: 'should use a custom target',
        options: { target: 0.5, tolerance: 0 },
        steps: [
          [0, 4, 0.75, 6],
          [1, 6, 0.5, 6],
        ],
      },
    ];

    it.each(cases)('$name', ({ options, steps }) => {
      const recommender = new ScaleRecommender(options);
      const got = steps.map(([t, current, util]) => recommender.recommend('svc', current, util, t * S).desiredInstances);
      expect(got).toEqual(steps.map((s) => s[3]));
    });

    it('should name the recommendation and echo the inputs', () => {
      const recommender = new ScaleRecommender({ target: 0.6 });
      expect(recommender.recommend('orders', 2, 0.9, 1234)).toEqual({
        service: 'orders',
        currentInstances: 2,
        utilization: 0.9,
        target: 0.6,
        desiredInstances: 3,
        recommendation: 'scale-up',
        at: 1234,
      });
      expect(recommender.recommend('orders', 3, 0.6, 2000).recommendation).toBe('steady');
      const down = new ScaleRecommender({ stabilizationWindowMs: 0 });
      expect(down.recommend('orders', 3, 0.1, 0).recommendation).toBe('scale-down');
    });

    it('should keep one window per service', () => {
      const recommender = new ScaleRecommender({ stabilizationWindowMs: 60 * S });
      recommender.recommend('a', 4, 1.2, 0);
      expect(recommender.recommend('b', 4, 0.15, S).desiredInstances).toBe(1);
      // Held at its current 4 by the 8 recommended at t=0 (history never raises the count).
      expect(recommender.recommend('a', 4, 0.15, S).desiredInstances).toBe(4);
      recommender.forget('a');
      expect(recommender.recommend('a', 4, 0.15, 2 * S).desiredInstances).toBe(1);
    });
  });

  describe('constructor', () => {
    it.each([
      [{ target: 0 }, 'target'],
      [{ target: Number.NaN }, 'target'],
      [{ tolerance: -0.1 }, 'tolerance'],
      [{ stabilizationWindowMs: -1 }, 'stabilizationWindowMs'],
      [{ minInstances: 1.5 }, 'minInstances'],
      [{ minInstances: 3, maxInstances: 2 }, 'maxInstances'],
    ])('should refuse %j', (options, option) => {
      expect(() => new ScaleRecommender(options)).toThrow(InvalidAutoscaleOptionError);
      expect(() => new ScaleRecommender(options)).toThrow(option);
    });
  });
});
