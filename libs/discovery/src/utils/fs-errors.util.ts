import { unlink } from 'node:fs/promises';

/** True when `error` is a Node.js system error with the given `code` (`ENOENT`, `EEXIST`, ...). */
export function hasErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}

/** Runs `operation` and turns an `ENOENT` failure into `undefined`. */
export async function ignoreMissing<T>(operation: Promise<T>): Promise<T | undefined> {
  try {
    return await operation;
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** Deletes a file; resolves `true` if it deleted it, `false` if it was already gone. */
export async function unlinkIfPresent(path: string): Promise<boolean> {
  return (await ignoreMissing(unlink(path).then(() => true))) ?? false;
}
