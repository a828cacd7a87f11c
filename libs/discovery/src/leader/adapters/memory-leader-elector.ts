import { randomUUID } from 'node:crypto';
import { Observable, type Subscriber } from 'rxjs';
import { LeadershipLostError } from '../../errors/leadership-lost.error';
import { RegistryClosedError } from '../../errors/registry-closed.error';
import { assertCandidateId, assertGroupName, assertTtl } from '../../utils/validation.util';
import type { CampaignOptions, LeaderElector, LeaderInfo, LeadershipLease, LeadershipState } from '../leader-elector.interface';
import {
  campaignTransition,
  defaultSafetyMarginMs,
  isSameLeadershipState,
  liveHolder,
  renewTransition,
  resignTransition,
  toLeaderInfo,
  toLease,
  toLeadershipState,
} from '../leader-state.util';
import type { MemoryLeaderElectorOptions } from './memory-leader-elector.options';
import { MemoryLeaderStore } from './memory-leader.store';

/**
 * `memory://` leader election: candidates in one process, sharing a {@link MemoryLeaderStore}.
 * Operations are synchronous on the store, so they are trivially atomic. Fencing tokens
 * increase for the life of the store.
 *
 * @publicApi
 */
export class MemoryLeaderElector implements LeaderElector {
  /** This elector's client identity (random). */
  readonly ownerId = randomUUID();
  readonly store: MemoryLeaderStore;
  private readonly safetyMarginMs: number | undefined;
  private readonly watchers = new Set<Subscriber<LeadershipState>>();
  private isClosed = false;

  constructor(options: MemoryLeaderElectorOptions = {}) {
    this.store = options.store ?? new MemoryLeaderStore({ now: options.now });
    this.safetyMarginMs = options.safetyMarginMs;
  }

  async campaign(group: string, candidateId: string, opts: CampaignOptions): Promise<LeadershipLease | null> {
    this.assertOpen();
    assertGroupName(group);
    assertCandidateId(candidateId);
    assertTtl(opts?.ttlMs);
    const candidate = { leaderId: candidateId, ownerId: this.ownerId, ttlMs: opts.ttlMs };
    const { state, holder } = campaignTransition(this.store.get(group), candidate, this.store.now());
    if (!holder) return null;
    this.store.set(group, state);
    return toLease(group, holder, this.marginFor(holder.ttlMs));
  }

  async renew(lease: LeadershipLease): Promise<LeadershipLease> {
    this.assertOpen();
    const renewed = renewTransition(this.store.get(lease.group), lease, this.ownerId, this.store.now());
    if (!renewed) throw new LeadershipLostError(lease.group, lease.leaderId, lease.fencingToken);
    this.store.set(lease.group, renewed.state);
    return toLease(lease.group, renewed.holder, this.marginFor(renewed.holder.ttlMs));
  }

  async resign(lease: LeadershipLease): Promise<void> {
    this.assertOpen();
    const state = resignTransition(this.store.get(lease.group), lease, this.ownerId, this.store.now());
    if (state) this.store.set(lease.group, state);
  }

  async current(group: string): Promise<LeaderInfo | null> {
    this.assertOpen();
    assertGroupName(group);
    return toLeaderInfo(liveHolder(this.store.get(group), this.store.now()));
  }

  watch(group: string): Observable<LeadershipState> {
    return new Observable<LeadershipState>((subscriber) => {
      if (this.isClosed) return subscriber.error(new RegistryClosedError(MemoryLeaderElector.name));
      try {
        assertGroupName(group);
      } catch (error) {
        return subscriber.error(error);
      }
      let last: LeadershipState | undefined;
      const emit = (): void => {
        const state = toLeadershipState(liveHolder(this.store.get(group), this.store.now()));
        if (isSameLeadershipState(last, state)) return;
        last = state;
        subscriber.next(state);
      };
      this.watchers.add(subscriber);
      const unsubscribe = this.store.subscribe(group, emit);
      emit();
      return () => {
        unsubscribe();
        this.watchers.delete(subscriber);
      };
    });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const subscriber of [...this.watchers]) subscriber.complete();
    this.watchers.clear();
  }

  private marginFor(ttlMs: number): number {
    return this.safetyMarginMs ?? defaultSafetyMarginMs(ttlMs);
  }

  private assertOpen(): void {
    if (this.isClosed) throw new RegistryClosedError(MemoryLeaderElector.name);
  }
}
