import type { InstanceStatus, ServiceInstance } from '../registry/service-instance.interface';
import { InstancePicker } from './instance-picker';
import type { LoadBalancingStrategy } from './load-balancing-strategy.interface';
import { LeastConnectionsStrategy } from './strategies/least-connections.strategy';
import { RoundRobinStrategy } from './strategies/round-robin.strategy';
import { makeInstance, pickIds } from './testing/balancing-testing.util';

/** Instances from a compact spec: "a:passing", "b:critical@z2". */
function fleet(...specs: string[]): ServiceInstance[] {
  return specs.map((spec) => {
    const [, id, status, zone] = /^(\w+):(\w+)(?:@(\w+))?$/.exec(spec)!;
    return makeInstance(id, { status: status as InstanceStatus, zone });
  });
}

const roundRobin = (): RoundRobinStrategy => new RoundRobinStrategy({ random: () => 0 });
const ids = (instances: readonly ServiceInstance[]): string[] => instances.map(({ id }) => id).sort();

/** A custom strategy that ignores `exclude` and remembers the lists it was given. */
class FirstStrategy implements LoadBalancingStrategy {
  readonly name = 'first';
  readonly lists: (readonly ServiceInstance[])[] = [];
  readonly snapshots: (readonly ServiceInstance[])[] = [];
  pick(instances: readonly ServiceInstance[]): ServiceInstance | undefined {
    this.lists.push(instances);
    return instances[0];
  }
  onMembershipChange(instances: readonly ServiceInstance[]): void {
    this.snapshots.push(instances);
  }
}

describe(InstancePicker, () => {
  describe('from', () => {
    it.each([
      {
        specs: ['a:passing', 'b:warning', 'c:critical', 'd:draining', 'e:passing'],
        expected: ['a', 'b', 'e'],
      },
      { specs: ['a:passing', 'b:starting', 'c:passing'], expected: ['a', 'c'] },
      { specs: ['a:passing', 'b:passing', 'c:draining', 'd:draining'], expected: ['a', 'b'] },
      { specs: [], expected: [] },
    ])('should only send traffic to passing or warning instances of $specs', ({ specs, expected }) => {
      const picker = InstancePicker.from(fleet(...specs), roundRobin());
      expect(ids(picker.candidates)).toEqual(expected);
      expect(new Set(pickIds(() => picker.pick(), 12))).toEqual(new Set(expected.length ? expected : [undefined]));
      expect(picker.isPanicking).toBe(false);
    });

    it.each([
      {
        specs: ['a:passing', 'b:critical', 'c:critical', 'd:starting'],
        threshold: 50,
        panic: true,
        expected: ['a', 'b', 'c', 'd'],
      },
      {
        specs: ['a:passing', 'b:passing', 'c:critical', 'd:critical'],
        threshold: 50,
        panic: false,
        expected: ['a', 'b'],
      },
      {
        specs: ['a:passing', 'b:critical', 'c:draining', 'd:draining'],
        threshold: 50,
        panic: false,
        expected: ['a'],
      },
      { specs: ['a:critical', 'b:critical', 'c:draining'], threshold: 50, panic: true, expected: ['a', 'b'] },
      {
        specs: ['a:passing', 'b:critical', 'c:critical', 'd:critical'],
        threshold: 0,
        panic: false,
        expected: ['a'],
      },
      {
        specs: ['a:passing', 'b:passing', 'c:critical'],
        threshold: 80,
        panic: true,
        expected: ['a', 'b', 'c'],
      },
    ])('should panic=$panic over $specs with threshold $threshold%', ({ specs, threshold, panic, expected }) => {
      const picker = InstancePicker.from(fleet(...specs), roundRobin(), {
        panicThresholdPercent: threshold,
      });
      expect(picker.isPanicking).toBe(panic);
      expect(ids(picker.candidates)).toEqual(expected);
    });

    it.each([
      {
        zone: 'z1',
        min: 2,
        specs: ['a:passing@z1', 'b:warning@z1', 'c:passing@z2'],
        preferred: true,
        expected: ['a', 'b'],
      },
      {
        zone: 'z1',
        min: 2,
        specs: ['a:passing@z1', 'b:critical@z1', 'c:passing@z2'],
        preferred: false,
        expected: ['a', 'c'],
      },
      {
        zone: 'z1',
        min: 1,
        specs: ['a:passing@z1', 'b:critical@z1', 'c:passing@z2'],
        preferred: true,
        expected: ['a'],
      },
      { zone: 'z3', min: 1, specs: ['a:passing@z1', 'c:passing@z2'], preferred: false, expected: ['a', 'c'] },
      { zone: 'z1', min: 1, specs: ['a:passing@z1', 'b:passing@z1'], preferred: false, expected: ['a', 'b'] },
      {
        zone: undefined,
        min: 1,
        specs: ['a:passing@z1', 'b:passing'],
        preferred: false,
        expected: ['a', 'b'],
      },
    ])('should prefer zone $zone (min $min) over $specs: $expected', ({ zone, min, specs, preferred, expected }) => {
      const picker = InstancePicker.from(fleet(...specs), roundRobin(), { zone, minZoneInstances: min });
      expect(picker.isZonePreferred).toBe(preferred);
      expect(ids(picker.candidates)).toEqual(expected);
    });

    it('should keep the first entry of a repeated id and tell the strategy the new membership', () => {
      const strategy = new FirstStrategy();
      const [a, b] = fleet('a:passing', 'b:passing');
      const picker = InstancePicker.from([a, b, makeInstance('a', { status: 'critical' })], strategy);
      expect(picker.instances).toEqual([a, b]);
      expect(strategy.snapshots).toEqual([[a, b]]);
      expect(Object.isFrozen(picker.instances)).toBe(true);
    });
  });

  describe('pick', () => {
    it('should hand the strategy the same precomputed list on every pick', () => {
      const strategy = new FirstStrategy();
      const picker = InstancePicker.from(fleet('a:passing', 'b:critical', 'c:passing'), strategy);
      for (let i = 0; i < 5; i++) picker.pick();
      expect(new Set(strategy.lists)).toEqual(new Set([picker.candidates]));
    });

    it.each([
      { exclude: [], expected: ['a', 'b', 'c', 'a'] },
      { exclude: ['b'], expected: ['a', 'c', 'a', 'c'] },
      { exclude: ['a', 'b', 'c'], expected: [undefined, undefined, undefined, undefined] },
    ])('should honour exclude $exclude', ({ exclude, expected }) => {
      const picker = InstancePicker.from(fleet('a:passing', 'b:passing', 'c:passing'), roundRobin());
      expect(pickIds(() => picker.pick({ exclude: new Set(exclude) }), 4)).toEqual(expected);
    });

    it('should honour exclude even for a strategy that ignores it', () => {
      const picker = InstancePicker.from(fleet('a:passing', 'b:passing', 'c:passing'), new FirstStrategy());
      expect(picker.pick()?.id).toBe('a');
      expect(picker.pick({ exclude: new Set(['a']) })?.id).toBe('b');
      expect(picker.pick({ exclude: new Set(['a', 'b', 'c']) })).toBeUndefined();
    });

    it('should leave the preferred zone only when every instance there is excluded', () => {
      const specs = ['a:passing@z1', 'b:passing@z1', 'c:passing@z2', 'd:passing@z2'];
      const picker = InstancePicker.from(fleet(...specs), roundRobin(), { zone: 'z1' });
      expect(new Set(pickIds(() => picker.pick(), 10))).toEqual(new Set(['a', 'b']));
      expect(pickIds(() => picker.pick({ exclude: new Set(['a']) }), 3)).toEqual(['b', 'b', 'b']);
      expect(new Set(pickIds(() => picker.pick({ exclude: new Set(['a', 'b']) }), 10))).toEqual(new Set(['c', 'd']));
    });

    it('should return undefined when no instance may take traffic', () => {
      const picker = InstancePicker.from(fleet('a:draining', 'b:draining'), roundRobin());
      expect(picker.pick()).toBeUndefined();
    });
  });

  describe('rebuild', () => {
    it('should keep strategy state keyed by instance id across rebuilds', () => {
      const picker = InstancePicker.from(fleet('a:passing', 'b:passing'), new LeastConnectionsStrategy());
      const busy = picker.pick()!;
      for (let i = 0; i < 3; i++) picker.recordStart(busy);
      // NOTE: fresh objects for the same ids, as every registry snapshot brings.
      const next = picker.rebuild(fleet('a:passing', 'b:passing', 'c:passing'));
      expect(next.strategy).toBe(picker.strategy);
      expect(pickIds(() => next.pick(), 6)).not.toContain(busy.id);
      for (let i = 0; i < 3; i++) next.recordResult(busy, { ok: true, latencyMs: 1 });
      expect(pickIds(() => next.pick(), 3)).toContain(busy.id);
    });

    it('should keep the options', () => {
      const picker = InstancePicker.from(fleet('a:passing@z1', 'b:passing@z2'), roundRobin(), {
        zone: 'z1',
        minZoneInstances: 1,
      });
      const next = picker.rebuild(fleet('a:passing@z1', 'b:passing@z2', 'c:passing@z1'));
      expect(ids(next.candidates)).toEqual(['a', 'c']);
      expect(next.options).toEqual({ zone: 'z1', minZoneInstances: 1 });
    });
  });
});
