import type { Observable } from 'rxjs';

/**
 * Options of `campaign()`.
 *
 * @publicApi
 */
export interface CampaignOptions {
  /** Lease length in milliseconds (> 0). Renew well within it (a third is usual). */
  ttlMs: number;
}

/**
 * A granted leadership term, as returned by `campaign()` and `renew()`.
 *
 * @publicApi
 */
export interface LeadershipLease {
  group: string;
  leaderId: string;
  /**
   * Identifies this leadership term. Strictly increasing per group across terms and never
   * reused, even after every holder died; constant across `renew()`s of one term. Pass it
   * to downstream systems so they can reject writes of a deposed leader (fencing).
   */
  fencingToken: number;
  /** Epoch ms when this term began (first grant; unchanged by renewals). */
  acquiredAt: number;
  /** Epoch ms, backend clock: no other candidate can be granted the group before this. */
  expiresAt: number;
  /**
   * Epoch ms = `expiresAt` minus the elector's safety margin. The holder must consider
   * itself leader only while `Date.now() < validUntil` (and before any `renew()` failed):
   * the margin absorbs the delay between the backend granting the lease and the holder
   * acting on it, and timer lateness.
   */
  validUntil: number;
  ttlMs: number;
}

/**
 * Who leads a group now.
 *
 * @publicApi
 */
export interface LeaderInfo {
  leaderId: string;
  fencingToken: number;
  expiresAt: number;
}

/**
 * A leadership change as seen by `watch()`: the current leader, or `null` when nobody
 * holds an unexpired lease.
 *
 * @publicApi
 */
export type LeadershipState = Pick<LeaderInfo, 'leaderId' | 'fencingToken'> | null;

/**
 * Leader election per group (port). One adapter per backend (memory, file; Redis lease
 * with fencing token and etcd election later), each passing `describeLeaderElectorContract`.
 *
 * **Guarantees.** At any instant at most one candidate holds an unexpired lease of a
 * group (measured on the backend clock). Fencing tokens of successive terms strictly
 * increase. A lease is never extended once expired: the holder must campaign again and
 * gets a new term with a new token.
 *
 * **Not guaranteed.** That a holder notices loss instantly: a paused process may still
 * believe it leads after `validUntil`. Hence `validUntil` and fencing tokens: downstream
 * systems that must be protected should reject requests carrying an older token.
 *
 * **Ownership.** Each elector object is one client identity; `renew()`/`resign()` accept only
 * leases granted to this elector object.
 *
 * Groups match `^[a-z][a-z0-9-]{0,62}$` (`InvalidGroupNameError`), candidate ids are
 * 1..256 chars (`InvalidCandidateIdError`), `ttlMs` > 0 (`InvalidTtlError`). After
 * `close()` every method but `close()` rejects with `RegistryClosedError`.
 *
 * @publicApi
 */
export interface LeaderElector {
  /**
   * Tries once to become leader of `group`. Resolves with a new lease (a new, higher
   * fencing token) if nobody holds an unexpired lease, or `null` if someone else leads.
   * If this elector already leads the group as `candidateId`, the current term is renewed
   * and returned (same token): campaigning is idempotent for the holder.
   * Never waits for the leader to go away; call it again (e.g. on `watch()` emitting
   * `null`, or on a timer) to keep campaigning.
   */
  campaign(group: string, candidateId: string, opts: CampaignOptions): Promise<LeadershipLease | null>;

  /**
   * Extends the lease by its `ttlMs` from now and returns the new lease (same token).
   * Rejects with `LeadershipLostError` if the lease is not the current, unexpired term
   * of this elector: it expired (even if nobody took over), was resigned, or another
   * candidate leads.
   */
  renew(lease: LeadershipLease): Promise<LeadershipLease>;

  /**
   * Gives up the lease at once so another candidate can take over without waiting for
   * expiry. Idempotent; a lease that is no longer current is ignored (never affects a
   * newer leader).
   */
  resign(lease: LeadershipLease): Promise<void>;

  /** The current leader of `group`, or `null` if no unexpired lease exists. */
  current(group: string): Promise<LeaderInfo | null>;

  /**
   * The leadership of `group` as a stream: the current state first (possibly `null`,
   * possibly asynchronously), then every change of leader or term, and `null` when the
   * lease is resigned or expires. Consecutive values always differ; renewals do not emit.
   * Unsubscribing releases the timers and fs watchers of the subscription.
   */
  watch(group: string): Observable<LeadershipState>;

  /**
   * Stops timers and watchers and completes open watches. Idempotent. Does **not**
   * resign leases held through this elector: resign first for a fast handover, otherwise
   * others take over when the lease expires.
   */
  close(): Promise<void>;
}
