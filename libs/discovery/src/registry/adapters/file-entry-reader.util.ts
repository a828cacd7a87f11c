import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { hasErrorCode } from '../../utils/fs-errors.util';

/** What identifies one version of an entry file: a rewrite (temp + rename) changes the inode. */
export interface FileVersion {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/**
 * The outcome of reading one entry file:
 * - `text`: a regular file within the size cap, with the version it was read at;
 * - `missing`: no such file (deleted meanwhile);
 * - `skipped`: not a regular file, or too large: never opened (or closed unread); `reason` says why;
 * - `failed`: an I/O error (EACCES, EIO, EMFILE...): the caller keeps what it knew.
 */
export type EntryFileRead =
  | { kind: 'text'; text: string; version: FileVersion }
  | { kind: 'missing' }
  | { kind: 'skipped'; reason: string; version: FileVersion }
  | { kind: 'failed'; error: unknown };

// NOTE: O_NONBLOCK makes opening a FIFO return at once instead of parking a libuv thread
// forever; O_NOFOLLOW refuses a symlink swapped in between lstat and open.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

export const fileVersionOf = (stats: Stats): FileVersion => ({
  ino: stats.ino,
  size: stats.size,
  mtimeMs: stats.mtimeMs,
  ctimeMs: stats.ctimeMs,
});

export const isSameVersion = (a: FileVersion | undefined, b: FileVersion): boolean =>
  a !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

/** Why a file with these stats is not read, or undefined when it may be. */
function refusal(stats: Stats, maxBytes: number): string | undefined {
  if (stats.isSymbolicLink()) return 'is a symbolic link';
  if (!stats.isFile()) return 'is not a regular file';
  if (stats.size > maxBytes) return `is ${stats.size} bytes, over the ${maxBytes}-byte cap`;
  return undefined;
}

/** `lstat` of `path`: its version and whether it may be read, without opening it. */
export async function statEntryFile(
  path: string,
  maxBytes: number,
): Promise<{ kind: 'stat'; version: FileVersion; refusal?: string } | { kind: 'missing' } | { kind: 'failed'; error: unknown }> {
  try {
    const stats = await lstat(path);
    return { kind: 'stat', version: fileVersionOf(stats), refusal: refusal(stats, maxBytes) };
  } catch (error) {
    return hasErrorCode(error, 'ENOENT') ? { kind: 'missing' } : { kind: 'failed', error };
  }
}

/**
 * Reads an entry file only if it is a regular file of at most `maxBytes` bytes: `lstat`
 * first (unless `lstatDone` says it was just done), then a non-blocking, no-follow open
 * and at most `maxBytes + 1` bytes.
 *
 * NOTE: no `fstat` after the open (a syscall per file at 10,000 files): a file swapped in
 * between cannot hurt. A symlink fails the open (`O_NOFOLLOW`), a FIFO opens and reads
 * empty or `EAGAIN` at once (`O_NONBLOCK`), a directory fails the read (`EISDIR`), and
 * anything else is read only up to the cap.
 */
export async function readEntryFile(path: string, maxBytes: number, lstatDone?: FileVersion): Promise<EntryFileRead> {
  const first = lstatDone ? ({ kind: 'stat', version: lstatDone } as const) : await statEntryFile(path, maxBytes);
  if (first.kind !== 'stat') return first;
  const { version } = first;
  if ('refusal' in first && first.refusal) return { kind: 'skipped', reason: first.refusal, version };
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return { kind: 'missing' };
    if (hasErrorCode(error, 'ELOOP')) return { kind: 'skipped', reason: 'is a symbolic link', version };
    return { kind: 'failed', error };
  }
  try {
    const buffer = Buffer.alloc(Math.min(version.size, maxBytes) + 1);
    // One read: for a regular file a short read is its end, and a full buffer is one byte
    // past what lstat saw (the file grew: over the cap, or read again on its next change).
    const { bytesRead: length } = await handle.read(buffer, 0, buffer.length, 0);
    if (length > maxBytes) return { kind: 'skipped', reason: `grew over the ${maxBytes}-byte cap`, version };
    return { kind: 'text', text: buffer.toString('utf8', 0, length), version };
  } catch (error) {
    return { kind: 'failed', error };
  } finally {
    await handle.close().catch(() => undefined);
  }
}
