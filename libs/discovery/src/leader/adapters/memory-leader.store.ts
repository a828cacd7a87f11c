import { EMPTY_LEADER_GROUP_STATE, type LeaderGroupState } from '../leader-state.util';

/**
 * Options of {@link MemoryLeaderStore}.
 *
 * @publicApi
 */
export interface MemoryLeaderStoreOptions {
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/**
 * The state behind one or more `MemoryLeaderElector`s: per group, the holder and the last
 * fencing token (kept for the life of the store, so tokens never repeat in this process).
 * Notifies listeners on every change and when a holder's lease expires.
 *
 * NOTE: `store` is not one of the STYLE roles; like `MemoryRegistryStore` it is the backend
 * itself, shared by adapters.
 *
 * @publicApi
 */
export class MemoryLeaderStore {
  readonly now: () => number;
  private readonly groups = new Map<string, LeaderGroupState>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();

  constructor(options: MemoryLeaderStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  get(group: string): LeaderGroupState {
    return this.groups.get(group) ?? EMPTY_LEADER_GROUP_STATE;
  }

  /** Replaces the state of `group` and notifies its listeners. */
  set(group: string, state: LeaderGroupState): void {
    this.groups.set(group, state);
    this.armExpiry(group, state.holder?.expiresAt);
    this.notify(group);
  }

  subscribe(group: string, listener: () => void): () => void {
    let set = this.listeners.get(group);
    if (!set) this.listeners.set(group, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(group) === set) this.listeners.delete(group);
    };
  }

  private notify(group: string): void {
    for (const listener of [...(this.listeners.get(group) ?? [])]) listener();
  }

  private armExpiry(group: string, expiresAt: number | undefined): void {
    clearTimeout(this.expiryTimers.get(group));
    this.expiryTimers.delete(group);
    if (expiresAt === undefined) return;
    const fire = (): void => {
      const holder = this.get(group).holder;
      if (!holder || holder.expiresAt !== expiresAt) return;
      if (this.now() < expiresAt) {
        // NOTE: an injected clock may run slower than timers; check again later.
        const retry = setTimeout(fire, Math.max(5, expiresAt - this.now()));
        retry.unref();
        this.expiryTimers.set(group, retry);
        return;
      }
      this.expiryTimers.delete(group);
      this.notify(group);
    };
    const timer = setTimeout(fire, Math.max(0, expiresAt - this.now()) + 1);
    timer.unref();
    this.expiryTimers.set(group, timer);
  }
}
