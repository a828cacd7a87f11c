/// <reference types="jest" />
import { InstanceNotRegisteredError } from '../../errors/instance-not-registered.error';
import type { ServiceInstance } from '../service-instance.interface';
import { eventually, sleep, contractInstance as instance, type RegistryContractContext } from './contract-helpers.util';

const ids = (instances: readonly ServiceInstance[]): string[] => instances.map((i) => i.id);

/** TTL expiry, heartbeats and re-registration. */
export function describeRegistryLeasesContract(ctx: RegistryContractContext): void {
  const { ttlMs, expiryToleranceMs } = ctx.timing;

  describe('leases', () => {
    it('should drop an entry that is not renewed once its TTL has passed', async () => {
      const [owner, reader] = [await ctx.registry(), await ctx.registry()];
      const start = Date.now();
      await owner.register(instance('orders', 'x-1'), { ttlMs });
      await owner.register(instance('orders', 'keep-1'), { ttlMs: 30_000 });
      expect(ids(await reader.list('orders'))).toEqual(['keep-1', 'x-1']);

      await eventually(async () => expect(ids(await reader.list('orders'))).toEqual(['keep-1']), ttlMs + expiryToleranceMs);
      expect(Date.now() - start).toBeGreaterThanOrEqual(ttlMs);
      await owner.deregister('keep-1');
      await eventually(async () => expect(await reader.services()).toEqual([]), expiryToleranceMs);
    });

    it('should keep an entry alive across several TTLs while it heartbeats', async () => {
      const [owner, reader] = [await ctx.registry(), await ctx.registry()];
      await owner.register(instance('orders', 'x-1'), { ttlMs });
      const registeredAt = (await reader.list('orders'))[0].registeredAt;
      const until = Date.now() + ttlMs * 3.5;
      while (Date.now() < until) {
        await sleep(ttlMs / 4);
        await owner.heartbeat('x-1');
        expect(ids(await reader.list('orders'))).toEqual(['x-1']);
      }
      const [entry] = await reader.list('orders');
      expect(entry.registeredAt).toBe(registeredAt);
      expect(entry.renewedAt).toBeGreaterThan(registeredAt);
    });

    it('should apply the heartbeat patch and keep unpatched fields', async () => {
      const [owner, reader] = [await ctx.registry(), await ctx.registry()];
      await owner.register(instance('orders', 'x-1', { metadata: { a: '1' }, weight: 2 }), { ttlMs: 30_000 });
      const load = { inFlight: 7, requestsPerSecond: 70, latencyEwmaMs: 1.5, eventLoopUtilization: 0.25, eventLoopLagMs: 2 };
      await owner.heartbeat('x-1', { status: 'draining', load });
      const [entry] = await reader.list('orders');
      expect(entry).toMatchObject({ status: 'draining', load, weight: 2, metadata: { a: '1' } });

      await owner.heartbeat('x-1', { weight: 5, metadata: { b: '2' } });
      expect((await reader.list('orders'))[0]).toMatchObject({ status: 'draining', weight: 5, metadata: { b: '2' } });
    });

    it('should reject a heartbeat after expiry with InstanceNotRegisteredError, then accept re-registration', async () => {
      const owner = await ctx.registry();
      await owner.register(instance('orders', 'x-1'), { ttlMs });
      await sleep(ttlMs + 50);
      await expect(owner.heartbeat('x-1')).rejects.toThrow(InstanceNotRegisteredError);
      expect(await owner.list('orders')).toEqual([]);

      await owner.register(instance('orders', 'x-1'), { ttlMs: 30_000 });
      await owner.heartbeat('x-1');
      expect(ids(await owner.list('orders'))).toEqual(['x-1']);
    });

    it('should reject heartbeats for unknown, deregistered or foreign ids', async () => {
      const [owner, other] = [await ctx.registry(), await ctx.registry()];
      await expect(owner.heartbeat('never-1')).rejects.toThrow(InstanceNotRegisteredError);
      await owner.register(instance('orders', 'x-1'), { ttlMs: 30_000 });
      await expect(other.heartbeat('x-1')).rejects.toThrow(InstanceNotRegisteredError);
      await owner.deregister('x-1');
      await expect(owner.heartbeat('x-1')).rejects.toThrow(InstanceNotRegisteredError);
    });

    it('should let another owner take over an id whose entry expired', async () => {
      const [first, second] = [await ctx.registry(), await ctx.registry()];
      await first.register(instance('orders', 'x-1', { version: '1' }), { ttlMs });
      await sleep(ttlMs + 50);
      await second.register(instance('orders', 'x-1', { version: '2' }), { ttlMs: 30_000 });
      await expect(first.heartbeat('x-1')).rejects.toThrow(InstanceNotRegisteredError);
      expect((await first.list('orders')).map((i) => i.version)).toEqual(['2']);
    });
  });
}
