import type { IKeyValue } from 'etcd3';
import { checkServiceInstance } from '../instance-schema.util';
import type { ServiceInstance } from '../service-instance.interface';
import type { SkippedEntries } from '../skipped-entries.util';

/** Version of the entry value format; readers skip values of other versions. */
export const ETCD_REGISTRY_FORMAT = 1;

/**
 * The value of `<prefix>/services/<service>/<instanceId>`, attached to the entry's lease.
 * `instance.renewedAt` is refreshed by heartbeats at least every half TTL (see the adapter).
 */
export interface EtcdRegistryRecord {
  format: typeof ETCD_REGISTRY_FORMAT;
  ownerId: string;
  ttlMs: number;
  instance: ServiceInstance;
}

/** Keys of the etcd layout under a prefix `p` (see docs/registry.md). */
export const etcdRegistryKeys = {
  services: (p: string): Buffer => Buffer.from(`${p}/services/`),
  service: (p: string, service: string): Buffer => Buffer.from(`${p}/services/${service}/`),
  instance: (p: string, service: string, id: string): Buffer => Buffer.from(`${p}/services/${service}/${id}`),
  leader: (p: string, group: string): Buffer => Buffer.from(`${p}/leaders/${group}`),
  epoch: (p: string): Buffer => Buffer.from(`${p}/epoch`),
};

/** The exclusive end of the range of keys starting with `prefix`. */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

export const encodeRecord = (record: EtcdRegistryRecord): Buffer => Buffer.from(JSON.stringify(record));

/** The record in `kv`, or undefined when the value is not one (foreign, corrupt, other format). */
export function decodeRecord(kv: IKeyValue | undefined): EtcdRegistryRecord | undefined {
  if (!kv) return undefined;
  try {
    const raw = JSON.parse(kv.value.toString()) as Partial<EtcdRegistryRecord>;
    const isValid =
      raw?.format === ETCD_REGISTRY_FORMAT &&
      typeof raw.ownerId === 'string' &&
      typeof raw.ttlMs === 'number' &&
      typeof raw.instance?.id === 'string' &&
      typeof raw.instance.service === 'string';
    return isValid ? (raw as EtcdRegistryRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The valid instance stored in `kv` under `service`, or undefined: a value that is not a
 * record of this format, or whose instance fails the shared schema (or does not match its
 * key), is skipped, counted and logged once through `skipped`.
 */
export function decodeInstance(kv: IKeyValue, service: string, skipped: SkippedEntries): ServiceInstance | undefined {
  const key = kv.key.toString();
  const id = key.slice(key.lastIndexOf('/') + 1);
  const label = `${service}/${id}`;
  const record = decodeRecord(kv);
  const check = record ? checkServiceInstance(record.instance, { service, id }) : { reason: 'not a registry record' };
  if (check.reason !== undefined) {
    skipped.invalidEntry(label, check.reason);
    return undefined;
  }
  skipped.clear(label);
  return check.instance;
}
