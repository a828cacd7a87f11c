import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { BehaviorSubject, distinctUntilChanged, map, type Observable, type Subscription } from 'rxjs';
import { DISCOVERY_MODULE_OPTIONS } from '../discovery.module-definition';
import type { ServiceDiscoveryModuleOptions } from '../interfaces/discovery-options.interface';
import { InstanceRegistrar } from '../registration/instance-registrar';
import { resolveTiming } from '../registration/discovery-timing.util';
import { DEFAULT_LEADER_GROUP, LEADER_ELECTOR } from './leader.constants';
import type { LeaderElector, LeadershipLease } from './leader-elector.interface';

/**
 * What `leader$` emits: who leads a group (null while nobody does) and whether it is us.
 *
 * @publicApi
 */
export interface LeaderState {
  group: string;
  leaderId: string;
  fencingToken: number;
  isLocal: boolean;
}

interface GroupState {
  lease?: LeadershipLease;
  timer?: NodeJS.Timeout;
  watch?: Subscription;
  state: BehaviorSubject<LeaderState | null>;
  firstAttempt: Promise<void>;
}

/**
 * Leader election per group on the registry's backend. `campaign(group)` keeps this
 * instance in the running until `resign(group)` or shutdown; while it leads it renews its
 * lease every third of the TTL and holds a fencing token that strictly increases across
 * leaderships. Leadership ends locally at the lease's `validUntil` if a renewal fails, so
 * a partitioned leader stops acting before anyone else can be elected.
 *
 * @publicApi
 */
@Injectable()
export class LeaderElection implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('LeaderElection');
  private readonly groups = new Map<string, GroupState>();
  private readonly ttlMs: number;

  constructor(
    @Inject(LEADER_ELECTOR) private readonly elector: LeaderElector,
    @Inject(DISCOVERY_MODULE_OPTIONS) private readonly options: ServiceDiscoveryModuleOptions,
    private readonly registrar: InstanceRegistrar,
  ) {
    this.ttlMs = resolveTiming(options).ttlMs;
  }

  /** This instance's candidate id (its registry instance id). */
  get candidateId(): string {
    return this.registrar.instanceId;
  }

  /** Joins the election of `group`; resolves after the first attempt with whether we lead. */
  async campaign(group = DEFAULT_LEADER_GROUP): Promise<boolean> {
    let entry = this.groups.get(group);
    if (!entry) {
      const state = new BehaviorSubject<LeaderState | null>(null);
      entry = { state, firstAttempt: Promise.resolve() };
      this.groups.set(group, entry);
      const current = entry;
      current.watch = this.elector.watch(group).subscribe({
        next: (leader) => {
          // NOTE: a throw here would surface through rxjs as an unhandled error and end the process.
          try {
            this.onObserved(group, current, leader);
          } catch (error) {
            this.logger.error(`leader watch of '${group}': ${(error as Error)?.message ?? String(error)}`);
          }
        },
        error: (error: unknown) => this.logger.warn(`leader watch of '${group}' failed: ${String(error)}`),
      });
      current.firstAttempt = this.tick(group, current);
    }
    await entry.firstAttempt;
    return this.isLeader(group);
  }

  /** Leaves the election of `group`, handing leadership over at once if we hold it. */
  async resign(group = DEFAULT_LEADER_GROUP): Promise<void> {
    const entry = this.groups.get(group);
    if (!entry) return;
    this.groups.delete(group);
    clearTimeout(entry.timer);
    entry.watch?.unsubscribe();
    const lease = entry.lease;
    entry.lease = undefined;
    entry.state.next(null);
    entry.state.complete();
    if (lease) await this.elector.resign(lease).catch((error: unknown) => this.logger.warn(`resign failed: ${String(error)}`));
  }

  /** True while this instance holds a lease of `group` that has not reached `validUntil`. */
  isLeader(group = DEFAULT_LEADER_GROUP): boolean {
    const lease = this.groups.get(group)?.lease;
    return lease !== undefined && Date.now() < lease.validUntil;
  }

  /** The fencing token of our current leadership of `group`, or undefined when not leading. */
  fencingToken(group = DEFAULT_LEADER_GROUP): number | undefined {
    return this.isLeader(group) ? this.groups.get(group)?.lease?.fencingToken : undefined;
  }

  /** Who leads `group`, live. Campaign first to take part; watching alone does not (it only watches). */
  leader$(group = DEFAULT_LEADER_GROUP): Observable<LeaderState | null> {
    const entry = this.groups.get(group);
    // NOTE: watching alone must not campaign: a pure watcher (shouldRegister: false) took the lease.
    const source: Observable<LeaderState | null> =
      entry?.state ??
      this.elector.watch(group).pipe(
        map((leader) =>
          leader
            ? {
                group,
                leaderId: leader.leaderId,
                fencingToken: leader.fencingToken,
                isLocal: leader.leaderId === this.candidateId && this.isLeader(group),
              }
            : null,
        ),
      );
    return source.pipe(
      distinctUntilChanged((a, b) => a?.leaderId === b?.leaderId && a?.fencingToken === b?.fencingToken && a?.isLocal === b?.isLocal),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.groups.keys()].map((group) => this.resign(group)));
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.options.leaderElector) await this.elector.close();
  }

  private onObserved(group: string, entry: GroupState, leader: { leaderId: string; fencingToken: number } | null): void {
    if (this.groups.get(group) !== entry) return;
    const isLocal = leader !== null && leader.leaderId === this.candidateId && this.isLeader(group);
    entry.state.next(leader ? { group, leaderId: leader.leaderId, fencingToken: leader.fencingToken, isLocal } : null);
    // Nobody leads: try now instead of waiting for the next tick.
    if (leader === null && !entry.lease) {
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => void this.tick(group, entry), 0);
    }
  }

  private async tick(group: string, entry: GroupState): Promise<void> {
    if (this.groups.get(group) !== entry) return;
    try {
      if (entry.lease) {
        entry.lease = await this.elector.renew(entry.lease);
      } else {
        const lease = await this.elector.campaign(group, this.candidateId, { ttlMs: this.ttlMs });
        if (lease) {
          entry.lease = lease;
          this.logger.log({ message: 'became leader', group, fencingToken: lease.fencingToken });
        }
      }
    } catch (error) {
      if (entry.lease) this.logger.warn({ message: 'lost leadership', group, reason: (error as Error).message });
      entry.lease = undefined;
    }
    if (this.groups.get(group) !== entry) return;
    const lease = entry.lease;
    entry.state.next(
      lease
        ? { group, leaderId: lease.leaderId, fencingToken: lease.fencingToken, isLocal: true }
        : entry.state.value?.isLocal
          ? null
          : entry.state.value,
    );
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void this.tick(group, entry), Math.max(10, Math.floor(this.ttlMs / 3)));
    entry.timer.unref();
  }
}
