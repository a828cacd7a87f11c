import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ignoreMissing } from '../../utils/fs-errors.util';
import { readJsonFile } from '../../utils/json-file.util';
import type { ServiceInstance } from '../service-instance.interface';

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

/**
 * The record at `path`, or `undefined` if the file is missing, not valid JSON, of another
 * format, or does not belong at this path (wrong service or id).
 */
export async function readRecord(path: string, service: string, id: string): Promise<FileRegistryRecord | undefined> {
  let raw: unknown;
  try {
    raw = await readJsonFile(path);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  return isRecord(raw) && raw.instance.service === service && raw.instance.id === id ? raw : undefined;
}

/** Every readable record of `service`, expired or not, in no particular order. */
export async function readServiceRecords(root: string, service: string): Promise<FileRegistryRecord[]> {
  const names = (await ignoreMissing(readdir(fileRegistryPaths.service(root, service)))) ?? [];
  const records = await Promise.all(
    names.filter(isEntryFileName).map((name) => {
      const id = name.slice(0, -ENTRY_EXTENSION.length);
      return readRecord(fileRegistryPaths.entry(root, service, id), service, id);
    }),
  );
  return records.filter((record): record is FileRegistryRecord => record !== undefined);
}

function isRecord(raw: unknown): raw is FileRegistryRecord {
  if (typeof raw !== 'object' || raw === null) return false;
  const record = raw as Partial<FileRegistryRecord>;
  const instance = record.instance as Partial<ServiceInstance> | undefined;
  return (
    record.format === FILE_REGISTRY_FORMAT &&
    typeof record.ownerId === 'string' &&
    typeof record.ttlMs === 'number' &&
    typeof instance === 'object' &&
    instance !== null &&
    typeof instance.id === 'string' &&
    typeof instance.service === 'string' &&
    typeof instance.renewedAt === 'number'
  );
}
