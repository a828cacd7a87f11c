import { lastValueFrom } from 'rxjs';
import { ProtocolError } from '@orion/protocols';
import { BalancedClientProxy } from '../client/balanced-client.proxy';
import type { BalancedClientOptions } from '../client/balanced-client.options';
import { SimulatedInstances } from './simulated-instances';
import { TestingRegistry } from './testing-registry';

function mulberry32(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SimulatedInstances with BalancedClientProxy', () => {
  let registry: TestingRegistry;
  let sim: SimulatedInstances;
  let client: BalancedClientProxy;

  const start = async (options: Partial<BalancedClientOptions>) => {
    client = new BalancedClientProxy(
      { service: 'svc', transport: 'tcp', metrics: false, clientFactory: sim.clientFactory, ...options },
      registry,
    );
    await client.connect();
  };

  beforeEach(async () => {
    registry = new TestingRegistry();
    sim = new SimulatedInstances((_pattern, _data, id) => id, mulberry32(7));
    for (const id of ['a', 'b', 'c']) await registry.addInstance('svc', id);
  });

  afterEach(async () => {
    await client?.close();
    await registry.close();
  });

  describe('outlier ejection', () => {
    it('should eject an instance after consecutive failures, with idempotent calls retried elsewhere', async () => {
      sim.inject('b', { errorRate: 1, errorCode: 'INTERNAL' });
      await start({
        strategy: 'round-robin',
        retry: { isIdempotent: true, minRetriesPerSecond: 100 },
        outlierDetection: { consecutiveFailures: 3 },
      });
      const replies = [];
      for (let i = 0; i < 30; i++) replies.push(await lastValueFrom(client.send<string>('x', {})));
      expect(replies).not.toContain('b');
      const b = client.stats().instances.find((i) => i.id === 'b')!;
      expect(b).toMatchObject({ isEjected: true, ejections: 1, failures: 3 });
      expect(sim.calls.get('b')).toBe(3);
    });
  });

  describe('retry budget', () => {
    it('should stop retrying when the budget is spent', async () => {
      for (const id of ['a', 'b', 'c']) sim.inject(id, { errorRate: 1 });
      await start({
        strategy: 'random',
        retry: { isIdempotent: true, budgetRatio: 0, minRetriesPerSecond: 0.5, maxAttempts: 3 },
        outlierDetection: { consecutiveFailures: 0 },
      });
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => lastValueFrom(client.send('x', {})).catch((e: ProtocolError) => e.code)),
      );
      expect(outcomes.every((o) => o === 'UNAVAILABLE')).toBe(true);
      // 0.5 retries/s over a 10 s window = 5 retries in all; every call ends by hitting the
      // spent budget (15 at once, the 5 retried ones after their retry failed too).
      expect(client.stats().retries).toBe(5);
      expect(client.stats().budgetExhausted).toBe(20);
    });
  });

  describe('p2c-ewma', () => {
    it('should send little traffic to an instance 20 ms slower than the others', async () => {
      sim.inject('a', { latencyMs: 20 });
      sim.inject('b', { latencyMs: 1 });
      sim.inject('c', { latencyMs: 1 });
      await start({ strategy: 'p2c-ewma' });
      const replies: string[] = [];
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = 0; i < 50; i++) replies.push(await lastValueFrom(client.send<string>('x', {})));
        }),
      );
      expect(replies.filter((r) => r === 'a').length / replies.length).toBeLessThan(0.1);
    });
  });

  describe('drops and hangs', () => {
    it('should end a dropped call at its attempt timeout and retry an idempotent one elsewhere', async () => {
      sim.inject('a', { isHung: true });
      await start({ strategy: 'round-robin', timeoutMs: 1000, retry: { isIdempotent: true, attemptTimeoutMs: 50 } });
      const started = Date.now();
      const replies = await Promise.all(Array.from({ length: 6 }, () => lastValueFrom(client.send<string>('x', {}))));
      expect(replies).not.toContain('a');
      expect(Date.now() - started).toBeLessThan(800);
    });

    it('should fail a non-idempotent call on a hung instance with DEADLINE_EXCEEDED by its deadline', async () => {
      for (const id of ['a', 'b', 'c']) sim.inject(id, { isHung: true });
      await start({ timeoutMs: 100 });
      const started = Date.now();
      const error = (await lastValueFrom(client.send('x', {})).catch((e: unknown) => e)) as ProtocolError;
      expect(error.code).toBe('DEADLINE_EXCEEDED');
      expect(Date.now() - started).toBeLessThan(400);
    });
  });

  describe('TestingRegistry', () => {
    it('should take instances out of rotation when they drain', async () => {
      await start({ strategy: 'round-robin' });
      await registry.setStatus('c', 'draining');
      await new Promise((r) => setTimeout(r, 10));
      const replies = await Promise.all(Array.from({ length: 10 }, () => lastValueFrom(client.send<string>('x', {}))));
      expect(replies).not.toContain('c');
    });
  });
});
