import type { IKeyValue } from 'etcd3';
import { compareInstancesById, snapshotFingerprint } from '../registry-entry.util';
import type { ServiceInstance } from '../service-instance.interface';
import type { SkippedEntries } from '../skipped-entries.util';
import type { EtcdRangeSink } from './etcd-range-watch.util';
import { decodeInstance } from './etcd-registry-record.util';

/**
 * The live view of one service fed by an etcd range watch: entries by key, each with its
 * fingerprint without `renewedAt`, so the puts that only refresh `renewedAt` (heartbeats)
 * change nothing. Invalid values are skipped (see `decodeInstance`). `flush` calls `emit` with the sorted snapshot only when it changed.
 */
export function createServiceViewSink(
  service: string,
  emit: (instances: ServiceInstance[]) => void,
  skipped: SkippedEntries,
): EtcdRangeSink {
  const entries = new Map<string, { instance: ServiceInstance; fingerprint: string }>();
  let isChanged = false;
  let lastFingerprint: string | undefined;
  const remove = (key: string): void => {
    if (entries.delete(key)) isChanged = true;
  };
  const put = (kv: IKeyValue): void => {
    const instance = decodeInstance(kv, service, skipped);
    const key = kv.key.toString();
    // NOTE: an invalid value replacing a valid one removes the entry from the view.
    if (!instance) return remove(key);
    const fingerprint = snapshotFingerprint([instance]);
    if (entries.get(key)?.fingerprint !== fingerprint) isChanged = true;
    entries.set(key, { instance, fingerprint });
  };
  return {
    reset: (kvs) => {
      entries.clear();
      isChanged = true;
      kvs.forEach(put);
    },
    put,
    delete: (kv) => remove(kv.key.toString()),
    flush: () => {
      if (!isChanged) return;
      isChanged = false;
      const instances = [...entries.values()].map((entry) => entry.instance).sort(compareInstancesById);
      const fingerprint = snapshotFingerprint(instances);
      if (fingerprint === lastFingerprint) return;
      lastFingerprint = fingerprint;
      emit(instances);
    },
  };
}
