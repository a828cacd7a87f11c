import { firstValueFrom } from 'rxjs';
import { InstanceNotRegisteredError } from '../../errors/instance-not-registered.error';
import { contractInstance as instance } from '../testing/contract-helpers.util';
import { describeServiceRegistryContract } from '../testing/service-registry.contract';
import { MemoryRegistryAdapter } from './memory-registry.adapter';
import { MemoryRegistryStore } from './memory-registry.store';
import type { ServiceInstance } from '../service-instance.interface';

describeServiceRegistryContract('MemoryRegistryAdapter', () => {
  const store = new MemoryRegistryStore();
  return {
    createRegistry: () => new MemoryRegistryAdapter({ store }),
    writeRawEntry: (service, id, raw) => {
      // NOTE: the store keys entries by instance; a non-object instance is wrapped so it can be keyed.
      const entry = typeof raw === 'object' && raw !== null ? raw : { id, service, raw };
      const instance = { ...entry, id, service } as unknown as ServiceInstance;
      store.put({ instance, ownerId: 'hostile', ttlMs: 60_000, expiresAt: store.now() + 60_000 }, true);
    },
  };
});

describe(MemoryRegistryAdapter.name, () => {
  let clock: number;
  let store: MemoryRegistryStore;
  const now = (): number => clock;

  beforeEach(() => {
    clock = 1_000_000;
    store = new MemoryRegistryStore({ now });
  });

  describe('list', () => {
    it('should hide entries past their TTL on the injected clock, without timers', async () => {
      const registry = new MemoryRegistryAdapter({ store });
      await registry.register(instance('orders', 'x-1'), { ttlMs: 1000 });
      clock += 999;
      expect(await registry.list('orders')).toHaveLength(1);
      clock += 1;
      expect(await registry.list('orders')).toEqual([]);
      await expect(registry.heartbeat('x-1')).rejects.toThrow(InstanceNotRegisteredError);
    });

    it('should return frozen copies that callers cannot use to change the store', async () => {
      const registry = new MemoryRegistryAdapter({ store });
      const registration = instance('orders', 'x-1', { metadata: { a: '1' } });
      await registry.register(registration, { ttlMs: 1000 });
      registration.metadata.a = 'changed';
      const [listed] = await registry.list('orders');
      expect(listed.metadata).toEqual({ a: '1' });
      expect(Object.isFrozen(listed.metadata)).toBe(true);
    });
  });

  describe('watch', () => {
    it('should emit the expiry when sweep() runs on an advanced clock', async () => {
      const registry = new MemoryRegistryAdapter({ store });
      await registry.register(instance('orders', 'x-1'), { ttlMs: 1000 });
      const seen: number[] = [];
      const subscription = registry.watch('orders').subscribe((snapshot) => seen.push(snapshot.length));
      clock += 1000;
      store.sweep();
      subscription.unsubscribe();
      expect(seen).toEqual([1, 0]);
    });

    it('should emit synchronously and in order when a subscriber changes the store', async () => {
      const registry = new MemoryRegistryAdapter({ store });
      const seen: string[] = [];
      const subscription = registry.watch('orders').subscribe((snapshot) => {
        seen.push(snapshot.map((i) => i.id).join(','));
        if (snapshot.length === 1) void registry.register(instance('orders', 'y-1'), { ttlMs: 1000 });
      });
      await registry.register(instance('orders', 'x-1'), { ttlMs: 1000 });
      subscription.unsubscribe();
      expect(seen).toEqual(['', 'x-1', 'x-1,y-1']);
    });
  });

  describe('constructor', () => {
    it('should use a private store by default', async () => {
      const [a, b] = [new MemoryRegistryAdapter(), new MemoryRegistryAdapter()];
      await a.register(instance('orders', 'x-1'), { ttlMs: 1000 });
      expect(await firstValueFrom(b.watch('orders'))).toEqual([]);
      await Promise.all([a.close(), b.close()]);
    });
  });
});
