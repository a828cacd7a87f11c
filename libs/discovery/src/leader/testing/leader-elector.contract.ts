/// <reference types="jest" />
import { firstValueFrom } from 'rxjs';
import { InvalidCandidateIdError } from '../../errors/invalid-candidate-id.error';
import { InvalidGroupNameError } from '../../errors/invalid-group-name.error';
import { InvalidTtlError } from '../../errors/invalid-ttl.error';
import { LeadershipLostError } from '../../errors/leadership-lost.error';
import { RegistryClosedError } from '../../errors/registry-closed.error';
import { recordObservable, sleep } from '../../registry/testing/contract-helpers.util';
import type { LeaderElector, LeadershipState } from '../leader-elector.interface';
import { describeLeaderSafetyContract } from './leader-safety.contract';

/**
 * A leader-election backend under contract test, built fresh for every test.
 *
 * @publicApi
 */
export interface LeaderElectorContractHarness {
  /** A new elector (client identity) on this test's backend. The suite closes it. */
  createElector(): LeaderElector | Promise<LeaderElector>;
  /** Releases the backend after the test's electors are closed. */
  dispose?(): void | Promise<void>;
}

/**
 * Timing of the leader contract suite.
 *
 * @publicApi
 */
export interface LeaderElectorContractOptions {
  /** Lease TTL used by the tests. Default 300. */
  ttlMs?: number;
  /** How long to wait for a watch emission (after expiry included). Default 2000. */
  watchTimeoutMs?: number;
  /** Length of the many-campaigners safety run. Default 2500. */
  stressDurationMs?: number;
}

/** What each section of the leader contract receives. */
export interface LeaderContractContext {
  elector(): Promise<LeaderElector>;
  readonly timing: Required<LeaderElectorContractOptions>;
}

const show = (state: LeadershipState): string => (state ? `${state.leaderId}#${state.fencingToken}` : 'none');

/**
 * Registers the shared `LeaderElector` contract as a jest suite: one leader at a time
 * among concurrent campaigners, strictly increasing fencing tokens, takeover on expiry,
 * handover on resign, renew after loss, watch, validation and close. Real time, short TTLs.
 *
 * @publicApi
 */
export function describeLeaderElectorContract(
  name: string,
  factory: () => LeaderElectorContractHarness | Promise<LeaderElectorContractHarness>,
  options: LeaderElectorContractOptions = {},
): void {
  const timing: Required<LeaderElectorContractOptions> = { ttlMs: 300, watchTimeoutMs: 2000, stressDurationMs: 2500, ...options };
  const { ttlMs, watchTimeoutMs } = timing;

  describe(`${name} (LeaderElector contract)`, () => {
    let harness: Promise<LeaderElectorContractHarness> | undefined;
    let electors: LeaderElector[] = [];
    const ctx: LeaderContractContext = {
      timing,
      async elector() {
        harness ??= Promise.resolve(factory());
        const elector = await (await harness).createElector();
        electors.push(elector);
        return elector;
      },
    };

    afterEach(async () => {
      await Promise.all(electors.map((elector) => elector.close()));
      electors = [];
      await (await harness)?.dispose?.();
      harness = undefined;
    });

    describe('campaign', () => {
      it('should grant the first candidate a lease and refuse others while it is live', async () => {
        const [a, b] = [await ctx.elector(), await ctx.elector()];
        const before = Date.now();
        const lease = await a.campaign('jobs', 'a', { ttlMs });
        expect(lease).toMatchObject({ group: 'jobs', leaderId: 'a', ttlMs });
        expect(lease!.fencingToken).toBeGreaterThan(0);
        expect(lease!.expiresAt).toBeGreaterThanOrEqual(before + ttlMs);
        expect(lease!.validUntil).toBeLessThan(lease!.expiresAt);
        expect(lease!.validUntil).toBeGreaterThan(Date.now());

        expect(await b.campaign('jobs', 'b', { ttlMs })).toBeNull();
        expect(await b.campaign('jobs', 'a', { ttlMs })).toBeNull();
        expect(await b.current('jobs')).toEqual({ leaderId: 'a', fencingToken: lease!.fencingToken, expiresAt: lease!.expiresAt });
        expect(await b.campaign('other', 'b', { ttlMs })).not.toBeNull();
      });

      it('should renew the term when the holder campaigns again', async () => {
        const a = await ctx.elector();
        const first = await a.campaign('jobs', 'a', { ttlMs });
        await sleep(20);
        const again = await a.campaign('jobs', 'a', { ttlMs });
        expect(again!.fencingToken).toBe(first!.fencingToken);
        expect(again!.expiresAt).toBeGreaterThan(first!.expiresAt);
      });

      it('should validate group, candidate and ttl', async () => {
        const a = await ctx.elector();
        await expect(a.campaign('Jobs!', 'a', { ttlMs })).rejects.toThrow(InvalidGroupNameError);
        await expect(a.campaign('jobs', '', { ttlMs })).rejects.toThrow(InvalidCandidateIdError);
        await expect(a.campaign('jobs', 'a', { ttlMs: 0 })).rejects.toThrow(InvalidTtlError);
        await expect(a.current('../x')).rejects.toThrow(InvalidGroupNameError);
      });
    });

    describe('renew', () => {
      it('should extend a live lease with the same token', async () => {
        const a = await ctx.elector();
        const lease = await a.campaign('jobs', 'a', { ttlMs });
        await sleep(ttlMs / 3);
        const renewed = await a.renew(lease!);
        expect(renewed.fencingToken).toBe(lease!.fencingToken);
        expect(renewed.acquiredAt).toBe(lease!.acquiredAt);
        expect(renewed.expiresAt).toBeGreaterThan(lease!.expiresAt);
      });

      it('should throw LeadershipLostError after expiry even if nobody took over, and give a new term after', async () => {
        const a = await ctx.elector();
        const lease = await a.campaign('jobs', 'a', { ttlMs });
        await sleep(ttlMs + 30);
        await expect(a.renew(lease!)).rejects.toThrow(LeadershipLostError);
        expect(await a.current('jobs')).toBeNull();
        const next = await a.campaign('jobs', 'a', { ttlMs });
        expect(next!.fencingToken).toBeGreaterThan(lease!.fencingToken);
      });

      it('should throw LeadershipLostError for a lease of another elector', async () => {
        const [a, b] = [await ctx.elector(), await ctx.elector()];
        const lease = await a.campaign('jobs', 'a', { ttlMs });
        await expect(b.renew(lease!)).rejects.toThrow(LeadershipLostError);
        await b.resign(lease!);
        expect((await a.current('jobs'))?.leaderId).toBe('a');
      });
    });

    describe('takeover', () => {
      it('should let another candidate take over after expiry with a higher token', async () => {
        const [a, b] = [await ctx.elector(), await ctx.elector()];
        const first = await a.campaign('jobs', 'a', { ttlMs });
        expect(await b.campaign('jobs', 'b', { ttlMs })).toBeNull();
        await sleep(ttlMs + 30);
        const second = await b.campaign('jobs', 'b', { ttlMs });
        expect(second!.fencingToken).toBeGreaterThan(first!.fencingToken);
        expect(second!.acquiredAt).toBeGreaterThanOrEqual(first!.expiresAt);
        await expect(a.renew(first!)).rejects.toThrow(LeadershipLostError);
        expect((await a.current('jobs'))?.leaderId).toBe('b');
      });

      it('should hand over at once on resign, ignore stale resigns, and never reuse tokens', async () => {
        const [a, b] = [await ctx.elector(), await ctx.elector()];
        const first = await a.campaign('jobs', 'a', { ttlMs: 30_000 });
        await a.resign(first!);
        await a.resign(first!);
        expect(await b.current('jobs')).toBeNull();
        const second = await b.campaign('jobs', 'b', { ttlMs });
        expect(second!.fencingToken).toBeGreaterThan(first!.fencingToken);
        await a.resign(first!);
        await expect(a.renew(first!)).rejects.toThrow(LeadershipLostError);
        expect((await a.current('jobs'))?.leaderId).toBe('b');

        await sleep(ttlMs + 30); // every holder gone; a brand-new elector continues the sequence
        const third = await (await ctx.elector()).campaign('jobs', 'c', { ttlMs });
        expect(third!.fencingToken).toBeGreaterThan(second!.fencingToken);
      });
    });

    describe('watch', () => {
      it('should emit the current leader first, then every change, null on resign and expiry', async () => {
        const [a, b, watcher] = [await ctx.elector(), await ctx.elector(), await ctx.elector()];
        const recorder = recordObservable(watcher.watch('jobs'));
        try {
          await recorder.next((s) => s === null, watchTimeoutMs, 'none');
          const first = await a.campaign('jobs', 'a', { ttlMs: 30_000 });
          await recorder.next((s) => s?.leaderId === 'a', watchTimeoutMs, 'a');
          await a.renew(first!);
          await a.resign(first!);
          await recorder.next((s) => s === null, watchTimeoutMs, 'none after resign');
          const second = await b.campaign('jobs', 'b', { ttlMs });
          await recorder.next((s) => s?.leaderId === 'b', watchTimeoutMs, 'b');
          await recorder.next((s) => s === null, watchTimeoutMs + ttlMs, 'none after expiry');
          expect(recorder.values.map(show)).toEqual(['none', `a#${first!.fencingToken}`, 'none', `b#${second!.fencingToken}`, 'none']);
        } finally {
          recorder.unsubscribe();
        }
      });
    });

    describe('close', () => {
      it('should complete watches and reject operations afterwards', async () => {
        const a = await ctx.elector();
        const recorder = recordObservable(a.watch('jobs'));
        await recorder.next(() => true, watchTimeoutMs);
        await a.close();
        await a.close();
        expect(recorder.isComplete).toBe(true);
        await expect(a.campaign('jobs', 'a', { ttlMs })).rejects.toThrow(RegistryClosedError);
        await expect(firstValueFrom(a.watch('jobs'))).rejects.toThrow(RegistryClosedError);
      });
    });

    describeLeaderSafetyContract(ctx);
  });
}
