import { randomUUID } from 'node:crypto';
import { Observable, type Subscriber } from 'rxjs';
import { DuplicateInstanceError } from '../../errors/duplicate-instance.error';
import { InstanceNotRegisteredError } from '../../errors/instance-not-registered.error';
import { RegistryClosedError } from '../../errors/registry-closed.error';
import { frozenJsonCopy } from '../../utils/deep-freeze.util';
import { assertInstanceId, assertServiceName, assertTtl } from '../../utils/validation.util';
import { checkServiceInstance } from '../instance-schema.util';
import { applyHeartbeat, toRegisteredInstance } from '../registry-entry.util';
import type { ServiceInstance } from '../service-instance.interface';
import type {
  HeartbeatPatch,
  RegisterOptions,
  ServiceRegistration,
  ServiceRegistry,
  ServiceRegistryStats,
} from '../service-registry.interface';
import { SkippedEntries } from '../skipped-entries.util';
import type { MemoryRegistryOptions } from './memory-registry.options';
import { MemoryRegistryStore } from './memory-registry.store';

/**
 * `memory://` registry: a real in-process implementation and the default test double.
 *
 * Each adapter object is one owner. Adapters sharing a {@link MemoryRegistryStore} see each
 * other's entries, so one process can model many instances. TTLs follow the store clock
 * (`now`, injectable); watch emissions are synchronous with the change that caused them.
 * Returned instances are deeply frozen copies: treat them as read-only.
 *
 * @publicApi
 */
export class MemoryRegistryAdapter implements ServiceRegistry {
  /** This adapter's owner identity in the store (random). */
  readonly ownerId = randomUUID();
  readonly store: MemoryRegistryStore;
  /** Instance id -> service, for the entries this owner registered. */
  private readonly owned = new Map<string, string>();
  private readonly watchers = new Set<Subscriber<ServiceInstance[]>>();
  private readonly skipped = new SkippedEntries(MemoryRegistryAdapter.name);
  /** Schema verdicts by (frozen, never mutated) instance object, so each is checked once. */
  private readonly verdicts = new WeakMap<object, boolean>();
  private isClosed = false;

  constructor(options: MemoryRegistryOptions = {}) {
    this.store = options.store ?? new MemoryRegistryStore({ now: options.now });
  }

  async register(instance: ServiceRegistration, opts: RegisterOptions): Promise<void> {
    this.assertOpen();
    assertServiceName(instance?.service);
    assertInstanceId(instance.id);
    assertTtl(opts?.ttlMs);
    const { service, id } = instance;
    const now = this.store.now();
    const existing = this.store.get(service, id);
    if (existing && existing.expiresAt > now && existing.ownerId !== this.ownerId) {
      throw new DuplicateInstanceError(service, id);
    }
    const stored = frozenJsonCopy(toRegisteredInstance(instance, now));
    this.store.put({ instance: stored, ownerId: this.ownerId, ttlMs: opts.ttlMs, expiresAt: now + opts.ttlMs }, true);
    const previousService = this.owned.get(id);
    if (previousService !== undefined && previousService !== service) this.deleteOwn(previousService, id);
    this.owned.set(id, service);
  }

  async heartbeat(instanceId: string, patch?: HeartbeatPatch): Promise<void> {
    this.assertOpen();
    assertInstanceId(instanceId);
    const service = this.owned.get(instanceId);
    const entry = service === undefined ? undefined : this.store.get(service, instanceId);
    const now = this.store.now();
    if (!entry || entry.ownerId !== this.ownerId || entry.expiresAt <= now) {
      this.owned.delete(instanceId);
      throw new InstanceNotRegisteredError(instanceId);
    }
    const { instance, isVisibleChange } = applyHeartbeat(entry.instance, patch, now);
    this.store.put({ ...entry, instance: frozenJsonCopy(instance), expiresAt: now + entry.ttlMs }, isVisibleChange);
  }

  async deregister(instanceId: string): Promise<void> {
    this.assertOpen();
    assertInstanceId(instanceId);
    const service = this.owned.get(instanceId);
    if (service === undefined) return;
    this.owned.delete(instanceId);
    this.deleteOwn(service, instanceId);
  }

  async list(service: string): Promise<ServiceInstance[]> {
    this.assertOpen();
    assertServiceName(service);
    return this.validOnly(service, this.store.snapshot(service).instances);
  }

  async services(): Promise<string[]> {
    this.assertOpen();
    return this.store.serviceNames();
  }

  watch(service: string): Observable<ServiceInstance[]> {
    return new Observable<ServiceInstance[]>((subscriber) => {
      if (this.isClosed) return subscriber.error(new RegistryClosedError(MemoryRegistryAdapter.name));
      try {
        assertServiceName(service);
      } catch (error) {
        return subscriber.error(error);
      }
      let lastVersion = -1;
      let last: ServiceInstance[] | undefined;
      const emit = (): void => {
        const { version, instances } = this.store.snapshot(service);
        if (version === lastVersion) return;
        lastVersion = version;
        const valid = this.validOnly(service, instances);
        // NOTE: a change that only added or touched invalid entries leaves the valid view equal.
        if (last && last.length === valid.length && last.every((instance, i) => instance === valid[i])) return;
        last = valid;
        subscriber.next(valid);
      };
      this.watchers.add(subscriber);
      const unsubscribe = this.store.subscribe(service, emit);
      emit();
      return () => {
        unsubscribe();
        this.watchers.delete(subscriber);
      };
    });
  }

  stats(): ServiceRegistryStats {
    return this.skipped.stats();
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const subscriber of [...this.watchers]) subscriber.complete();
    this.watchers.clear();
    this.owned.clear();
  }

  /** The instances that pass the schema; the others are counted and logged once. */
  private validOnly(service: string, instances: ServiceInstance[]): ServiceInstance[] {
    return instances.filter((instance) => {
      const isObject = typeof instance === 'object' && instance !== null;
      let isValid = isObject ? this.verdicts.get(instance) : false;
      if (isValid === undefined) {
        const { reason } = checkServiceInstance(instance, { service });
        isValid = reason === undefined;
        this.verdicts.set(instance, isValid);
        if (reason !== undefined) this.skipped.invalidEntry(`${service}/${String(instance.id)}`, reason);
      }
      return isValid;
    });
  }

  private deleteOwn(service: string, id: string): void {
    if (this.store.get(service, id)?.ownerId === this.ownerId) this.store.delete(service, id);
  }

  private assertOpen(): void {
    if (this.isClosed) throw new RegistryClosedError(MemoryRegistryAdapter.name);
  }
}
