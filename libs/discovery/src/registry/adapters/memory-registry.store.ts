import { compareInstancesById } from '../registry-entry.util';
import type { ServiceInstance } from '../service-instance.interface';
import { MEMORY_REGISTRY_DEFAULT_MIN_SWEEP_INTERVAL_MS, type MemoryRegistryStoreOptions } from './memory-registry.options';

/**
 * One stored registry entry. `instance` is deeply frozen.
 *
 * @publicApi
 */
export interface MemoryRegistryEntry {
  readonly instance: ServiceInstance;
  readonly ownerId: string;
  readonly ttlMs: number;
  readonly expiresAt: number;
}

/** A consistent view of one service: its live entries and the change counter they match. */
export interface MemoryRegistrySnapshot {
  readonly version: number;
  readonly instances: ServiceInstance[];
}

/**
 * The state behind one or more `MemoryRegistryAdapter`s: entries by service and id, expiry
 * sweeping, and change notification. Share one store between adapters to model several
 * owners in one process (what `memory://<name>` URLs do).
 *
 * NOTE: `store` is not one of the STYLE roles; it names what this is (the backend itself,
 * like a Redis server for the Redis adapter) better than `adapter` or `util` would.
 *
 * Expiry is lazy and timed: reads never return expired entries, and one timer, armed for
 * the earliest expiry, removes them and notifies watchers (`sweep()` does it on demand,
 * for injected clocks). Notifications are queued and delivered one at a time, so a
 * listener that changes the store never sees events out of order.
 *
 * @publicApi
 */
export class MemoryRegistryStore {
  /** The store clock, epoch milliseconds. */
  readonly now: () => number;
  private readonly minSweepIntervalMs: number;
  private readonly entries = new Map<string, Map<string, MemoryRegistryEntry>>();
  private readonly versions = new Map<string, number>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly queue: string[] = [];
  private isDispatching = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweepAt = Infinity;

  constructor(options: MemoryRegistryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.minSweepIntervalMs = options.minSweepIntervalMs ?? MEMORY_REGISTRY_DEFAULT_MIN_SWEEP_INTERVAL_MS;
  }

  /** The stored entry, expired or not. */
  get(service: string, id: string): MemoryRegistryEntry | undefined {
    return this.entries.get(service)?.get(id);
  }

  /**
   * Stores `entry`. Watchers are notified when it adds a member (new id, or replaces an
   * expired entry) or when `isVisibleChange` says a field other than `renewedAt` changed.
   */
  put(entry: MemoryRegistryEntry, isVisibleChange: boolean): void {
    const { service, id } = entry.instance;
    let byId = this.entries.get(service);
    if (!byId) this.entries.set(service, (byId = new Map()));
    const previous = byId.get(id);
    byId.set(id, entry);
    if (!previous || previous.expiresAt <= this.now() || isVisibleChange) this.changed(service);
    this.armSweep(entry.expiresAt);
  }

  /**
   * Removes the entry. An entry still present is either live or expired after the last
   * snapshot was taken (snapshots sweep first), so removing it always notifies.
   */
  delete(service: string, id: string): void {
    const byId = this.entries.get(service);
    if (!byId?.delete(id)) return;
    if (byId.size === 0) this.entries.delete(service);
    this.changed(service);
  }

  /** Live entries of `service`, sorted by id, with the change counter they correspond to. */
  snapshot(service: string): MemoryRegistrySnapshot {
    this.sweepService(service, this.now());
    const byId = this.entries.get(service);
    const instances = byId ? [...byId.values()].map((e) => e.instance).sort(compareInstancesById) : [];
    return { version: this.versions.get(service) ?? 0, instances };
  }

  /** Names of services with at least one live entry, sorted. */
  serviceNames(): string[] {
    const now = this.now();
    for (const service of [...this.entries.keys()]) this.sweepService(service, now);
    return [...this.entries.keys()].sort();
  }

  /** Calls `listener` after every visible change of `service`. Returns the unsubscribe function. */
  subscribe(service: string, listener: () => void): () => void {
    let set = this.listeners.get(service);
    if (!set) this.listeners.set(service, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(service) === set) this.listeners.delete(service);
    };
  }

  /** Removes every expired entry now and notifies watchers. Timers do this on their own. */
  sweep(): void {
    this.clearSweepTimer();
    const now = this.now();
    for (const service of [...this.entries.keys()]) this.sweepService(service, now);
    let next = Infinity;
    for (const byId of this.entries.values()) for (const entry of byId.values()) next = Math.min(next, entry.expiresAt);
    if (next !== Infinity) this.armSweep(next, this.minSweepIntervalMs);
  }

  private sweepService(service: string, now: number): void {
    const byId = this.entries.get(service);
    if (!byId) return;
    let removed = false;
    for (const [id, entry] of byId) {
      if (entry.expiresAt <= now) {
        byId.delete(id);
        removed = true;
      }
    }
    if (byId.size === 0) this.entries.delete(service);
    if (removed) this.changed(service);
  }

  private changed(service: string): void {
    this.versions.set(service, (this.versions.get(service) ?? 0) + 1);
    this.queue.push(service);
    if (this.isDispatching) return;
    this.isDispatching = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        for (const listener of [...(this.listeners.get(next) ?? [])]) listener();
      }
    } finally {
      this.isDispatching = false;
      this.queue.length = 0;
    }
  }

  private armSweep(expiresAt: number, minDelayMs = 0): void {
    if (expiresAt >= this.sweepAt) return;
    this.clearSweepTimer();
    this.sweepAt = expiresAt;
    const delay = Math.max(minDelayMs, expiresAt - this.now() + 1);
    this.sweepTimer = setTimeout(() => this.sweep(), delay);
    // NOTE: the store must never keep a process alive; it holds soft state only.
    this.sweepTimer.unref();
  }

  private clearSweepTimer(): void {
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
  }
}
