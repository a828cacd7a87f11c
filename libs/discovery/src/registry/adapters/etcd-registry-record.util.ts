import type { IKeyValue } from 'etcd3';
import type { ServiceInstance } from '../service-instance.interface';

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
