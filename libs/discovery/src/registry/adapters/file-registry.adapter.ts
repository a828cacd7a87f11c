import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Observable, type Subscriber } from 'rxjs';
import { DuplicateInstanceError } from '../../errors/duplicate-instance.error';
import { InstanceNotRegisteredError } from '../../errors/instance-not-registered.error';
import { RegistryClosedError } from '../../errors/registry-closed.error';
import { withFileLock } from '../../utils/file-lock.util';
import { ignoreMissing, unlinkIfPresent } from '../../utils/fs-errors.util';
import { TEMP_FILE_SUFFIX, writeJsonAtomic } from '../../utils/json-file.util';
import { SERVICE_NAME_PATTERN, assertInstanceId, assertServiceName, assertTtl } from '../../utils/validation.util';
import { applyHeartbeat, compareInstancesById, toRegisteredInstance } from '../registry-entry.util';
import type { ServiceInstance } from '../service-instance.interface';
import type {
  HeartbeatPatch,
  RegisterOptions,
  ServiceRegistration,
  ServiceRegistry,
  ServiceRegistryStats,
} from '../service-registry.interface';
import { SkippedEntries } from '../skipped-entries.util';
import {
  FILE_REGISTRY_FORMAT,
  fileRegistryPaths as paths,
  isEntryFileName,
  isRecordLive,
  listServiceDir,
  readRecord,
  readServiceRecords,
  recordExpiresAt,
  type FileRegistryRecord,
} from './file-registry-record.util';
import { prepareRegistryRoot } from './file-registry-root.util';
import { FileServiceWatch } from './file-service-watch.util';
import {
  FILE_REGISTRY_DEFAULT_MAX_ENTRY_BYTES,
  FILE_REGISTRY_DEFAULT_POLL_INTERVAL_MS,
  FILE_REGISTRY_DEFAULT_SWEEP_GRACE_MS,
  FILE_REGISTRY_DEFAULT_SWEEP_INTERVAL_MS,
  type FileRegistryOptions,
} from './file-registry.options';

/**
 * `file://<dir>` registry: several processes on one machine share a directory, no server.
 *
 * - One JSON file per entry, `<dir>/services/<service>/<instanceId>.json`, holding the
 *   instance, the owner id and `ttlMs`; written atomically (temp file + rename), so
 *   readers never see a torn file.
 * - Expiry is `renewedAt + ttlMs <= now`, read from the file, so entries of a killed
 *   process vanish from `list()` and watches on time although nobody deletes them; a
 *   sweeper deletes files that have been expired for `sweepGraceMs`.
 * - Writes of one entry (register, heartbeat, deregister, sweep) are serialised across
 *   processes by a lock file `<dir>/locks/<service>/<instanceId>.lock`, kept outside the
 *   service directory so lock churn does not wake watchers.
 * - Watches combine `fs.watch` on the service directory with polling (`pollIntervalMs`)
 *   and emit only when the snapshot changed ignoring `renewedAt`; they read only files
 *   that changed (see {@link FileServiceWatch}).
 * - Hostile directories: only regular files of at most `maxEntryBytes` are read (lstat
 *   first, non-blocking open), and every entry must pass the shared instance schema;
 *   others are skipped, counted in `stats()` and logged once. Directories are created
 *   0700 and files 0600; a root writable by group or others is warned about once.
 *
 * @publicApi
 */
export class FileRegistryAdapter implements ServiceRegistry {
  /** This adapter's owner identity, stored in every file it writes (random). */
  readonly ownerId = randomUUID();
  /** Absolute root directory. */
  readonly directory: string;
  private readonly now: () => number;
  private readonly pollIntervalMs: number;
  private readonly sweepGraceMs: number;
  private readonly lockOptions: { staleMs?: number; timeoutMs?: number };
  /** Instance id -> service, for the entries this owner registered. */
  private readonly owned = new Map<string, string>();
  private readonly watchers = new Set<Subscriber<ServiceInstance[]>>();
  private readonly fileWatches = new Set<FileServiceWatch>();
  private readonly skipped = new SkippedEntries(FileRegistryAdapter.name);
  private readonly maxEntryBytes: number;
  private rootChecked?: Promise<void>;
  private readonly sweepTimer: NodeJS.Timeout | undefined;
  private isSweeping = false;
  private isClosed = false;

  constructor(options: FileRegistryOptions) {
    this.directory = resolve(options.directory);
    this.now = options.now ?? Date.now;
    this.pollIntervalMs = options.pollIntervalMs ?? FILE_REGISTRY_DEFAULT_POLL_INTERVAL_MS;
    this.sweepGraceMs = options.sweepGraceMs ?? FILE_REGISTRY_DEFAULT_SWEEP_GRACE_MS;
    this.maxEntryBytes = options.maxEntryBytes ?? FILE_REGISTRY_DEFAULT_MAX_ENTRY_BYTES;
    if (!Number.isInteger(this.maxEntryBytes) || this.maxEntryBytes < 1024) {
      throw new RangeError(`FileRegistryAdapter: maxEntryBytes must be an integer >= 1024, got ${String(options.maxEntryBytes)}`);
    }
    this.lockOptions = { staleMs: options.lockStaleMs, timeoutMs: options.lockTimeoutMs };
    const sweepIntervalMs = options.sweepIntervalMs ?? FILE_REGISTRY_DEFAULT_SWEEP_INTERVAL_MS;
    if (sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => void this.sweep().catch(() => undefined), sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  async register(instance: ServiceRegistration, opts: RegisterOptions): Promise<void> {
    this.assertOpen();
    assertServiceName(instance?.service);
    assertInstanceId(instance.id);
    assertTtl(opts?.ttlMs);
    const { service, id } = instance;
    await this.prepareRoot();
    await mkdir(paths.service(this.directory, service), { recursive: true, mode: 0o700 });
    await this.locked(service, id, async (file) => {
      const existing = await readRecord(file, service, id, this.maxEntryBytes);
      const now = this.now();
      if (existing && existing.ownerId !== this.ownerId && isRecordLive(existing, now)) {
        throw new DuplicateInstanceError(service, id);
      }
      await this.write(file, {
        format: FILE_REGISTRY_FORMAT,
        ownerId: this.ownerId,
        ttlMs: opts.ttlMs,
        instance: toRegisteredInstance(instance, now),
      });
    });
    const previousService = this.owned.get(id);
    this.owned.set(id, service);
    if (previousService !== undefined && previousService !== service) await this.deleteOwn(previousService, id);
  }

  async heartbeat(instanceId: string, patch?: HeartbeatPatch): Promise<void> {
    this.assertOpen();
    assertInstanceId(instanceId);
    const service = this.owned.get(instanceId);
    if (service === undefined) throw new InstanceNotRegisteredError(instanceId);
    await this.locked(service, instanceId, async (file) => {
      const record = await readRecord(file, service, instanceId, this.maxEntryBytes);
      const now = this.now();
      if (!record || record.ownerId !== this.ownerId || !isRecordLive(record, now)) {
        if (this.owned.get(instanceId) === service) this.owned.delete(instanceId);
        throw new InstanceNotRegisteredError(instanceId);
      }
      await this.write(file, { ...record, instance: applyHeartbeat(record.instance, patch, now).instance });
    });
  }

  async deregister(instanceId: string): Promise<void> {
    this.assertOpen();
    assertInstanceId(instanceId);
    const service = this.owned.get(instanceId);
    if (service === undefined) return;
    this.owned.delete(instanceId);
    await this.deleteOwn(service, instanceId);
  }

  async list(service: string): Promise<ServiceInstance[]> {
    this.assertOpen();
    assertServiceName(service);
    return this.readLive(service);
  }

  async services(): Promise<string[]> {
    this.assertOpen();
    const names = (await ignoreMissing(readdir(paths.services(this.directory)))) ?? [];
    const candidates = names.filter((name) => SERVICE_NAME_PATTERN.test(name)).sort();
    const live: boolean[] = [];
    // NOTE: one service at a time: a directory of 10,000 entries must not open them all at once.
    for (const name of candidates) live.push((await this.readLive(name)).length > 0);
    return candidates.filter((_name, index) => live[index]);
  }

  watch(service: string): Observable<ServiceInstance[]> {
    return new Observable<ServiceInstance[]>((subscriber) => {
      if (this.isClosed) return subscriber.error(new RegistryClosedError(FileRegistryAdapter.name));
      try {
        assertServiceName(service);
      } catch (error) {
        return subscriber.error(error);
      }
      // NOTE: a failed read (EMFILE, EACCES...) is not fatal: the watch keeps what it read
      // (entries still expire on time), counts it, and the next event or poll retries.
      const fileWatch = new FileServiceWatch({
        dir: paths.service(this.directory, service),
        service,
        pollIntervalMs: this.pollIntervalMs,
        maxEntryBytes: this.maxEntryBytes,
        now: this.now,
        skipped: this.skipped,
        emit: (instances) => {
          if (!subscriber.closed) subscriber.next(instances);
        },
      });
      void this.prepareRoot().catch(() => undefined);
      this.watchers.add(subscriber);
      this.fileWatches.add(fileWatch);
      fileWatch.start();
      return () => {
        fileWatch.stop();
        this.fileWatches.delete(fileWatch);
        this.watchers.delete(subscriber);
      };
    });
  }

  /** What was skipped while reading (invalid entries, read errors) and how many watches lag. */
  stats(): ServiceRegistryStats {
    return this.skipped.stats([...this.fileWatches].filter((w) => w.isStale).length);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const subscriber of [...this.watchers]) subscriber.complete();
    this.watchers.clear();
    this.owned.clear();
  }

  /**
   * Deletes entry files expired for at least `sweepGraceMs`, and temp files that old (left
   * by a writer killed between write and rename). Runs on the sweep timer; callable
   * directly. Resolves with the number of files deleted.
   */
  async sweep(): Promise<number> {
    if (this.isSweeping || this.isClosed) return 0;
    this.isSweeping = true;
    try {
      let deleted = 0;
      const services = (await ignoreMissing(readdir(paths.services(this.directory)))) ?? [];
      for (const service of services.filter((name) => SERVICE_NAME_PATTERN.test(name))) {
        deleted += await this.sweepService(service);
      }
      return deleted;
    } finally {
      this.isSweeping = false;
    }
  }

  private async sweepService(service: string): Promise<number> {
    const dir = paths.service(this.directory, service);
    const isLongExpired = (record: FileRegistryRecord): boolean => recordExpiresAt(record) + this.sweepGraceMs <= this.now();
    let deleted = 0;
    for (const record of await readServiceRecords(this.directory, service, this.maxEntryBytes, this.skipped)) {
      if (!isLongExpired(record)) continue;
      const { id } = record.instance;
      await this.locked(service, id, async (file) => {
        // Re-read under the lock: the entry may have been registered again meanwhile.
        const current = await readRecord(file, service, id, this.maxEntryBytes);
        if (current && isLongExpired(current) && (await unlinkIfPresent(file))) deleted++;
      });
    }
    const names = await listServiceDir(this.directory, service);
    for (const name of names.filter((n) => !isEntryFileName(n) && n.endsWith(TEMP_FILE_SUFFIX))) {
      const info = await ignoreMissing(lstat(join(dir, name)));
      if (info && info.mtimeMs + this.sweepGraceMs <= this.now() && (await unlinkIfPresent(join(dir, name)))) deleted++;
    }
    return deleted;
  }

  private async readLive(service: string): Promise<ServiceInstance[]> {
    const now = this.now();
    return (await readServiceRecords(this.directory, service, this.maxEntryBytes, this.skipped))
      .filter((record) => isRecordLive(record, now))
      .map((record) => record.instance)
      .sort(compareInstancesById);
  }

  private async deleteOwn(service: string, id: string): Promise<void> {
    await this.locked(service, id, async (file) => {
      const record = await readRecord(file, service, id, this.maxEntryBytes);
      if (record?.ownerId === this.ownerId) await unlinkIfPresent(file);
    });
  }

  private async locked<T>(service: string, id: string, critical: (file: string) => Promise<T>): Promise<T> {
    await mkdir(paths.lockDir(this.directory, service), { recursive: true, mode: 0o700 });
    return withFileLock(
      paths.lock(this.directory, service, id),
      () => critical(paths.entry(this.directory, service, id)),
      this.lockOptions,
    );
  }

  private async write(file: string, record: FileRegistryRecord): Promise<void> {
    const bytes = Buffer.byteLength(JSON.stringify(record));
    if (bytes > this.maxEntryBytes) {
      throw new RangeError(`registry entry ${record.instance.id} is ${bytes} bytes, over maxEntryBytes (${this.maxEntryBytes})`);
    }
    await writeJsonAtomic(file, record);
  }

  private prepareRoot(): Promise<void> {
    return (this.rootChecked ??= prepareRegistryRoot(this.directory).catch((error: unknown) => {
      this.rootChecked = undefined;
      throw error;
    }));
  }

  private assertOpen(): void {
    if (this.isClosed) throw new RegistryClosedError(FileRegistryAdapter.name);
  }
}
