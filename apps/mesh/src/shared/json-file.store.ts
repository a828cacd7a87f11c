import { mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const LOCK_STALE_MS = 2000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The demo's stand-in for a database: one JSON file per record under a directory that
 * every instance of a service shares, so any instance can answer for any record.
 * Writes are atomic (temp file + rename); `update` holds a per-record lock file so
 * concurrent read-modify-writes from several processes do not lose updates.
 * (A real service would use its database here; nothing else in the demo depends on it.)
 */
export class JsonFileStore<T> {
  constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  read(key: string): T | undefined {
    try {
      return JSON.parse(readFileSync(this.path(key), 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  write(key: string, value: T): void {
    const target = this.path(key);
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(value));
    renameSync(temp, target);
  }

  /** Writes only if the record does not exist yet; false when it did. */
  create(key: string, value: T): boolean {
    try {
      writeFileSync(this.path(key), JSON.stringify(value), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  /** Read-modify-write of one record under its lock. */
  async update(key: string, change: (current: T | undefined) => T): Promise<T> {
    const lock = `${this.path(key)}.lock`;
    await this.acquire(lock);
    try {
      const next = change(this.read(key));
      this.write(key, next);
      return next;
    } finally {
      rmSync(lock, { force: true });
    }
  }

  private async acquire(lock: string): Promise<void> {
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx'));
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      // A holder that crashed leaves its lock behind: break it once it is old.
      const age = Date.now() - (statSafe(lock) ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(lock, { force: true });
      await sleep(2 + Math.random() * 5);
    }
  }

  private path(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid record key '${key}'`);
    return join(this.directory, `${key}.json`);
  }
}

function statSafe(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
