import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { LockTimeoutError } from '../errors/lock-timeout.error';
import { hasErrorCode, ignoreMissing } from './fs-errors.util';

/** Lock files older than this are considered left behind by a dead process. */
export const FILE_LOCK_DEFAULT_STALE_MS = 5_000;
/** How long {@link withFileLock} waits for the lock before failing. */
export const FILE_LOCK_DEFAULT_TIMEOUT_MS = 10_000;

export interface FileLockOptions {
  staleMs?: number;
  timeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `critical` while holding an exclusive lock file at `lockPath`, created with
 * `open(path, 'wx')` (atomic create-if-absent), and removes it afterwards.
 *
 * A lock whose mtime is older than `staleMs` is broken: its holder is assumed dead,
 * because holders keep the lock only for one read-modify-write of a small file.
 *
 * NOTE: breaking a stale lock renames it away under a unique name first, then checks that
 * the renamed file really was the stale one; if a fresh lock was renamed by mistake (its
 * holder released and a third process re-locked in between), it is linked back.
 * What is NOT guaranteed: mutual exclusion for a holder that stays inside the critical
 * section longer than `staleMs` (a process paused by SIGSTOP or a debugger).
 *
 * @throws LockTimeoutError when the lock cannot be taken within `timeoutMs`.
 */
export async function withFileLock<T>(lockPath: string, critical: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? FILE_LOCK_DEFAULT_STALE_MS;
  const timeoutMs = options.timeoutMs ?? FILE_LOCK_DEFAULT_TIMEOUT_MS;
  const token = `${process.pid}:${randomUUID()}`;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(lockPath, token)) break;
    await breakIfStale(lockPath, staleMs);
    if (Date.now() > deadline) throw new LockTimeoutError(lockPath, timeoutMs);
    // Short randomised backoff: critical sections are a few milliseconds long.
    await sleep(Math.min(2 + attempt, 20) * (0.5 + Math.random()));
  }
  try {
    return await critical();
  } finally {
    await release(lockPath, token);
  }
}

async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx');
    try {
      await handle.writeFile(token);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if (hasErrorCode(error, 'EEXIST')) return false;
    throw error;
  }
}

async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  const info = await ignoreMissing(stat(lockPath));
  if (!info || Date.now() - info.mtimeMs <= staleMs) return;
  const aside = `${lockPath}.${randomUUID()}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return; // someone else broke or released it
    throw error;
  }
  const moved = await ignoreMissing(stat(aside));
  if (moved && Date.now() - moved.mtimeMs <= staleMs) {
    // NOTE: we moved a fresh lock that replaced the stale one meanwhile: put it back.
    await link(aside, lockPath).catch(() => undefined);
  }
  await ignoreMissing(unlink(aside));
}

async function release(lockPath: string, token: string): Promise<void> {
  // Only remove the lock if it is still ours (it may have been broken as stale).
  const content = await ignoreMissing(readFile(lockPath, 'utf8'));
  if (content === token) await ignoreMissing(unlink(lockPath));
}
