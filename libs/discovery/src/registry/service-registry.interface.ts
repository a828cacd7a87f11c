import type { Observable } from 'rxjs';
import type { InstanceLoad, InstanceStatus, ServiceInstance } from './service-instance.interface';

/**
 * What `register()` takes: a {@link ServiceInstance} whose timestamps may be omitted.
 * `registeredAt` and `renewedAt` are always stamped by the registry's clock; values passed
 * here are ignored (so a plain `ServiceInstance` is accepted too).
 *
 * @publicApi
 */
export type ServiceRegistration = Omit<ServiceInstance, 'registeredAt' | 'renewedAt'> &
  Partial<Pick<ServiceInstance, 'registeredAt' | 'renewedAt'>>;

/**
 * Options of `register()`.
 *
 * @publicApi
 */
export interface RegisterOptions {
  /**
   * Lease length in milliseconds (> 0). The entry disappears from `list()` and `watch()`
   * once `ttlMs` have passed since the last successful `register()` / `heartbeat()`.
   * Heartbeat well within it (a third of the TTL is the usual choice).
   */
  ttlMs: number;
}

/**
 * Fields a heartbeat may update together with renewing the lease. Each given field
 * replaces the stored one wholesale (`metadata` is replaced, not merged); omitted fields
 * keep their value. Endpoints, version and zone change only by registering again.
 *
 * @publicApi
 */
export interface HeartbeatPatch {
  status?: InstanceStatus;
  load?: InstanceLoad;
  weight?: number;
  metadata?: Record<string, string>;
}

/**
 * Counters of what an adapter skipped while reading the registry (see docs/registry.md,
 * "Entry validation").
 *
 * @publicApi
 */
export interface ServiceRegistryStats {
  /** Entries skipped because they failed the instance schema (each counted and logged once). */
  invalidEntries: number;
  /** Entries or directories that could not be read (I/O errors); each logged once. */
  readErrors: number;
  /** Open watches whose last read hit an I/O error (file registry); their view may lag. */
  staleWatches: number;
}

/**
 * A service registry backend (port). One adapter per URL scheme implements it with the
 * same observable behaviour; `describeServiceRegistryContract` is the executable spec.
 *
 * **Ownership.** Each registry object is one *owner* (a client identity: an in-process
 * object, or a process's connection). An entry belongs to the owner that registered it;
 * `heartbeat()` and `deregister()` act only on entries of the calling owner.
 *
 * **Leases.** Every entry lives for `ttlMs` after its last `register()`/`heartbeat()`,
 * measured on the backend's clock (etcd lease, Redis key expiry, timers for memory, stored
 * `renewedAt + ttlMs` for files). An expired entry is gone: `list()` and `watch()` never
 * return it, even if the backend has not physically deleted it yet, and only a new
 * `register()` brings it back. Expiry is how crashed instances leave the registry.
 *
 * **Validation.** Service names must match `^[a-z][a-z0-9-]{0,62}$`
 * (`InvalidServiceNameError`), instance ids `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`
 * (`InvalidInstanceIdError`), and `ttlMs` must be a finite number > 0 (`InvalidTtlError`).
 * Invalid input always rejects; it never reaches the backend.
 *
 * **Hostile entries.** Every adapter checks every entry it reads against one instance
 * schema; an entry that fails it is skipped (never listed, never emitted), counted in
 * `stats().invalidEntries` and logged once, and the rest of the snapshot is unaffected.
 *
 * **Lifecycle.** After `close()`, every method except `close()` rejects with
 * `RegistryClosedError` (`watch()` returns an observable that errors with it).
 *
 * Future backends map naturally: an etcd lease per owner (heartbeat = lease keep-alive
 * plus a put when status/load changed) and etcd watch for push; Redis keys with PX expiry
 * plus keyspace notifications. Store revisions stay internal: `watch()` consumers only
 * need ordered snapshots.
 *
 * @publicApi
 */
export interface ServiceRegistry {
  /**
   * Creates the entry for `instance` with a lease of `opts.ttlMs`, stamping `registeredAt`
   * and `renewedAt` with the backend clock.
   *
   * - Same instance id (and service) registered and unexpired by a **different** owner:
   *   rejects with `DuplicateInstanceError`, nothing changes.
   * - Same id registered by **this** owner: the entry is replaced (all fields, new TTL).
   *   If this owner registered the id under another service, that entry is removed: an
   *   instance id names one entry per owner.
   * - An expired entry of another owner does not block registration.
   */
  register(instance: ServiceRegistration, opts: RegisterOptions): Promise<void>;

  /**
   * Renews the lease of an entry this owner registered (with the `ttlMs` it was registered
   * with), sets `renewedAt`, and applies `patch` (status, load, ...).
   *
   * Rejects with `InstanceNotRegisteredError` when this owner has no live entry with that
   * id: never registered, deregistered, taken over by another owner, or **expired** (a late
   * heartbeat does not revive an entry). The caller should then `register()` again.
   */
  heartbeat(instanceId: string, patch?: HeartbeatPatch): Promise<void>;

  /**
   * Removes the entry with that id if this owner registered it. Idempotent: an unknown,
   * expired or already removed id resolves without error. An entry owned by someone else
   * is never removed.
   */
  deregister(instanceId: string): Promise<void>;

  /** Live (unexpired) instances of `service`, sorted by `id`. Empty if none. */
  list(service: string): Promise<ServiceInstance[]>;

  /** Names of services with at least one live instance, sorted. */
  services(): Promise<string[]>;

  /**
   * Live instances of `service` as a stream of **full snapshots** (each emission is the
   * whole sorted list, never a diff).
   *
   * - The first emission is the current snapshot (possibly `[]`); it may arrive
   *   asynchronously.
   * - Then a new snapshot is emitted whenever membership (add, remove, expiry), status,
   *   load or any other registered field changes. A heartbeat that only renews the lease
   *   does **not** emit (`renewedAt` in the snapshots may therefore be stale).
   * - Snapshots are emitted in order: each reflects a state no older than the previous.
   *   Rapid changes may be coalesced into one snapshot; consecutive snapshots are never
   *   equal (ignoring `renewedAt`).
   * - Latency is backend-specific (memory: synchronous; file: fs events, at worst the
   *   poll interval; expiry is noticed at the latest one poll interval after it).
   * - Unsubscribing releases timers and fs watchers of that subscription; `close()`
   *   completes every open watch of this registry object.
   */
  watch(service: string): Observable<ServiceInstance[]>;

  /**
   * What this registry object skipped while reading: invalid entries and read errors. Every
   * built-in adapter implements it; optional for custom ones.
   */
  stats?(): ServiceRegistryStats;

  /**
   * Stops every timer, sweeper and watcher of this registry object and completes its open
   * watches. Idempotent. It does **not** deregister this owner's entries: they stay
   * visible until their TTL runs out, unless the caller deregisters them first (a draining
   * app deregisters, then closes).
   */
  close(): Promise<void>;
}
