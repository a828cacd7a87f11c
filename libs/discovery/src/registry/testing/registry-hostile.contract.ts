/// <reference types="jest" />
import type { ServiceInstance } from '../service-instance.interface';
import { recordObservable, contractInstance as instance, type RegistryContractContext } from './contract-helpers.util';

const view = (snapshot: readonly ServiceInstance[]): string => snapshot.map((i) => i.id).join(',');

/** Entries that fail the shared instance schema, as a foreign or hostile writer could store them. */
function malformedEntries(now: number): Array<[string, unknown]> {
  const valid = { ...instance('orders', 'x'), registeredAt: now, renewedAt: now };
  return [
    // The entry of issue 15: id, service and renewedAt, but no endpoints nor metadata.
    ['bad-1', { id: 'bad-1', service: 'orders', renewedAt: now }],
    ['bad-2', { ...valid, id: 'bad-2', endpoints: 'tcp://127.0.0.1:4000' }],
    ['bad-3', { ...valid, id: 'bad-3', endpoints: [{ protocol: 'tcp', host: '127.0.0.1', port: '4000' }] }],
    ['bad-4', { ...valid, id: 'bad-4', endpoints: [{ protocol: 'carrier-pigeon', host: 'h', port: 1 }] }],
    ['bad-5', { ...valid, id: 'bad-5', metadata: { replicas: 3 } }],
    ['bad-6', { ...valid, id: 'bad-6', status: 'great' }],
    ['bad-7', { ...valid, id: 'bad-7', weight: 'heavy' }],
    ['bad-8', 'not an object'],
  ];
}

/** Entries that fail the instance schema: skipped everywhere, counted, the rest unaffected. */
export function describeRegistryHostileContract(ctx: RegistryContractContext): void {
  const { watchTimeoutMs } = ctx.timing;

  describe('malformed entries', () => {
    it('should skip entries that fail the instance schema in list and watch, count each once, and keep the valid ones', async () => {
      const [owner, reader] = [await ctx.registry(), await ctx.registry()];
      await owner.register(instance('orders', 'good-1'), { ttlMs: 30_000 });
      const recorder = recordObservable(reader.watch('orders'));
      try {
        await recorder.next((s) => view(s) === 'good-1', watchTimeoutMs, 'good-1');
        const bad = malformedEntries(Date.now());
        for (const [id, raw] of bad) await ctx.writeRawEntry('orders', id, raw);
        // A visible change after the malformed writes: the snapshot showing it was read after them.
        await owner.register(instance('orders', 'good-2'), { ttlMs: 30_000 });
        await recorder.next((s) => view(s) === 'good-1,good-2', watchTimeoutMs, 'good-1,good-2');
        expect(view(await reader.list('orders'))).toBe('good-1,good-2');
        // Read the malformed entries again (another change, another list): still counted once each.
        await owner.deregister('good-1');
        await recorder.next((s) => view(s) === 'good-2', watchTimeoutMs, 'good-2');
        expect(view(await reader.list('orders'))).toBe('good-2');
        expect(recorder.error).toBeUndefined();
        for (const snapshot of recorder.values) expect(view(snapshot)).toMatch(/^(good-\d,?)*$/);
        if (reader.stats) expect(reader.stats().invalidEntries).toBe(bad.length);
      } finally {
        recorder.unsubscribe();
      }
    });
  });
}
