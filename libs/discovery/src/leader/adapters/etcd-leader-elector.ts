import { randomUUID } from 'node:crypto';
import type { Etcd3, IKeyValue } from 'etcd3';
import { Observable, type Subscriber } from 'rxjs';
import { DiscoveryError } from '../../errors/discovery.error';
import { LeadershipLostError } from '../../errors/leadership-lost.error';
import { RegistryClosedError } from '../../errors/registry-closed.error';
import { createEtcdClient, resolveEtcdConnection, type EtcdConnectionTarget } from '../../registry/adapters/etcd-connection.util';
import {
  ETCD_EXPIRY_GRACE_MS,
  grantLease,
  keepLeaseAlive,
  leaseSeconds,
  leaseState,
  revokeLease,
  waitForKeyChange,
} from '../../registry/adapters/etcd-lease.util';
import { startEtcdRangeWatch } from '../../registry/adapters/etcd-range-watch.util';
import { etcdRegistryKeys as keys } from '../../registry/adapters/etcd-registry-record.util';
import { EtcdUnavailableError } from '../../registry/adapters/etcd-unavailable.error';
import { assertCandidateId, assertGroupName, assertTtl } from '../../utils/validation.util';
import type { CampaignOptions, LeaderElector, LeaderInfo, LeadershipLease, LeadershipState } from '../leader-elector.interface';
import { defaultSafetyMarginMs, isSameLeadershipState, toLease } from '../leader-state.util';
import type { EtcdLeaderElectorOptions } from './etcd-leader-elector.options';

/** The value of `<prefix>/leaders/<group>`; the fencing token is the key's create revision. */
interface LeaderRecord {
  format: 1;
  ownerId: string;
  leaderId: string;
  acquiredAt: number;
  expiresAt: number;
  ttlMs: number;
}

/** A term this elector holds. */
interface Term {
  leaderId: string;
  leaseId: string;
  /** Whole seconds of the etcd lease: no term may be extended further than this per renewal. */
  leaseSeconds: number;
  fencingToken: number;
  acquiredAt: number;
  expiresAt: number;
  ttlMs: number;
}

function decodeLeader(kv: IKeyValue | undefined): (LeaderRecord & { fencingToken: number }) | undefined {
  if (!kv) return undefined;
  try {
    const record = JSON.parse(kv.value.toString()) as LeaderRecord;
    return record?.format === 1 && typeof record.leaderId === 'string'
      ? { ...record, fencingToken: Number(kv.create_revision) }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `etcd://` leader election: one key per group, `<prefix>/leaders/<group>`, created on a
 * fresh lease in a txn (`createRevision == 0`), so at most one candidate holds it. The
 * fencing token is that key's **create revision**: etcd's global revision, strictly
 * increasing across terms for the life of the cluster's data.
 *
 * - `expiresAt = sentAt + ttlMs` on the client; etcd's lease lasts `ceil(ttlMs / 1000)` s
 *   from when the server grants or renews it, later, so nobody can be granted the group
 *   before the holder's `expiresAt`. The holder treats the term as over at `expiresAt`
 *   even if etcd's lease runs longer (and revokes it on the next renew or campaign).
 * - **renew**: one lease keep-alive (etcd never revives an expired lease) plus a txn that
 *   rewrites `expiresAt` only if the key still has this term's revision and lease.
 * - **resign**: revokes the lease (deleting the key).
 * - **campaign** against another holder returns `null` at once while the holder's stored
 *   `expiresAt` (or over a second of lease) says it is live; past it, it waits up to
 *   ~1.7 s for etcd to revoke the lease (whole-second TTLs, revoked up to 0.5 s late).
 * - **watch**: an etcd watch on the key, resumed after disconnects, open through outages.
 *
 * Limit: a cluster whose data is wiped restarts revisions at 1, so tokens restart too.
 *
 * @publicApi
 */
export class EtcdLeaderElector implements LeaderElector {
  /** This elector's client identity, stored in the lease keys it creates (random). */
  readonly ownerId = randomUUID();
  readonly prefix: string;
  readonly endpoint: string;
  private readonly target: EtcdConnectionTarget;
  private readonly safetyMarginMs: number | undefined;
  private readonly client: Etcd3;
  private readonly terms = new Map<string, Term>();
  private readonly watchers = new Set<Subscriber<LeadershipState>>();
  private isClosed = false;

  constructor(options: EtcdLeaderElectorOptions = {}) {
    this.target = resolveEtcdConnection(options);
    this.prefix = this.target.prefix;
    this.endpoint = this.target.endpoint;
    this.safetyMarginMs = options.safetyMarginMs;
    this.client = this.createClient();
  }

  async campaign(group: string, candidateId: string, opts: CampaignOptions): Promise<LeadershipLease | null> {
    this.assertOpen();
    assertGroupName(group);
    assertCandidateId(candidateId);
    assertTtl(opts?.ttlMs);
    const held = this.terms.get(group);
    if (held?.leaderId === candidateId) {
      const renewed = await this.extend(group, held, opts.ttlMs);
      if (renewed) return renewed;
    }
    const key = keys.leader(this.prefix, group);
    const [existing] = (await this.call('campaign', () => this.client.kv.range({ key }))).kvs;
    if (existing && (await this.call('campaign', () => this.isStillHeld(key, existing)))) return null;
    const sentAt = Date.now();
    const leaseId = await this.call('campaign', () => grantLease(this.client, opts.ttlMs));
    const record: LeaderRecord = {
      format: 1,
      ownerId: this.ownerId,
      leaderId: candidateId,
      acquiredAt: sentAt,
      expiresAt: sentAt + opts.ttlMs,
      ttlMs: opts.ttlMs,
    };
    const created = await this.call('campaign', () =>
      this.client.kv.txn({
        compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key, value: Buffer.from(JSON.stringify(record)), lease: leaseId } }],
      }),
    ).catch(async (error: unknown) => {
      await revokeLease(this.client, leaseId).catch(() => undefined);
      throw error;
    });
    if (!created.succeeded) {
      await revokeLease(this.client, leaseId).catch(() => undefined);
      return null;
    }
    const term: Term = {
      leaderId: candidateId,
      leaseId,
      leaseSeconds: leaseSeconds(opts.ttlMs),
      fencingToken: Number(created.header.revision),
      acquiredAt: sentAt,
      expiresAt: record.expiresAt,
      ttlMs: opts.ttlMs,
    };
    this.terms.set(group, term);
    return this.toLease(group, term);
  }

  async renew(lease: LeadershipLease): Promise<LeadershipLease> {
    this.assertOpen();
    const term = this.terms.get(lease?.group);
    if (term && term.fencingToken === lease.fencingToken && term.leaderId === lease.leaderId) {
      const renewed = await this.extend(lease.group, term, term.ttlMs);
      if (renewed) return renewed;
    }
    throw new LeadershipLostError(lease?.group, lease?.leaderId, lease?.fencingToken);
  }

  async resign(lease: LeadershipLease): Promise<void> {
    this.assertOpen();
    assertGroupName(lease?.group);
    const term = this.terms.get(lease.group);
    if (!term || term.fencingToken !== lease.fencingToken || term.leaderId !== lease.leaderId) return;
    this.terms.delete(lease.group);
    await this.call('resign', () => revokeLease(this.client, term.leaseId));
  }

  async current(group: string): Promise<LeaderInfo | null> {
    this.assertOpen();
    assertGroupName(group);
    const [kv] = (await this.call('current', () => this.client.kv.range({ key: keys.leader(this.prefix, group) }))).kvs;
    const record = decodeLeader(kv);
    return record ? { leaderId: record.leaderId, fencingToken: record.fencingToken, expiresAt: record.expiresAt } : null;
  }

  watch(group: string): Observable<LeadershipState> {
    return new Observable<LeadershipState>((subscriber) => {
      if (this.isClosed) return subscriber.error(new RegistryClosedError(EtcdLeaderElector.name));
      try {
        assertGroupName(group);
      } catch (error) {
        return subscriber.error(error);
      }
      let state: LeadershipState = null;
      let last: LeadershipState | undefined;
      const set = (kv: IKeyValue | undefined): void => {
        const record = decodeLeader(kv);
        state = record ? { leaderId: record.leaderId, fencingToken: record.fencingToken } : null;
      };
      const stop = startEtcdRangeWatch(
        this.client,
        { key: keys.leader(this.prefix, group), epochKey: keys.epoch(this.prefix) },
        {
          reset: (kvs) => set(kvs[0]),
          put: set,
          delete: () => set(undefined),
          flush: () => {
            if (isSameLeadershipState(last, state) || subscriber.closed) return;
            last = state;
            subscriber.next(state);
          },
        },
      );
      this.watchers.add(subscriber);
      return () => {
        stop();
        this.watchers.delete(subscriber);
      };
    });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const subscriber of [...this.watchers]) subscriber.complete();
    this.watchers.clear();
    this.terms.clear();
    this.client.close();
  }

  /** The driver factory: the test seam, and where etcd3 gets loaded. */
  protected createClient(): Etcd3 {
    return createEtcdClient(this.target);
  }

  /**
   * Extends `term` by `ttlMs` from now (at most its lease length). Resolves `null`, after
   * ending the term, when it is over: past `expiresAt`, lease gone, or key replaced.
   */
  private async extend(group: string, term: Term, ttlMs: number): Promise<LeadershipLease | null> {
    const sentAt = Date.now();
    const key = keys.leader(this.prefix, group);
    if (
      sentAt < term.expiresAt &&
      (await this.call('renew', () => keepLeaseAlive(this.client, term.leaseId, this.target.requestTimeoutMs)))
    ) {
      const effectiveTtlMs = Math.min(ttlMs, term.leaseSeconds * 1000);
      const record: LeaderRecord = {
        format: 1,
        ownerId: this.ownerId,
        leaderId: term.leaderId,
        acquiredAt: term.acquiredAt,
        expiresAt: sentAt + effectiveTtlMs,
        ttlMs: effectiveTtlMs,
      };
      const { succeeded } = await this.call('renew', () =>
        this.client.kv.txn({
          compare: [
            { key, target: 'Create', result: 'Equal', create_revision: term.fencingToken },
            { key, target: 'Lease', result: 'Equal', lease: term.leaseId },
          ],
          success: [{ request_put: { key, value: Buffer.from(JSON.stringify(record)), lease: term.leaseId } }],
        }),
      );
      if (succeeded) {
        Object.assign(term, { expiresAt: record.expiresAt, ttlMs: effectiveTtlMs });
        return this.toLease(group, term);
      }
    }
    if (this.terms.get(group) === term) this.terms.delete(group);
    await revokeLease(this.client, term.leaseId).catch(() => undefined);
    return null;
  }

  /**
   * Whether another holder's key stays. Live by its holder's `expiresAt` or with more than
   * a second of lease left: yes, at once. Otherwise the term is over or ending: wait (up
   * to the expiry grace) for etcd to revoke the lease; a key that stays was renewed.
   */
  private async isStillHeld(key: Buffer, existing: IKeyValue): Promise<boolean> {
    const record = decodeLeader(existing);
    if (record && Date.now() < record.expiresAt) return true;
    if ((await leaseState(this.client, existing.lease)) === 'live') return true;
    return (await waitForKeyChange(this.client, key, existing.mod_revision, ETCD_EXPIRY_GRACE_MS)) !== undefined;
  }

  private toLease(group: string, term: Term): LeadershipLease {
    const margin = this.safetyMarginMs ?? defaultSafetyMarginMs(term.ttlMs);
    return toLease(group, { ...term, ownerId: this.ownerId }, margin);
  }

  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof DiscoveryError) throw error;
      throw new EtcdUnavailableError(this.endpoint, operation, error);
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw new RegistryClosedError(EtcdLeaderElector.name);
  }
}
