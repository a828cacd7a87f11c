import type { InstanceStatus, ServiceInstance } from '../registry/service-instance.interface';
import { InvalidVersionRoutingError } from './errors/invalid-version-routing.error';
import type { LoadBalancingStrategy, PickContext } from './load-balancing-strategy.interface';
import { LeastConnectionsStrategy } from './strategies/least-connections.strategy';
import { RoundRobinStrategy } from './strategies/round-robin.strategy';
import { makeInstance } from './testing/balancing-testing.util';
import { VersionSplitPicker, type VersionSplitPickerOptions } from './version-split.picker';

/** Instances from "id:version" or "id:version:status". */
function fleet(...specs: string[]): ServiceInstance[] {
  return specs.map((spec) => {
    const [id, version, status = 'passing'] = spec.split(':');
    return makeInstance(id, { version, status: status as InstanceStatus });
  });
}

const CANARY: VersionSplitPickerOptions = {
  version: '^2.0.0',
  versionSplit: [
    { version: '2.0.x', weight: 90 },
    { version: '2.1.x', weight: 10 },
  ],
};
const FLEET = fleet('a:2.0.0', 'b:2.0.1', 'c:2.1.0', 'old:1.9.0');
const roundRobin = (): LoadBalancingStrategy => new RoundRobinStrategy({ random: () => 0 });

/** `count` picks, each started and ended at once; ids counted. */
function run(picker: VersionSplitPicker, count: number, ctx?: (n: number) => PickContext | undefined): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let n = 0; n < count; n++) {
    const instance = picker.pick(ctx?.(n));
    const id = instance?.id ?? 'none';
    counts[id] = (counts[id] ?? 0) + 1;
    if (instance === undefined) continue;
    picker.recordStart(instance);
    picker.recordResult(instance, { ok: true, latencyMs: 1 });
  }
  return counts;
}

describe(VersionSplitPicker, () => {
  describe('from', () => {
    it('should only offer instances whose version satisfies `version`, never one without a valid version', () => {
      const instances = [...FLEET, ...fleet('bad:banana', 'pre:2.0.0-rc.1'), makeInstance('none', { version: undefined as never })];
      const picker = VersionSplitPicker.from(instances, roundRobin, { version: '^2.0.0' });
      expect(picker.candidates.map(({ id }) => id).sort()).toEqual(['a', 'b', 'c']);
      expect(new Set(Object.keys(run(picker, 30)))).toEqual(new Set(['a', 'b', 'c']));
    });

    it('should offer every healthy instance of the filtered fleet to broadcast, in a subset or not', () => {
      const instances = [...FLEET, ...fleet('d:2.2.0', 'sick:2.0.3:critical', 'gone:2.0.4:draining')];
      const picker = VersionSplitPicker.from(instances, roundRobin, CANARY);
      expect(picker.candidates.map(({ id }) => id)).toEqual(['a', 'b', 'c', 'd']);
      expect(Object.keys(run(picker, 100)).sort()).toEqual(['a', 'b', 'c']);
    });

    it('should put an instance matching two ranges in the first, and one matching none in no subset', () => {
      const picker = VersionSplitPicker.from(fleet('a:2.0.5', 'b:2.2.0'), roundRobin, {
        versionSplit: [
          { version: '2.0.x', weight: 1 },
          { version: '^2.0.0', weight: 1 },
          { version: '3.x', weight: 1 },
        ],
      });
      expect(picker.subsets()!.map(({ instances }) => instances)).toEqual([1, 1, 0]);
      expect(run(picker, 100)).toEqual({ a: 50, b: 50 });
    });

    it.each([
      [{ version: '2.x.banana' }, 'version'],
      [{ versionSplit: [{ version: '2.x', weight: -5 }] }, 'versionSplit[0].weight'],
      [{ versionSplit: [{ version: '2.x', weight: 0 }] }, 'versionSplit'],
    ])('should refuse %j with InvalidVersionRoutingError', (options, option) => {
      expect(() => VersionSplitPicker.from([], roundRobin, options)).toThrow(InvalidVersionRoutingError);
      expect(() => VersionSplitPicker.from([], roundRobin, options)).toThrow(`'${option}'`);
    });
  });

  describe('pick', () => {
    it('should split exactly 90/10 and interleave the canary (one in every 10 picks)', () => {
      const picker = VersionSplitPicker.from(FLEET, roundRobin, CANARY);
      for (let window = 0; window < 10; window++) expect(run(picker, 10).c).toBe(1);
      expect(run(picker, 10_000)).toEqual({ a: 4500, b: 4500, c: 1000 });
      expect(picker.subsets()).toEqual([
        { version: '2.0.x', weight: 90, instances: 2, picks: 9090 },
        { version: '2.1.x', weight: 10, instances: 1, picks: 1010 },
      ]);
    });

    it('should skip a subset with no usable instance and give its share to the others, then resume', () => {
      const picker = VersionSplitPicker.from(FLEET, roundRobin, CANARY);
      expect(run(picker, 100)).toEqual({ a: 45, b: 45, c: 10 });
      // A critical canary is left out (health is judged over the fleet, which does not panic).
      const sick = picker.rebuild(fleet('a:2.0.0', 'b:2.0.1', 'c:2.1.0:critical', 'old:1.9.0'));
      expect(sick.isPanicking).toBe(false);
      expect(run(sick, 100)).toEqual({ a: 50, b: 50 });
      expect(sick.subsets()![1]).toMatchObject({ instances: 0, picks: 10 });
      const back = sick.rebuild(FLEET);
      expect(run(back, 1000)).toEqual({ a: 450, b: 450, c: 100 });
    });

    it('should send nothing to a subset of weight 0 but let a pin reach it', () => {
      const picker = VersionSplitPicker.from(FLEET, roundRobin, {
        ...CANARY,
        versionSplit: [CANARY.versionSplit![0], { version: '2.1.x', weight: 0 }],
      });
      expect(run(picker, 50)).toEqual({ a: 25, b: 25 });
      expect(run(picker, 5, () => ({ versionPin: '2.1.x' }))).toEqual({ c: 5 });
    });

    it('should keep the split position across a rebuild of the same membership', () => {
      let picker = VersionSplitPicker.from(FLEET, roundRobin, CANARY);
      const counts: Record<string, number> = {};
      for (let n = 0; n < 100; n++) {
        if (n % 7 === 0) picker = picker.rebuild(FLEET.map((i) => ({ ...i })));
        const id = picker.pick()!.id;
        counts[id] = (counts[id] ?? 0) + 1;
      }
      expect(counts.c).toBe(10);
    });

    it('should fall back to another subset when a retry excluded all of the chosen one', () => {
      const picker = VersionSplitPicker.from(FLEET, roundRobin, CANARY);
      const exclude = new Set(['a', 'b']);
      expect(run(picker, 20, () => ({ exclude }))).toEqual({ c: 20 });
      expect(run(picker, 5, () => ({ exclude: new Set(['a', 'b', 'c']) }))).toEqual({ none: 5 });
    });

    it('should balance over every non-draining instance of a subset when the whole fleet panics', () => {
      const picker = VersionSplitPicker.from(fleet('a:2.0.0:critical', 'b:2.0.1:critical', 'c:2.1.0'), roundRobin, CANARY);
      expect(picker.isPanicking).toBe(true);
      expect(run(picker, 100)).toEqual({ a: 45, b: 45, c: 10 });
    });
  });

  describe('pinned picks', () => {
    it.each([
      ['2.1.x', { c: 20 }],
      ['~2.0.1', { b: 20 }],
      ['2.0.0 || 2.1.0', { a: 7, c: 13 }],
    ])('should bypass the split for pin %j', (versionPin, expected) => {
      const picker = VersionSplitPicker.from(FLEET, roundRobin, CANARY);
      const counts = run(picker, 20, () => ({ versionPin }));
      expect(Object.keys(counts).sort()).toEqual(Object.keys(expected).sort());
      expect(Object.values(counts).reduce((x, y) => x + y)).toBe(20);
      expect(picker.subsets()!.map(({ picks }) => picks)).toEqual([0, 0]);
    });

    it.each([
      ['3.x', 'matches no instance'],
      ['1.x', 'is outside the client-wide `version` range'],
      ['banana', 'is not a range'],
    ])('should pick nothing for pin %j (%s), never fall back', (versionPin) => {
      const picker = VersionSplitPicker.from(FLEET, roundRobin, CANARY);
      expect(run(picker, 5, () => ({ versionPin }))).toEqual({ none: 5 });
    });

    it('should tell whether a pin is a range', () => {
      const picker = VersionSplitPicker.from(FLEET, roundRobin, {});
      expect(picker.isPinnable('2.1.x')).toBe(true);
      expect(picker.isPinnable('')).toBe(false);
      expect(picker.isPinnable('two')).toBe(false);
    });

    it('should pin without any version option, and see the membership of each snapshot', () => {
      const picker = VersionSplitPicker.from(FLEET, roundRobin, {});
      expect(run(picker, 4, () => ({ versionPin: '1.x' }))).toEqual({ old: 4 });
      const next = picker.rebuild(fleet('a:2.0.0', 'new:1.9.1'));
      expect(run(next, 4, () => ({ versionPin: '1.x' }))).toEqual({ new: 4 });
    });
  });

  describe('recordStart / recordResult', () => {
    it('should reach the strategy of the subset and of a pinned range holding the instance', () => {
      const strategies: LeastConnectionsStrategy[] = [];
      const factory = (): LoadBalancingStrategy => {
        const strategy = new LeastConnectionsStrategy();
        strategies.push(strategy);
        return strategy;
      };
      const picker = VersionSplitPicker.from(fleet('a:2.0.0', 'b:2.0.1', 'c:2.1.0'), factory, {
        versionSplit: [
          { version: '2.0.x', weight: 1 },
          { version: '2.1.x', weight: 1 },
        ],
      });
      // Both lanes holding 'a' and 'b' pick each once, so on a tie each would pick 'a' next.
      const pin = { versionPin: '2.0.x' };
      const split = { exclude: new Set(['c']) };
      expect([picker.pick(pin)!.id, picker.pick(pin)!.id]).toEqual(['a', 'b']);
      expect([picker.pick(split)!.id, picker.pick(split)!.id]).toEqual(['a', 'b']);
      expect(strategies).toHaveLength(3);
      // A call held open on 'a' (whichever lane picked it): both lanes' strategies count it.
      const first = picker.instances[0];
      picker.recordStart(first);
      expect(picker.pick(pin)!.id).toBe('b');
      expect(picker.pick(split)!.id).toBe('b');
      picker.recordResult(first, { ok: true, latencyMs: 1 });
    });

    it('should share a strategy object among lanes and tell it the whole snapshot once', () => {
      const seen: string[][] = [];
      const started: string[] = [];
      const custom: LoadBalancingStrategy = {
        name: 'first',
        pick: (instances) => instances[0],
        onStart: (instance) => started.push(instance.id),
        onMembershipChange: (instances) => seen.push(instances.map(({ id }) => id)),
      };
      const picker = VersionSplitPicker.from(FLEET, custom, CANARY);
      expect(seen).toEqual([['a', 'b', 'c']]);
      expect(picker.strategy).toBe(custom);
      expect(run(picker, 10)).toEqual({ a: 9, c: 1 });
      expect(run(picker, 2, () => ({ versionPin: '2.0.1' }))).toEqual({ b: 2 });
      expect(seen).toHaveLength(1);
      expect(started).toHaveLength(12);
    });
  });
});
