import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Observable, type Subscriber } from 'rxjs';
import { LeadershipLostError } from '../../errors/leadership-lost.error';
import { RegistryClosedError } from '../../errors/registry-closed.error';
import { watchDirectory } from '../../utils/directory-watch.util';
import { withFileLock } from '../../utils/file-lock.util';
import { readJsonFile, writeJsonAtomic } from '../../utils/json-file.util';
import { createSerialTask } from '../../utils/serial-task.util';
import { assertCandidateId, assertGroupName, assertTtl } from '../../utils/validation.util';
import type { CampaignOptions, LeaderElector, LeaderInfo, LeadershipLease, LeadershipState } from '../leader-elector.interface';
import {
  EMPTY_LEADER_GROUP_STATE,
  campaignTransition,
  defaultSafetyMarginMs,
  isSameLeadershipState,
  liveHolder,
  renewTransition,
  resignTransition,
  toLeaderInfo,
  toLease,
  toLeadershipState,
  type LeaderGroupState,
} from '../leader-state.util';
import { FILE_LEADER_DEFAULT_POLL_INTERVAL_MS, type FileLeaderElectorOptions } from './file-leader-elector.options';

const LEASE_FILE_FORMAT = 1;

/** What `<dir>/leaders/<group>.json` holds. */
interface LeaseFile extends LeaderGroupState {
  format: typeof LEASE_FILE_FORMAT;
  group: string;
}

/**
 * `file://<dir>` leader election for processes on one machine.
 *
 * One lease file per group, `<dir>/leaders/<group>.json`: the holder (candidate id, elector
 * id, fencing token, `expiresAt`) and `lastToken`, the token counter. Every change is a
 * read-modify-write under the exclusive lock file `<dir>/leaders/<group>.lock` (created
 * with `open(path, 'wx')`, broken when older than `lockStaleMs`), written atomically. The
 * file is kept when the holder resigns or dies, so tokens keep increasing across terms.
 *
 * NOTE: deleting the lease file resets the token counter; do not clean `<dir>/leaders`
 * while candidates or fenced resources are live. A corrupt lease file (not written by
 * this adapter) makes operations on its group reject until it is removed.
 *
 * @publicApi
 */
export class FileLeaderElector implements LeaderElector {
  /** This elector's client identity, stored in the lease file (random). */
  readonly ownerId = randomUUID();
  /** Absolute root directory. */
  readonly directory: string;
  private readonly now: () => number;
  private readonly pollIntervalMs: number;
  private readonly safetyMarginMs: number | undefined;
  private readonly lockOptions: { staleMs?: number; timeoutMs?: number };
  private readonly watchers = new Set<Subscriber<LeadershipState>>();
  private isClosed = false;

  constructor(options: FileLeaderElectorOptions) {
    this.directory = resolve(options.directory);
    this.now = options.now ?? Date.now;
    this.pollIntervalMs = options.pollIntervalMs ?? FILE_LEADER_DEFAULT_POLL_INTERVAL_MS;
    this.safetyMarginMs = options.safetyMarginMs;
    this.lockOptions = { staleMs: options.lockStaleMs, timeoutMs: options.lockTimeoutMs };
  }

  async campaign(group: string, candidateId: string, opts: CampaignOptions): Promise<LeadershipLease | null> {
    this.assertOpen();
    assertGroupName(group);
    assertCandidateId(candidateId);
    assertTtl(opts?.ttlMs);
    const candidate = { leaderId: candidateId, ownerId: this.ownerId, ttlMs: opts.ttlMs };
    return this.locked(group, async () => {
      const { state, holder } = campaignTransition(await this.read(group), candidate, this.now());
      if (!holder) return null;
      await this.write(group, state);
      return toLease(group, holder, this.marginFor(holder.ttlMs));
    });
  }

  async renew(lease: LeadershipLease): Promise<LeadershipLease> {
    this.assertOpen();
    const lost = (): LeadershipLostError => new LeadershipLostError(lease.group, lease.leaderId, lease.fencingToken);
    try {
      assertGroupName(lease?.group);
    } catch {
      throw lost();
    }
    return this.locked(lease.group, async () => {
      const renewed = renewTransition(await this.read(lease.group), lease, this.ownerId, this.now());
      if (!renewed) throw lost();
      await this.write(lease.group, renewed.state);
      return toLease(lease.group, renewed.holder, this.marginFor(renewed.holder.ttlMs));
    });
  }

  async resign(lease: LeadershipLease): Promise<void> {
    this.assertOpen();
    assertGroupName(lease?.group);
    await this.locked(lease.group, async () => {
      const state = resignTransition(await this.read(lease.group), lease, this.ownerId, this.now());
      if (state) await this.write(lease.group, state);
    });
  }

  async current(group: string): Promise<LeaderInfo | null> {
    this.assertOpen();
    assertGroupName(group);
    return toLeaderInfo(liveHolder(await this.read(group), this.now()));
  }

  watch(group: string): Observable<LeadershipState> {
    return new Observable<LeadershipState>((subscriber) => {
      if (this.isClosed) return subscriber.error(new RegistryClosedError(FileLeaderElector.name));
      try {
        assertGroupName(group);
      } catch (error) {
        return subscriber.error(error);
      }
      let last: LeadershipState | undefined;
      let expiryTimer: NodeJS.Timeout | undefined;
      const refresh = createSerialTask(async () => {
        const holder = liveHolder(await this.read(group), this.now());
        clearTimeout(expiryTimer);
        if (holder && !subscriber.closed) {
          // NOTE: nobody writes when a lease just runs out; wake up to report it.
          expiryTimer = setTimeout(() => refresh.trigger(), Math.max(0, holder.expiresAt - this.now()) + 1);
          expiryTimer.unref();
        }
        const state = toLeadershipState(holder);
        if (isSameLeadershipState(last, state) || subscriber.closed) return;
        last = state;
        subscriber.next(state);
      });
      const stopWatching = watchDirectory(this.leadersDir(), () => refresh.trigger(), {
        pollIntervalMs: this.pollIntervalMs,
      });
      this.watchers.add(subscriber);
      refresh.trigger();
      return () => {
        stopWatching();
        refresh.stop();
        clearTimeout(expiryTimer);
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

  private async read(group: string): Promise<LeaderGroupState> {
    const raw = (await readJsonFile(this.leaseFile(group))) as Partial<LeaseFile> | undefined;
    if (raw === undefined) return EMPTY_LEADER_GROUP_STATE;
    if (raw?.format !== LEASE_FILE_FORMAT || typeof raw.lastToken !== 'number' || raw.holder === undefined) {
      throw new SyntaxError(`Unreadable lease file ${this.leaseFile(group)}`);
    }
    return { lastToken: raw.lastToken, holder: raw.holder };
  }

  private async write(group: string, state: LeaderGroupState): Promise<void> {
    const file: LeaseFile = { format: LEASE_FILE_FORMAT, group, ...state };
    await writeJsonAtomic(this.leaseFile(group), file);
  }

  private async locked<T>(group: string, critical: () => Promise<T>): Promise<T> {
    await mkdir(this.leadersDir(), { recursive: true });
    return withFileLock(join(this.leadersDir(), `${group}.lock`), critical, this.lockOptions);
  }

  private leadersDir(): string {
    return join(this.directory, 'leaders');
  }

  private leaseFile(group: string): string {
    return join(this.leadersDir(), `${group}.json`);
  }

  private marginFor(ttlMs: number): number {
    return this.safetyMarginMs ?? defaultSafetyMarginMs(ttlMs);
  }

  private assertOpen(): void {
    if (this.isClosed) throw new RegistryClosedError(FileLeaderElector.name);
  }
}
