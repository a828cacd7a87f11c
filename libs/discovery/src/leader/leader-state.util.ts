import type { LeaderInfo, LeadershipLease, LeadershipState } from './leader-elector.interface';

/** The holder of a group as stored by a backend. */
export interface LeaderHolder {
  leaderId: string;
  /** The elector object that campaigned (one client identity). */
  ownerId: string;
  fencingToken: number;
  acquiredAt: number;
  expiresAt: number;
  ttlMs: number;
}

/**
 * Everything a backend stores per group. `lastToken` outlives holders (it stays when the
 * holder resigns or expires), which is what makes fencing tokens never repeat.
 */
export interface LeaderGroupState {
  lastToken: number;
  holder: LeaderHolder | null;
}

export const EMPTY_LEADER_GROUP_STATE: LeaderGroupState = { lastToken: 0, holder: null };

/** Default safety margin: a tenth of the TTL, at least 1 ms and at most 1 s. */
export const defaultSafetyMarginMs = (ttlMs: number): number => Math.min(1000, Math.max(1, Math.ceil(ttlMs / 10)));

/** The live holder at `now`, or `null` if none or expired. */
export const liveHolder = (state: LeaderGroupState, now: number): LeaderHolder | null =>
  state.holder && now < state.holder.expiresAt ? state.holder : null;

export const toLeaderInfo = (holder: LeaderHolder | null): LeaderInfo | null =>
  holder ? { leaderId: holder.leaderId, fencingToken: holder.fencingToken, expiresAt: holder.expiresAt } : null;

export const toLeadershipState = (holder: LeaderHolder | null): LeadershipState =>
  holder ? { leaderId: holder.leaderId, fencingToken: holder.fencingToken } : null;

export const isSameLeadershipState = (a: LeadershipState | undefined, b: LeadershipState): boolean =>
  a !== undefined && (a === b || (a !== null && b !== null && a.leaderId === b.leaderId && a.fencingToken === b.fencingToken));

export function toLease(group: string, holder: LeaderHolder, safetyMarginMs: number): LeadershipLease {
  return {
    group,
    leaderId: holder.leaderId,
    fencingToken: holder.fencingToken,
    acquiredAt: holder.acquiredAt,
    expiresAt: holder.expiresAt,
    validUntil: holder.expiresAt - safetyMarginMs,
    ttlMs: holder.ttlMs,
  };
}

/**
 * Campaign transition, to run under the backend's mutual exclusion. The live holder keeps
 * the group (renewed if it is the same elector and candidate); otherwise the candidate
 * gets a new term with `lastToken + 1`. `holder` is `null` when the campaign lost.
 */
export function campaignTransition(
  state: LeaderGroupState,
  candidate: { leaderId: string; ownerId: string; ttlMs: number },
  now: number,
): { state: LeaderGroupState; holder: LeaderHolder | null } {
  const current = liveHolder(state, now);
  if (current) {
    if (current.ownerId !== candidate.ownerId || current.leaderId !== candidate.leaderId) return { state, holder: null };
    const renewed = { ...current, ttlMs: candidate.ttlMs, expiresAt: now + candidate.ttlMs };
    return { state: { ...state, holder: renewed }, holder: renewed };
  }
  const fencingToken = state.lastToken + 1;
  const holder = { ...candidate, fencingToken, acquiredAt: now, expiresAt: now + candidate.ttlMs };
  return { state: { lastToken: fencingToken, holder }, holder };
}

/** True when `lease` is the current, unexpired term of elector `ownerId`. */
export function isCurrentTerm(state: LeaderGroupState, lease: LeadershipLease, ownerId: string, now: number): boolean {
  const holder = liveHolder(state, now);
  return holder !== null && holder.ownerId === ownerId && holder.leaderId === lease.leaderId && holder.fencingToken === lease.fencingToken;
}

/** Renew transition: the extended holder, or `null` when the lease is no longer current. */
export function renewTransition(
  state: LeaderGroupState,
  lease: LeadershipLease,
  ownerId: string,
  now: number,
): { state: LeaderGroupState; holder: LeaderHolder } | null {
  if (!isCurrentTerm(state, lease, ownerId, now) || !state.holder) return null;
  const holder = { ...state.holder, expiresAt: now + state.holder.ttlMs };
  return { state: { ...state, holder }, holder };
}

/** Resign transition: the state without the holder, or `null` when nothing changes. */
export function resignTransition(state: LeaderGroupState, lease: LeadershipLease, ownerId: string, now: number): LeaderGroupState | null {
  return isCurrentTerm(state, lease, ownerId, now) ? { ...state, holder: null } : null;
}
