/// <reference types="jest" />
import { firstValueFrom } from 'rxjs';
import { InvalidServiceNameError } from '../../errors/invalid-service-name.error';
import { RegistryClosedError } from '../../errors/registry-closed.error';
import type { ServiceInstance } from '../service-instance.interface';
import { recordObservable, sleep, contractInstance as instance, type RegistryContractContext } from './contract-helpers.util';

/** `id:status` of each instance: what the watch tests compare. */
const view = (snapshot: readonly ServiceInstance[]): string => snapshot.map((i) => `${i.id}:${i.status}`).join(',');

/** Snapshot watches: initial snapshot, ordering, no emission on renewal, close. */
export function describeRegistryWatchContract(ctx: RegistryContractContext): void {
  const { ttlMs, expiryToleranceMs, watchTimeoutMs, quietPeriodMs } = ctx.timing;

  describe('watch', () => {
    it('should emit the current snapshot first, even when empty', async () => {
      const [owner, watcher] = [await ctx.registry(), await ctx.registry()];
      expect(await firstValueFrom(watcher.watch('orders'))).toEqual([]);
      await owner.register(instance('orders', 'x-1'), { ttlMs: 30_000 });
      expect(view(await firstValueFrom(watcher.watch('orders')))).toBe('x-1:passing');
    });

    it('should emit ordered full snapshots on add, status change, remove and expiry', async () => {
      const [owner, watcher] = [await ctx.registry(), await ctx.registry()];
      await owner.register(instance('orders', 'a-1'), { ttlMs: 30_000 });
      const recorder = recordObservable(watcher.watch('orders'));
      const step = (expected: string): Promise<unknown> =>
        recorder.next((s) => view(s) === expected, watchTimeoutMs + expiryToleranceMs, expected);
      try {
        await step('a-1:passing');
        await owner.register(instance('orders', 'b-1'), { ttlMs: 30_000 });
        await step('a-1:passing,b-1:passing');
        await owner.heartbeat('b-1', { status: 'draining' });
        await step('a-1:passing,b-1:draining');
        await owner.deregister('a-1');
        await step('b-1:draining');
        await owner.register(instance('orders', 'c-1'), { ttlMs });
        await step('b-1:draining,c-1:passing');
        await step('b-1:draining');
        expect(recorder.values.map(view)).toEqual([
          'a-1:passing',
          'a-1:passing,b-1:passing',
          'a-1:passing,b-1:draining',
          'b-1:draining',
          'b-1:draining,c-1:passing',
          'b-1:draining',
        ]);
      } finally {
        recorder.unsubscribe();
      }
    });

    it('should not emit for heartbeats that only renew the lease', async () => {
      const [owner, watcher] = [await ctx.registry(), await ctx.registry()];
      await owner.register(instance('orders', 'x-1'), { ttlMs: 30_000 });
      const recorder = recordObservable(watcher.watch('orders'));
      try {
        await recorder.next((s) => s.length === 1, watchTimeoutMs);
        for (let n = 0; n < 3; n++) {
          await owner.heartbeat('x-1');
          await owner.heartbeat('x-1', { status: 'passing' });
          await sleep(quietPeriodMs / 3);
        }
        expect(recorder.values).toHaveLength(1);
      } finally {
        recorder.unsubscribe();
      }
    });

    it('should deliver rapid changes in order, each snapshot consistent with the ones before', async () => {
      const [owner, watcher] = [await ctx.registry(), await ctx.registry()];
      const all = Array.from({ length: 10 }, (_v, n) => `i-${n}`);
      const recorder = recordObservable(watcher.watch('orders'));
      try {
        await recorder.next((s) => s.length === 0, watchTimeoutMs);
        for (const id of all) await owner.register(instance('orders', id), { ttlMs: 30_000 });
        await recorder.next((s) => s.length === all.length, watchTimeoutMs);
        // Registration order equals id order, so every snapshot must be a prefix of `all`.
        let previous = -1;
        for (const snapshot of recorder.values) {
          expect(snapshot.map((i) => i.id)).toEqual(all.slice(0, snapshot.length));
          expect(snapshot.length).toBeGreaterThan(previous);
          previous = snapshot.length;
        }
      } finally {
        recorder.unsubscribe();
      }
    });

    it('should show 20 parallel registrations to a watcher', async () => {
      const owners = await Promise.all(Array.from({ length: 20 }, () => ctx.registry()));
      const recorder = recordObservable((await ctx.registry()).watch('orders'));
      try {
        await Promise.all(owners.map((owner, n) => owner.register(instance('orders', `i-${n}`), { ttlMs: 30_000 })));
        await recorder.next((s) => s.length === 20, watchTimeoutMs);
      } finally {
        recorder.unsubscribe();
      }
    });

    it('should error for an invalid service name', async () => {
      const registry = await ctx.registry();
      await expect(firstValueFrom(registry.watch('Not_Valid'))).rejects.toThrow(InvalidServiceNameError);
    });

    it('should complete open watches on close and stop emitting', async () => {
      const [owner, watcher] = [await ctx.registry(), await ctx.registry()];
      const recorder = recordObservable(watcher.watch('orders'));
      await recorder.next(() => true, watchTimeoutMs);
      await watcher.close();
      expect(recorder.isComplete).toBe(true);
      await owner.register(instance('orders', 'x-1'), { ttlMs: 30_000 });
      await sleep(quietPeriodMs);
      expect(recorder.values).toHaveLength(1);
      await expect(firstValueFrom(watcher.watch('orders'))).rejects.toThrow(RegistryClosedError);
    });
  });
}
