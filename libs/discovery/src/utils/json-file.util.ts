import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { hasErrorCode, ignoreMissing } from './fs-errors.util';

/** Suffix of the temporary files written by {@link writeJsonAtomic}. Readers skip them. */
export const TEMP_FILE_SUFFIX = '.tmp';

/**
 * Writes `value` as JSON to `path` so that readers see either the old or the new file,
 * never a torn one: the text goes to a hidden temp file in the same directory, which is
 * then renamed over `path` (rename is atomic within one file system).
 *
 * NOTE: no fsync. Registry entries and leases are soft state that expires anyway; what
 * matters is that concurrent readers never see half a file, not durability after power loss.
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}${TEMP_FILE_SUFFIX}`);
  try {
    // 0600: registry entries and leases are readable and writable by their user only.
    await writeFile(temp, JSON.stringify(value), { flag: 'wx', mode: 0o600 });
    await rename(temp, path);
  } catch (error) {
    await ignoreMissing(unlink(temp));
    throw error;
  }
}

/** Largest file {@link readJsonFile} reads (leader lease files are a few hundred bytes). */
const JSON_FILE_MAX_BYTES = 1024 * 1024;

/**
 * Reads and parses a JSON file. Resolves `undefined` if the file does not exist; rejects
 * with a `SyntaxError` if it is not valid JSON, not a regular file (a FIFO, a directory, a
 * symlink) or over 1 MiB (callers decide whether to skip or fail).
 *
 * NOTE: the open is non-blocking and no-follow: a FIFO planted in a shared directory must
 * not park a libuv thread (four of them and every file operation of the process stalls).
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    if (hasErrorCode(error, 'ELOOP')) throw new SyntaxError(`${path} is a symbolic link`, { cause: error });
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new SyntaxError(`${path} is not a regular file`);
    if (stats.size > JSON_FILE_MAX_BYTES) throw new SyntaxError(`${path} is over ${JSON_FILE_MAX_BYTES} bytes`);
    return JSON.parse(await handle.readFile('utf8')) as unknown;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
