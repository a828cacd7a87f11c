import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hasErrorCode, ignoreMissing } from '../../utils/fs-errors.util';
import { checkServiceInstance } from '../instance-schema.util';
import type { ServiceInstance } from '../service-instance.interface';
import type { SkippedEntries } from '../skipped-entries.util';
import { readEntryFile, type FileVersion } from './file-entry-reader.util';

/** Version of the entry file format; readers skip files of other versions. */
export const FILE_REGISTRY_FORMAT = 1;
const ENTRY_EXTENSION = '.json';

/**
 * What one entry file holds: `<dir>/services/<service>/<instanceId>.json`. Expiry is
 * computed from the file alone (`instance.renewedAt + ttlMs`), so entries of a writer that
 * died disappear without anybody deleting them.
 */
export interface FileRegistryRecord {
  format: typeof FILE_REGISTRY_FORMAT;
  ownerId: string;
  ttlMs: number;
  instance: ServiceInstance;
}

/** Paths of the file layout under a registry root directory. */
export const fileRegistryPaths = {
  services: (root: string): string => join(root, 'services'),
  service: (root: string, service: string): string => join(root, 'services', service),
  entry: (root: string, service: string, id: string): string => join(root, 'services', service, `${id}${ENTRY_EXTENSION}`),
  lock: (root: string, service: string, id: string): string => join(root, 'locks', service, `${id}.lock`),
  lockDir: (root: string, service: string): string => join(root, 'locks', service),
};

export const recordExpiresAt = (record: FileRegistryRecord): number => record.instance.renewedAt + record.ttlMs;

export const isRecordLive = (record: FileRegistryRecord, now: number): boolean => now < recordExpiresAt(record);

/** Entry file names in a directory listing: `<id>.json`, not hidden temp files. */
export const isEntryFileName = (name: string): boolean => name.endsWith(ENTRY_EXTENSION) && !name.startsWith('.');

/** The outcome of reading one entry file as a record. */
export type RecordRead =
  | { kind: 'record'; record: FileRegistryRecord; version: FileVersion }
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string; version: FileVersion }
  | { kind: 'failed'; error: unknown };

/**
 * Reads the entry file of `id` in `service` (regular files within `maxBytes` only, see
 * `readEntryFile`) and checks it: this format, the shared instance schema, and the service
 * and id of its path.
 */
export async function readRecordFile(
  path: string,
  service: string,
  id: string,
  maxBytes: number,
  lstatDone?: FileVersion,
): Promise<RecordRead> {
  const read = await readEntryFile(path, maxBytes, lstatDone);
  if (read.kind === 'missing' || read.kind === 'failed') return read;
  if (read.kind === 'skipped') return { kind: 'invalid', reason: `the file ${read.reason}`, version: read.version };
  const parsed = parseRecord(read.text, service, id);
  return 'reason' in parsed
    ? { kind: 'invalid', reason: parsed.reason, version: read.version }
    : { kind: 'record', record: parsed.record, version: read.version };
}

/** The record in `text`, or why it is not a valid one for `service` / `id`. */
export function parseRecord(text: string, service: string, id: string): { record: FileRegistryRecord } | { reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { reason: 'not JSON' };
  }
  if (typeof raw !== 'object' || raw === null) return { reason: 'not a registry record' };
  const record = raw as Partial<FileRegistryRecord>;
  if (record.format !== FILE_REGISTRY_FORMAT) return { reason: `not of format ${FILE_REGISTRY_FORMAT}` };
  if (typeof record.ownerId !== 'string' || !Number.isFinite(record.ttlMs) || (record.ttlMs as number) <= 0) {
    return { reason: "'ownerId' / 'ttlMs' missing or invalid" };
  }
  const check = checkServiceInstance(record.instance, { service, id });
  return check.reason === undefined ? { record: record as FileRegistryRecord } : { reason: check.reason };
}

/**
 * The record at `path` for a write under its lock, or `undefined` if the file is missing,
 * unreadable as a record, or does not belong at this path. I/O errors reject.
 */
export async function readRecord(path: string, service: string, id: string, maxBytes: number): Promise<FileRegistryRecord | undefined> {
  const read = await readRecordFile(path, service, id, maxBytes);
  if (read.kind === 'failed') throw read.error;
  return read.kind === 'record' ? read.record : undefined;
}

/**
 * Every name in the directory of `service`, or [] when it is missing or is not a directory
 * (a file planted under `services/` must not break `services()` or the sweeper).
 */
export async function listServiceDir(root: string, service: string): Promise<string[]> {
  try {
    return (await ignoreMissing(readdir(fileRegistryPaths.service(root, service)))) ?? [];
  } catch (error) {
    if (hasErrorCode(error, 'ENOTDIR')) return [];
    throw error;
  }
}

/** The entry file names of `service` (`<id>.json`); see {@link listServiceDir}. */
export async function listEntryFiles(root: string, service: string): Promise<string[]> {
  return (await listServiceDir(root, service)).filter(isEntryFileName);
}

export const idOfEntryFile = (name: string): string => name.slice(0, -ENTRY_EXTENSION.length);

/**
 * Every valid record of `service`, expired or not, in no particular order. Invalid and
 * unreadable files are skipped and reported to `skipped` (once each).
 */
export async function readServiceRecords(
  root: string,
  service: string,
  maxBytes: number,
  skipped: SkippedEntries,
): Promise<FileRegistryRecord[]> {
  const records: FileRegistryRecord[] = [];
  await inBatches(await listEntryFiles(root, service), async (name) => {
    const read = await readRecordFile(join(fileRegistryPaths.service(root, service), name), service, idOfEntryFile(name), maxBytes);
    reportRead(skipped, `${service}/${name}`, read);
    if (read.kind === 'record') records.push(read.record);
  });
  return records;
}

/** Runs `run` over `items`, at most 64 at a time (bounded fds and memory for 10,000 files). */
export async function inBatches<T>(items: readonly T[], run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += 64) await Promise.all(items.slice(i, i + 64).map(run));
}

/** Reports an invalid or failed read to `skipped` (a good one clears the key). */
export function reportRead(skipped: SkippedEntries, key: string, read: RecordRead): void {
  if (read.kind === 'invalid') skipped.invalidEntry(key, read.reason);
  else if (read.kind === 'failed') skipped.readError(key, read.error);
  else skipped.clear(key);
}
