import type { ServiceInstance } from '../../registry/service-instance.interface';
import { countById, makeInstances, mulberry32 } from '../testing/balancing-testing.util';
import { P2cEwmaStrategy } from './p2c-ewma.strategy';

// p2c-ewma and calls that waited for the connection to an instance to be set up
// (`CallOutcome.isColdStart`), and the cold start of a client that knows no instance yet.

/** One call to `instance` that answered after `latencyMs` (`isColdStart`: it waited for a connection). */
function answer(strategy: P2cEwmaStrategy, instance: ServiceInstance, latencyMs: number, isColdStart?: boolean): void {
  strategy.onStart(instance);
  strategy.onResult(instance, { ok: true, latencyMs, isColdStart });
}

describe('P2cEwmaStrategy: answers that waited for a connection (isColdStart)', () => {
  it('should keep a new instance at the neutral estimate when its first answer includes connection set-up', () => {
    const clock = { now: 0 };
    const strategy = new P2cEwmaStrategy({ random: () => 0, now: () => clock.now });
    const known = makeInstances(['a', 'b', 'c']);
    [4, 8, 30].forEach((latencyMs, i) => answer(strategy, known[i], latencyMs));
    const [fresh] = makeInstances(['fresh']);
    strategy.onMembershipChange([...known, fresh]);
    answer(strategy, fresh, 300, true);
    // At the median (8 ms) it still beats c (30 ms); as a sample, 300 ms would have lost.
    expect(strategy.pick([fresh, known[2]])).toBe(fresh);
    // A cold answer after a real one is ignored.
    answer(strategy, fresh, 5);
    answer(strategy, fresh, 300, true);
    expect(strategy.pick([known[1], fresh])).toBe(fresh);
  });

  it('should leave an instance whose answers were all cold unmeasured, at the estimate of the first answer', () => {
    const clock = { now: 0 };
    const strategy = new P2cEwmaStrategy({ random: () => 0, now: () => clock.now });
    const [a, b] = makeInstances(2);
    // The first answer (4 ms) is the neutral estimate; a's own estimate goes on to 3 ms.
    answer(strategy, a, 4);
    answer(strategy, a, 2);
    answer(strategy, b, 400, true);
    expect(strategy.pick([a, b])).toBe(a);
    strategy.onStart(a);
    strategy.onStart(a);
    // a: 3 × 3, b: 4 × 1, then 4 × 2: b gets a second call while its first is in flight.
    expect(strategy.pick([a, b])).toBe(b);
    strategy.onStart(b);
    expect(strategy.pick([a, b])).toBe(b);
    strategy.onResult(b, { ok: true, latencyMs: 2 });
    expect(strategy.pick([a, b])).toBe(b);
  });

  it('should send one probe at a time to an instance whose answers were all cold when nothing answered yet', () => {
    const clock = { now: 0 };
    const strategy = new P2cEwmaStrategy({ random: () => 0, now: () => clock.now });
    const [a, b] = makeInstances(2);
    answer(strategy, a, 400, true);
    strategy.onStart(a);
    expect(strategy.pick([a, b])).toBe(b);
    strategy.onStart(b);
    expect(strategy.pick([a, b])).toBe(a);
  });

  it('should take no sample from a cold failure, and a penalty from the next one', () => {
    // Calls that waited for the same connection fail together (an attempt timeout shorter than a
    // handshake on a loaded host): counted, the second was a 5x penalty on the first.
    const clock = { now: 0 };
    const strategy = new P2cEwmaStrategy({ random: () => 0, now: () => clock.now });
    const [a, b] = makeInstances(2);
    answer(strategy, a, 3);
    answer(strategy, a, 5);
    for (let i = 0; i < 2; i++) {
      strategy.onStart(b);
      strategy.onResult(b, { ok: false, latencyMs: 600, error: 'timeout', isColdStart: true });
    }
    // b is unmeasured, at the neutral 3 ms: below a's 5 ms.
    expect(strategy.pick([a, b])).toBe(b);
    strategy.onStart(b);
    strategy.onResult(b, { ok: false, latencyMs: 0.1, error: 'unavailable' });
    // At least 5 × 3 ms.
    expect(strategy.pick([a, b])).toBe(a);
  });

  /**
   * A fresh client's burst: 60 calls, 6 at a time, 15-45 ms each, to three instances whose
   * connections are ready after 100, 100 and 300 ms (what the e2e suite saw on a loaded host).
   * Returns the calls each instance got.
   */
  function coldBurst(seed: number, isColdStartReported: boolean): Record<string, number> {
    const clock = { now: 0 };
    const jitter = mulberry32(seed + 100);
    const strategy = new P2cEwmaStrategy({ random: mulberry32(seed), now: () => clock.now });
    const instances = makeInstances(['a', 'b', 'c']);
    strategy.onMembershipChange(instances);
    const readyAt: Record<string, number> = {};
    const setUpMs: Record<string, number> = { a: 100, b: 100, c: 300 };
    const pending: { at: number; started: number; instance: ServiceInstance; isColdStart: boolean }[] = [];
    const picks: ServiceInstance[] = [];
    const send = () => {
      const instance = strategy.pick(instances)!;
      readyAt[instance.id] ??= clock.now + setUpMs[instance.id];
      const isColdStart = readyAt[instance.id] > clock.now;
      strategy.onStart(instance);
      pending.push({ at: Math.max(clock.now, readyAt[instance.id]) + 15 + 30 * jitter(), started: clock.now, instance, isColdStart });
      picks.push(instance);
    };
    for (let i = 0; i < 6; i++) send();
    while (pending.length > 0) {
      pending.sort((x, y) => x.at - y.at);
      const done = pending.shift()!;
      clock.now = done.at;
      const isColdStart = isColdStartReported && done.isColdStart;
      strategy.onResult(done.instance, { ok: true, latencyMs: done.at - done.started, isColdStart });
      if (picks.length < 60) send();
    }
    return countById(picks);
  }

  it.each([1, 2, 3])('should give each instance a share of a burst that starts with connection set-up (seed %i)', (seed) => {
    const counts = coldBurst(seed, true);
    for (const id of ['a', 'b', 'c']) expect(counts[id]).toBeGreaterThan(5);
    // Taken as a sample, c's first answer (300 ms and more) kept it out of the burst.
    expect(coldBurst(seed, false).c).toBeLessThanOrEqual(5);
  });
});
