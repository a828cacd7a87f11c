import { randomUUID } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ignoreMissing } from './fs-errors.util';

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

/**
 * Reads and parses a JSON file. Resolves `undefined` if the file does not exist; rejects
 * with a `SyntaxError` if it is not valid JSON (callers decide whether to skip or fail).
 */
export async function readJsonFile(path: string): Promise<unknown> {
  const text = await ignoreMissing(readFile(path, 'utf8'));
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}
