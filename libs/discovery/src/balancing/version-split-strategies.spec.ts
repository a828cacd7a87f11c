import type { ServiceInstance } from '../registry/service-instance.interface';
import type { LoadBalancingStrategy } from './load-balancing-strategy.interface';
import { BALANCING_STRATEGIES, type BalancingStrategyName } from './strategies';
import { makeInstance, mulberry32 } from './testing/balancing-testing.util';
import { VersionSplitPicker } from './version-split.picker';

const SEED = Number(process.env.SPLIT_SEED ?? 20261202);
// Printed so that a failure can be replayed with SPLIT_SEED=<seed>.
console.log(`version-split-strategies seed: ${SEED}`);

// 'a' weighs 3 to show that `weighted` still applies inside its subset.
const FLEET: ServiceInstance[] = [
  makeInstance('a', { version: '2.0.0', weight: 3 }),
  makeInstance('b', { version: '2.0.1' }),
  makeInstance('c', { version: '2.1.0' }),
  makeInstance('old', { version: '1.4.2' }),
];
const LATENCY_MS: Record<string, number> = { a: 4, b: 6, c: 5, old: 1 };

/** Every built-in strategy, seeded where it draws, plus a custom one given as an object. */
function strategies(random: () => number): [string, LoadBalancingStrategy | (() => LoadBalancingStrategy)][] {
  const seeded: Record<BalancingStrategyName, () => LoadBalancingStrategy> = {
    'round-robin': () => BALANCING_STRATEGIES['round-robin']({ random: () => 0 }),
    'least-connections': () => BALANCING_STRATEGIES['least-connections'](),
    weighted: () => BALANCING_STRATEGIES.weighted(),
    random: () => BALANCING_STRATEGIES.random({ random }),
    'p2c-ewma': () => BALANCING_STRATEGIES['p2c-ewma']({ random, now: () => 0 }),
    'consistent-hash': () => BALANCING_STRATEGIES['consistent-hash']({ random: () => 0 }),
  };
  let turn = 0;
  const custom: LoadBalancingStrategy = { name: 'custom-alternate', pick: (instances) => instances[turn++ % instances.length] };
  return [...Object.entries(seeded), ['custom', custom]];
}

describe('VersionSplitPicker with every strategy', () => {
  it.each(strategies(mulberry32(SEED)))(
    'should split 10,000 calls exactly 9,000/1,000 with %s picking inside each subset',
    (name, strategy) => {
      const random = mulberry32(SEED);
      const picker = VersionSplitPicker.from(FLEET, strategy, {
        version: '^2.0.0',
        versionSplit: [
          { version: '2.0.x', weight: 90 },
          { version: '2.1.x', weight: 10 },
        ],
      });
      const counts: Record<string, number> = { a: 0, b: 0, c: 0, old: 0 };
      // Up to four calls in flight, so that load-aware strategies see in-flight counts and latencies.
      const inFlight: ServiceInstance[] = [];
      for (let n = 0; n < 10_000; n++) {
        const instance = picker.pick({ hashKey: `user-${n}` })!;
        counts[instance.id]++;
        picker.recordStart(instance);
        inFlight.push(instance);
        if (inFlight.length > 3) {
          const done = inFlight.splice(Math.floor(random() * inFlight.length), 1)[0];
          picker.recordResult(done, { ok: true, latencyMs: LATENCY_MS[done.id] * (0.5 + random()) });
        }
      }
      expect(counts.a + counts.b).toBe(9000);
      expect(counts.c).toBe(1000);
      expect(counts.old).toBe(0);
      expect(picker.subsets()!.map(({ picks }) => picks)).toEqual([9000, 1000]);
      // The strategy, not the split, spreads a subset's share over its instances.
      expect(counts.a).toBeGreaterThan(0);
      expect(counts.b).toBeGreaterThan(0);
      if (name === 'round-robin') expect(counts).toMatchObject({ a: 4500, b: 4500 });
      if (name === 'weighted') expect(counts).toMatchObject({ a: 6750, b: 2250 });
    },
  );
});
