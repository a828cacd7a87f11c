import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hasErrorCode } from '../../utils/fs-errors.util';
import { createSerialTask, type SerialTask } from '../../utils/serial-task.util';
import { compareInstancesById, snapshotFingerprint } from '../registry-entry.util';
import type { ServiceInstance } from '../service-instance.interface';
import type { SkippedEntries } from '../skipped-entries.util';
import { isSameVersion, statEntryFile, type FileVersion } from './file-entry-reader.util';
import {
  idOfEntryFile,
  inBatches,
  isEntryFileName,
  readRecordFile,
  recordExpiresAt,
  reportRead,
  type FileRegistryRecord,
} from './file-registry-record.util';

/** A full rescan (one lstat per file) runs every this many polls, as a net for missed events. */
const FULL_RESCAN_POLLS = 20;

export interface FileServiceWatchOptions {
  dir: string;
  service: string;
  pollIntervalMs: number;
  maxEntryBytes: number;
  now: () => number;
  skipped: SkippedEntries;
  emit: (instances: ServiceInstance[]) => void;
}

/** What the watch knows of one entry file. */
interface CachedEntry {
  version: FileVersion;
  /** The last valid record read from this file version; undefined when it is invalid. */
  record?: FileRegistryRecord;
  fingerprint?: string;
  isVisible: boolean;
  /** The visible content changed since the last evaluation. */
  isModified: boolean;
}

/**
 * One service's watch on a `file://` registry, built to stay cheap at 10,000 entries:
 *
 * - A cache of every entry file by name with its version (inode, size, mtime, ctime), its
 *   last valid record and fingerprint. A file is read again only when its version changed.
 * - `fs.watch` events name the file that changed: only that file is looked at. A poll
 *   `stat`s the directory; it rescans (lstat every file) only when the directory changed
 *   while `fs.watch` is down, when the directory was replaced, and every
 *   {@link FULL_RESCAN_POLLS} polls. Refreshes are serial and coalesce.
 * - Expiry needs no I/O: the view is re-evaluated from cached records on each poll and at
 *   the earliest expiry. An entry whose file cannot be read keeps its last record, so it
 *   still leaves on time; the watch is then `isStale` until reads succeed again.
 */
export class FileServiceWatch {
  private readonly entries = new Map<string, CachedEntry>();
  private readonly dirty = new Set<string>();
  private readonly failing = new Set<string>();
  private readonly task: SerialTask;
  private watcher?: FSWatcher;
  private poll?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  private dirIdentity?: string;
  private scannedDirState?: string;
  private needsFullScan = true;
  private pollsSinceFullScan = 0;
  private isDirFailing = false;
  private isChanged = true;
  private isStopped = false;

  constructor(private readonly options: FileServiceWatchOptions) {
    this.task = createSerialTask(() => this.refresh());
  }

  /** True while the last read of the directory or of some entry failed. */
  get isStale(): boolean {
    return this.isDirFailing || this.failing.size > 0;
  }

  start(): void {
    this.poll = setInterval(() => {
      this.pollsSinceFullScan++;
      this.task.trigger();
    }, this.options.pollIntervalMs);
    this.poll.unref();
    mkdir(this.options.dir, { recursive: true, mode: 0o700 }).then(
      () => this.startWatcher(),
      () => this.startWatcher(),
    );
    this.task.trigger();
  }

  stop(): void {
    this.isStopped = true;
    this.task.stop();
    clearInterval(this.poll);
    clearTimeout(this.expiryTimer);
    this.stopWatcher();
  }

  private startWatcher(): void {
    if (this.isStopped || this.watcher) return;
    try {
      this.watcher = watch(this.options.dir, { persistent: false }, (_event, filename) => {
        if (typeof filename !== 'string') this.needsFullScan = true;
        else if (isEntryFileName(filename)) this.dirty.add(filename);
        else return; // hidden temp files: the rename that follows names the entry itself
        this.task.trigger();
      });
      // NOTE: a dead watcher (directory removed, inotify limits) is dropped: polling takes over.
      this.watcher.on('error', () => this.stopWatcher());
      // Files written before the watch was in place raised no event: rescan once it is.
      this.needsFullScan = true;
      this.task.trigger();
    } catch {
      this.watcher = undefined;
    }
  }

  private stopWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.needsFullScan = true;
  }

  private async refresh(): Promise<void> {
    if (this.isStopped) return;
    await this.checkDirectory();
    if (!this.watcher) this.startWatcher();
    if (this.pollsSinceFullScan >= FULL_RESCAN_POLLS) this.needsFullScan = true;
    if (this.needsFullScan) {
      this.needsFullScan = false;
      this.pollsSinceFullScan = 0;
      this.dirty.clear();
      await this.fullScan();
    } else if (this.dirty.size > 0) {
      const names = [...this.dirty];
      this.dirty.clear();
      await inBatches(names, (name) => this.scanOne(name));
    }
    this.evaluate();
  }

  /** Decides from one `stat` of the directory whether a full scan is needed. */
  private async checkDirectory(): Promise<void> {
    let state: string;
    try {
      const info = await stat(this.options.dir);
      state = `${info.ino}:${info.mtimeMs}:${info.ctimeMs}`;
      if (this.dirIdentity !== undefined && this.dirIdentity !== String(info.ino)) {
        // Replaced directory: the old watcher sees nothing any more.
        this.stopWatcher();
      }
      this.dirIdentity = String(info.ino);
    } catch (error) {
      state = hasErrorCode(error, 'ENOENT') ? 'missing' : 'failed';
    }
    if (state !== this.scannedDirState && !this.watcher) this.needsFullScan = true;
  }

  private async fullScan(): Promise<void> {
    const { dir, service } = this.options;
    const before = await stat(dir).then(
      (info) => `${info.ino}:${info.mtimeMs}:${info.ctimeMs}`,
      () => 'missing',
    );
    let names: string[];
    try {
      names = (await readdir(dir)).filter(isEntryFileName);
      this.isDirFailing = false;
    } catch (error) {
      if (!hasErrorCode(error, 'ENOENT')) {
        this.isDirFailing = true;
        this.options.skipped.readError(`${service}/`, error);
        return; // keep every cached record: they still expire on time
      }
      names = [];
      this.isDirFailing = false;
    }
    this.options.skipped.clear(`${service}/`);
    const present = new Set(names);
    for (const name of [...this.entries.keys()]) if (!present.has(name)) this.forget(name);
    await inBatches(names, (name) => this.scanOne(name));
    this.scannedDirState = before;
  }

  /** Looks at one entry file: re-reads it only if its version changed. */
  private async scanOne(name: string): Promise<void> {
    const { dir, service, maxEntryBytes, skipped } = this.options;
    const path = join(dir, name);
    const key = `${service}/${name}`;
    const cached = this.entries.get(name);
    const info = await statEntryFile(path, maxEntryBytes);
    if (info.kind === 'missing') return this.forget(name);
    if (info.kind === 'failed') {
      this.failing.add(name);
      return skipped.readError(key, info.error);
    }
    if (isSameVersion(cached?.version, info.version) && !this.failing.has(name)) return;
    const read = info.refusal
      ? ({ kind: 'invalid', reason: `the file ${info.refusal}`, version: info.version } as const)
      : await readRecordFile(path, service, idOfEntryFile(name), maxEntryBytes, info.version);
    reportRead(skipped, key, read);
    if (read.kind === 'failed') return void this.failing.add(name);
    this.failing.delete(name);
    if (read.kind === 'missing') return this.forget(name);
    const record = read.kind === 'record' ? read.record : undefined;
    const fingerprint = record && snapshotFingerprint([record.instance]);
    this.entries.set(name, {
      version: read.version,
      record,
      fingerprint,
      isVisible: cached?.isVisible ?? false,
      isModified: (cached?.isModified ?? false) || fingerprint !== cached?.fingerprint,
    });
  }

  private forget(name: string): void {
    this.failing.delete(name);
    this.options.skipped.clear(`${this.options.service}/${name}`);
    if (this.entries.get(name)?.isVisible) this.isChanged = true;
    this.entries.delete(name);
  }

  /** Applies expiries from the cache and emits the snapshot if anything visible changed. */
  private evaluate(): void {
    if (this.isStopped) return;
    const now = this.options.now();
    let nextExpiry = Infinity;
    const visible: ServiceInstance[] = [];
    for (const entry of this.entries.values()) {
      const expiresAt = entry.record ? recordExpiresAt(entry.record) : -Infinity;
      const isVisible = now < expiresAt;
      if (isVisible !== entry.isVisible || (isVisible && entry.isModified)) this.isChanged = true;
      entry.isVisible = isVisible;
      entry.isModified = false;
      if (isVisible) {
        visible.push(entry.record!.instance);
        nextExpiry = Math.min(nextExpiry, expiresAt);
      }
    }
    clearTimeout(this.expiryTimer);
    if (nextExpiry !== Infinity) {
      this.expiryTimer = setTimeout(() => this.task.trigger(), Math.max(1, nextExpiry - now + 1));
      this.expiryTimer.unref();
    }
    if (!this.isChanged) return;
    this.isChanged = false;
    this.options.emit(visible.sort(compareInstancesById));
  }
}
