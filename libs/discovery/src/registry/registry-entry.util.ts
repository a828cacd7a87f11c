import { stableStringify } from '../utils/stable-stringify.util';
import type { ServiceInstance } from './service-instance.interface';
import type { HeartbeatPatch, ServiceRegistration } from './service-registry.interface';

/** The patchable fields, in one place so adapters agree on what a heartbeat may change. */
const PATCHABLE_FIELDS = ['status', 'load', 'weight', 'metadata'] as const satisfies readonly (keyof HeartbeatPatch &
  keyof ServiceInstance)[];

/** The instance as stored at registration: timestamps stamped with the backend clock. */
export function toRegisteredInstance(registration: ServiceRegistration, now: number): ServiceInstance {
  return { ...registration, registeredAt: now, renewedAt: now };
}

/**
 * The instance after a heartbeat at `now` with `patch` applied (undefined fields ignored),
 * and whether anything a watcher can see changed (anything but `renewedAt`).
 */
export function applyHeartbeat(
  instance: ServiceInstance,
  patch: HeartbeatPatch | undefined,
  now: number,
): { instance: ServiceInstance; isVisibleChange: boolean } {
  const next: ServiceInstance = { ...instance, renewedAt: now };
  let isVisibleChange = false;
  for (const field of PATCHABLE_FIELDS) {
    const value = patch?.[field];
    if (value === undefined) continue;
    if (stableStringify(value) !== stableStringify(instance[field])) isVisibleChange = true;
    Object.assign(next, { [field]: value });
  }
  return { instance: next, isVisibleChange };
}

/**
 * A string that is equal for two snapshots exactly when a watcher should not emit twice:
 * everything but `renewedAt`, independent of key order.
 */
export function snapshotFingerprint(instances: readonly ServiceInstance[]): string {
  return stableStringify(instances.map(({ renewedAt: _renewedAt, ...visible }) => visible));
}

/** Sort order of every snapshot and list: by instance id. */
export function compareInstancesById(a: ServiceInstance, b: ServiceInstance): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
