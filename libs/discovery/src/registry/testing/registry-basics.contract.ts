/// <reference types="jest" />
import { DuplicateInstanceError } from '../../errors/duplicate-instance.error';
import { InvalidInstanceIdError } from '../../errors/invalid-instance-id.error';
import { InvalidServiceNameError } from '../../errors/invalid-service-name.error';
import { InvalidTtlError } from '../../errors/invalid-ttl.error';
import { RegistryClosedError } from '../../errors/registry-closed.error';
import { contractInstance as instance, type RegistryContractContext } from './contract-helpers.util';
import type { ServiceInstance } from '../service-instance.interface';

const ids = (instances: readonly ServiceInstance[]): string[] => instances.map((i) => i.id);
const LONG_TTL = 30_000;

/** register / list / deregister, validation, duplicates, concurrency and close. */
export function describeRegistryBasicsContract(ctx: RegistryContractContext): void {
  describe('register / list / deregister', () => {
    it('should list live instances of a service sorted by id, with registry timestamps', async () => {
      const registry = await ctx.registry();
      const before = Date.now();
      await registry.register(instance('orders', 'b-2'), { ttlMs: LONG_TTL });
      await registry.register(instance('orders', 'a-1', { registeredAt: 1, renewedAt: 1 }), { ttlMs: LONG_TTL });
      await registry.register(instance('billing', 'c-3'), { ttlMs: LONG_TTL });

      const listed = await registry.list('orders');
      expect(ids(listed)).toEqual(['a-1', 'b-2']);
      for (const entry of listed) {
        expect(entry.registeredAt).toBeGreaterThanOrEqual(before - 1000);
        expect(entry.renewedAt).toBe(entry.registeredAt);
      }
      expect(await registry.list('unknown')).toEqual([]);
      expect(await registry.services()).toEqual(['billing', 'orders']);
    });

    it('should round-trip every registered field', async () => {
      const [writer, reader] = [await ctx.registry(), await ctx.registry()];
      const full = instance('orders', 'full-1', {
        version: '2.3.4',
        zone: 'eu-1',
        weight: 3,
        metadata: { team: 'core' },
        status: 'starting',
        endpoints: [
          { protocol: 'grpc', host: '10.0.0.1', port: 50051, grpcPackage: 'orders', grpcServices: ['Orders'] },
          { protocol: 'mqtt', host: 'broker', port: 1883, mqttTopicBase: 'orion/orders' },
        ],
        load: { inFlight: 1, requestsPerSecond: 2, latencyEwmaMs: 3, eventLoopUtilization: 0.4, eventLoopLagMs: 5 },
      });
      await writer.register(full, { ttlMs: LONG_TTL });
      const [listed] = await reader.list('orders');
      expect(listed).toEqual({ ...full, registeredAt: expect.any(Number), renewedAt: expect.any(Number) });
    });

    it('should replace an entry re-registered by the same owner, and move it across services', async () => {
      const registry = await ctx.registry();
      await registry.register(instance('orders', 'x-1', { version: '1' }), { ttlMs: LONG_TTL });
      await registry.register(instance('orders', 'x-1', { version: '2' }), { ttlMs: LONG_TTL });
      expect((await registry.list('orders')).map((i) => i.version)).toEqual(['2']);

      await registry.register(instance('billing', 'x-1'), { ttlMs: LONG_TTL });
      expect(await registry.list('orders')).toEqual([]);
      expect(ids(await registry.list('billing'))).toEqual(['x-1']);
    });

    it("should deregister idempotently and never remove another owner's entry", async () => {
      const [owner, other] = [await ctx.registry(), await ctx.registry()];
      await owner.register(instance('orders', 'x-1'), { ttlMs: LONG_TTL });
      await other.deregister('x-1');
      expect(ids(await other.list('orders'))).toEqual(['x-1']);

      await owner.deregister('x-1');
      await owner.deregister('x-1');
      await owner.deregister('never-registered');
      expect(await other.list('orders')).toEqual([]);
      expect(await other.services()).toEqual([]);
    });
  });

  describe('validation', () => {
    it('should reject invalid service names, naming the bad value', async () => {
      const registry = await ctx.registry();
      for (const bad of ['Orders', 'orders_v2', '1orders', '', 'a'.repeat(64), '../etc']) {
        await expect(registry.register(instance(bad, 'x-1'), { ttlMs: LONG_TTL })).rejects.toThrow(InvalidServiceNameError);
        await expect(registry.list(bad)).rejects.toThrow(JSON.stringify(bad));
      }
      expect(await registry.services()).toEqual([]);
    });

    it('should reject invalid ttls and instance ids', async () => {
      const registry = await ctx.registry();
      for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(registry.register(instance('orders', 'x-1'), { ttlMs })).rejects.toThrow(InvalidTtlError);
      }
      for (const id of ['', '../x', '.hidden', 'a/b', 'x'.repeat(129)]) {
        await expect(registry.register(instance('orders', id), { ttlMs: LONG_TTL })).rejects.toThrow(InvalidInstanceIdError);
      }
      expect(await registry.list('orders')).toEqual([]);
    });
  });

  describe('duplicate ids', () => {
    it('should reject an id registered by another live owner and keep the original', async () => {
      const [first, second] = [await ctx.registry(), await ctx.registry()];
      await first.register(instance('orders', 'x-1', { version: '1' }), { ttlMs: LONG_TTL });
      await expect(second.register(instance('orders', 'x-1', { version: '2' }), { ttlMs: LONG_TTL })).rejects.toThrow(
        DuplicateInstanceError,
      );
      expect((await second.list('orders')).map((i) => i.version)).toEqual(['1']);
    });

    it('should let exactly one of many owners racing for the same id win', async () => {
      const owners = await Promise.all(Array.from({ length: 10 }, () => ctx.registry()));
      const results = await Promise.allSettled(
        owners.map((owner, n) => owner.register(instance('orders', 'x-1', { version: String(n) }), { ttlMs: LONG_TTL })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DuplicateInstanceError);
      expect(await owners[0].list('orders')).toHaveLength(1);
    });
  });

  describe('concurrent writers', () => {
    it('should show all of 20 owners registering in parallel', async () => {
      const owners = await Promise.all(Array.from({ length: 20 }, () => ctx.registry()));
      const reader = await ctx.registry();
      const expected = owners.map((_o, n) => `i-${String(n).padStart(2, '0')}`);
      await Promise.all(owners.map((owner, n) => owner.register(instance('orders', expected[n]), { ttlMs: LONG_TTL })));
      expect(ids(await reader.list('orders'))).toEqual(expected);

      await Promise.all(owners.map((owner, n) => owner.heartbeat(expected[n], { status: 'warning' })));
      expect((await reader.list('orders')).every((i) => i.status === 'warning')).toBe(true);
    });
  });

  describe('close', () => {
    it('should reject operations after close, close idempotently, and keep entries until their TTL', async () => {
      const [registry, reader] = [await ctx.registry(), await ctx.registry()];
      await registry.register(instance('orders', 'x-1'), { ttlMs: LONG_TTL });
      await registry.close();
      await registry.close();

      await expect(registry.register(instance('orders', 'y-1'), { ttlMs: LONG_TTL })).rejects.toThrow(RegistryClosedError);
      await expect(registry.heartbeat('x-1')).rejects.toThrow(RegistryClosedError);
      await expect(registry.list('orders')).rejects.toThrow(RegistryClosedError);
      expect(ids(await reader.list('orders'))).toEqual(['x-1']);
    });
  });
}
