import type { IKeyValue } from 'etcd3';
import { compareInstancesById, snapshotFingerprint } from '../registry-entry.util';
import type { ServiceInstance } from '../service-instance.interface';
import type { EtcdRangeSink } from './etcd-range-watch.util';
import { decodeRecord } from './etcd-registry-record.util';

/**
 * The live view of one service fed by an etcd range watch: entries by key, each with its
 * fingerprint without `renewedAt`, so the puts that only refresh `renewedAt` (heartbeats)
 * change nothing. `flush` calls `emit` with the sorted snapshot only when it changed.
 */
export function createServiceViewSink(service: string, emit: (instances: ServiceInstance[]) => void): EtcdRangeSink {
  const entries = new Map<string, { instance: ServiceInstance; fingerprint: string }>();
  let isChanged = false;
  let lastFingerprint: string | undefined;
  const remove = (key: string): void => {
    if (entries.delete(key)) isChanged = true;
  };
  const put = (kv: IKeyValue): void => {
    const instance = decodeRecord(kv)?.instance;
    const key = kv.key.toString();
    if (instance?.service !== service) return remove(key);
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
