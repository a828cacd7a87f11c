import { MemoryRegistryAdapter } from '../registry/adapters/memory-registry.adapter';
import type { ServiceInstance } from '../registry/service-instance.interface';
import { contractInstance as instance } from '../registry/testing/contract-helpers.util';
import { eventually } from '../registry/testing/contract-helpers.util';
import { RegistryView } from './registry-view';

describe(RegistryView.name, () => {
  describe('start', () => {
    it('should keep the last good view, marked stale, when the consumer throws on a snapshot, and recover on the next', async () => {
      const registry = new MemoryRegistryAdapter();
      const applied: string[][] = [];
      const view = new RegistryView(registry, 'orders', (instances: readonly ServiceInstance[]) => {
        if (instances.some((i) => i.id === 'boom-1')) throw new TypeError("Cannot read properties of undefined (reading 'find')");
        applied.push(instances.map((i) => i.id));
      });
      try {
        await registry.register(instance('orders', 'a-1'), { ttlMs: 30_000 });
        await view.start();
        expect(view.instances.map((i) => i.id)).toEqual(['a-1']);

        // The memory adapter emits synchronously: an escape here would be an unhandled rxjs error.
        await registry.register(instance('orders', 'boom-1'), { ttlMs: 30_000 });
        expect(view.instances.map((i) => i.id)).toEqual(['a-1']);
        expect(view.isStale).toBe(true);

        await registry.deregister('boom-1');
        await registry.register(instance('orders', 'b-1'), { ttlMs: 30_000 });
        await eventually(() => expect(view.instances.map((i) => i.id)).toEqual(['a-1', 'b-1']), 2000);
        expect(view.isStale).toBe(false);
        expect(applied.at(-1)).toEqual(['a-1', 'b-1']);
      } finally {
        view.stop();
        await registry.close();
      }
    });
  });
});
