import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Observable, type Subscriber } from 'rxjs';
import { DiscoveryError } from '../../errors/discovery.error';
import { LeadershipLostError } from '../../errors/leadership-lost.error';
import { RegistryClosedError } from '../../errors/registry-closed.error';
import { RedisChangesSubscriber } from '../../registry/adapters/redis-changes.subscriber';
import { createRedisClient, resolveRedisConnection, type RedisConnectionTarget } from '../../registry/adapters/redis-connection.util';
import { startRedisRelistWatch } from '../../registry/adapters/redis-relist-watch.util';
import { runRedisScript, type RedisScript } from '../../registry/adapters/redis-script.util';
import { RedisUnavailableError } from '../../registry/adapters/redis-unavailable.error';
import { assertCandidateId, assertGroupName, assertTtl } from '../../utils/validation.util';
import type { CampaignOptions, LeaderElector, LeaderInfo, LeadershipLease, LeadershipState } from '../leader-elector.interface';
import { defaultSafetyMarginMs, isSameLeadershipState, toLease } from '../leader-state.util';
import {
  REDIS_CAMPAIGN_SCRIPT,
  REDIS_CURRENT_SCRIPT,
  REDIS_RENEW_SCRIPT,
  REDIS_RESIGN_SCRIPT,
  redisLeaderKeys as keys,
} from './redis-leader.constants';
import { REDIS_LEADER_DEFAULT_RELIST_INTERVAL_MS, type RedisLeaderElectorOptions } from './redis-leader-elector.options';

/**
 * `redis://` / `rediss://` leader election: a lease key per group, granted, extended and
 * deleted by compare-and-set Lua scripts, with a fencing-token counter per group.
 *
 * - **Grant** (`campaign`): if the group key is absent (never held, resigned or expired on
 *   the server clock), the script takes a new token and creates the key with `PEXPIRE ttl`.
 * - **Renew**: extends the key only if owner, candidate and token still match
 *   (compare-and-extend); an expired key is gone, so a lapsed term is never revived.
 * - **Time**: `expiresAt` is computed on the client from the moment the request was sent
 *   (`sentAt + ttlMs`), while the server starts the TTL when it runs the script, later:
 *   the holder always stops (at `validUntil`) before the server can grant anyone else.
 * - **Tokens**: `max(last + 1, server ms, highest seen + 1)`: see `REDIS_CAMPAIGN_SCRIPT`.
 * - **Watch**: relists the holder on each grant/resign message, at its expiry and every
 *   `relistIntervalMs`; it stays open through outages and catches up on reconnect.
 *
 * @publicApi
 */
export class RedisLeaderElector implements LeaderElector {
  /** This elector's client identity, stored in the lease keys it creates (random). */
  readonly ownerId = randomUUID();
  readonly prefix: string;
  readonly endpoint: string;
  private readonly target: RedisConnectionTarget;
  private readonly safetyMarginMs: number | undefined;
  private readonly relistIntervalMs: number;
  private readonly client: Redis;
  private readonly changes: RedisChangesSubscriber;
  /** Highest token seen per group: the floor passed to every grant. */
  private readonly seenTokens = new Map<string, number>();
  private readonly watchers = new Set<Subscriber<LeadershipState>>();
  private isClosed = false;

  constructor(options: RedisLeaderElectorOptions = {}) {
    this.target = resolveRedisConnection(options);
    this.prefix = this.target.prefix;
    this.endpoint = this.target.endpoint;
    this.safetyMarginMs = options.safetyMarginMs;
    this.relistIntervalMs = options.relistIntervalMs ?? REDIS_LEADER_DEFAULT_RELIST_INTERVAL_MS;
    this.client = this.createClient();
    this.changes = new RedisChangesSubscriber(() => this.createClient({ lazyConnect: false }));
  }

  async campaign(group: string, candidateId: string, opts: CampaignOptions): Promise<LeadershipLease | null> {
    this.assertOpen();
    assertGroupName(group);
    assertCandidateId(candidateId);
    assertTtl(opts?.ttlMs);
    const ttlMs = Math.ceil(opts.ttlMs);
    const sentAt = Date.now();
    const p = this.prefix;
    const [token, acquiredAt, outcome] = await this.run<[string | number, string, number]>(
      'campaign',
      REDIS_CAMPAIGN_SCRIPT,
      [keys.holder(p, group), keys.token(p, group)],
      [this.ownerId, candidateId, ttlMs, sentAt + ttlMs, sentAt, this.seenTokens.get(group) ?? 0, keys.changes(p, group)],
    );
    const fencingToken = this.observe(group, token);
    if (outcome < 0) return null;
    const holder = {
      leaderId: candidateId,
      ownerId: this.ownerId,
      fencingToken,
      acquiredAt: Number(acquiredAt),
      expiresAt: sentAt + ttlMs,
      ttlMs,
    };
    return toLease(group, holder, this.marginFor(ttlMs));
  }

  async renew(lease: LeadershipLease): Promise<LeadershipLease> {
    this.assertOpen();
    const lost = (): LeadershipLostError => new LeadershipLostError(lease?.group, lease?.leaderId, lease?.fencingToken);
    try {
      assertGroupName(lease?.group);
    } catch {
      throw lost();
    }
    const sentAt = Date.now();
    const renewed = await this.run(
      'renew',
      REDIS_RENEW_SCRIPT,
      [keys.holder(this.prefix, lease.group)],
      [this.ownerId, lease.leaderId, String(lease.fencingToken), lease.ttlMs, sentAt + lease.ttlMs],
    );
    if (renewed !== 1) throw lost();
    return toLease(lease.group, { ...lease, ownerId: this.ownerId, expiresAt: sentAt + lease.ttlMs }, this.marginFor(lease.ttlMs));
  }

  async resign(lease: LeadershipLease): Promise<void> {
    this.assertOpen();
    assertGroupName(lease?.group);
    const p = this.prefix;
    await this.run(
      'resign',
      REDIS_RESIGN_SCRIPT,
      [keys.holder(p, lease.group)],
      [this.ownerId, lease.leaderId, String(lease.fencingToken), keys.changes(p, lease.group)],
    );
  }

  async current(group: string): Promise<LeaderInfo | null> {
    this.assertOpen();
    assertGroupName(group);
    return (await this.readHolder(group)).info;
  }

  watch(group: string): Observable<LeadershipState> {
    return new Observable<LeadershipState>((subscriber) => {
      if (this.isClosed) return subscriber.error(new RegistryClosedError(RedisLeaderElector.name));
      try {
        assertGroupName(group);
      } catch (error) {
        return subscriber.error(error);
      }
      let last: LeadershipState | undefined;
      const stop = startRedisRelistWatch({
        subscriber: this.changes,
        channel: keys.changes(this.prefix, group),
        intervalMs: this.relistIntervalMs,
        relist: async () => {
          const { info, expiresInMs } = await this.readHolder(group);
          const state: LeadershipState = info && { leaderId: info.leaderId, fencingToken: info.fencingToken };
          if (!isSameLeadershipState(last, state) && !subscriber.closed) {
            last = state;
            subscriber.next(state);
          }
          return expiresInMs;
        },
      });
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
    this.changes.close();
    this.client.disconnect();
  }

  /** The driver factory: the test seam, and where ioredis gets loaded. */
  protected createClient(overrides: { lazyConnect?: boolean } = {}): Redis {
    return createRedisClient(this.target, { connectionName: 'orion-leader', ...overrides });
  }

  private async readHolder(group: string): Promise<{ info: LeaderInfo | null; expiresInMs: number | undefined }> {
    const reply = await this.run<[string, string, string, number] | []>(
      'current',
      REDIS_CURRENT_SCRIPT,
      [keys.holder(this.prefix, group)],
      [],
    );
    if (reply.length === 0) return { info: null, expiresInMs: undefined };
    const [leaderId, token, expiresAt, pttl] = reply;
    const info = { leaderId, fencingToken: this.observe(group, token), expiresAt: Number(expiresAt) };
    return { info, expiresInMs: pttl >= 0 ? pttl : undefined };
  }

  /** Records a token seen in `group` (raising the floor of later grants) and returns it as a number. */
  private observe(group: string, token: string | number): number {
    const value = Number(token);
    if (value > (this.seenTokens.get(group) ?? 0)) this.seenTokens.set(group, value);
    return value;
  }

  private marginFor(ttlMs: number): number {
    return this.safetyMarginMs ?? defaultSafetyMarginMs(ttlMs);
  }

  private async run<T = number>(operation: string, script: RedisScript, keyList: string[], args: (string | number)[]): Promise<T> {
    try {
      return await runRedisScript<T>(this.client, script, keyList, args);
    } catch (error) {
      if (error instanceof DiscoveryError) throw error;
      throw new RedisUnavailableError(this.endpoint, operation, error);
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw new RegistryClosedError(RedisLeaderElector.name);
  }
}
