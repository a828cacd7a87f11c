import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Observable, type Subscriber } from 'rxjs';
import { DiscoveryError } from '../../errors/discovery.error';
import { DuplicateInstanceError } from '../../errors/duplicate-instance.error';
import { InstanceNotRegisteredError } from '../../errors/instance-not-registered.error';
import { RegistryClosedError } from '../../errors/registry-closed.error';
import { assertInstanceId, assertServiceName, assertTtl } from '../../utils/validation.util';
import { checkServiceInstance } from '../instance-schema.util';
import { applyHeartbeat, compareInstancesById, snapshotFingerprint } from '../registry-entry.util';
import type { ServiceInstance } from '../service-instance.interface';
import type {
  HeartbeatPatch,
  RegisterOptions,
  ServiceRegistration,
  ServiceRegistry,
  ServiceRegistryStats,
} from '../service-registry.interface';
import { SkippedEntries } from '../skipped-entries.util';
import { RedisChangesSubscriber } from './redis-changes.subscriber';
import { createRedisClient, resolveRedisConnection, type RedisConnectionTarget } from './redis-connection.util';
import { startRedisRelistWatch } from './redis-relist-watch.util';
import {
  REDIS_DEREGISTER_SCRIPT,
  REDIS_HEARTBEAT_SCRIPT,
  REDIS_LIST_SCRIPT,
  REDIS_REGISTER_SCRIPT,
  REDIS_SERVICES_SCRIPT,
  redisRegistryKeys as keys,
} from './redis-registry.constants';
import { REDIS_REGISTRY_DEFAULT_RELIST_INTERVAL_MS, type RedisRegistryOptions } from './redis-registry.options';
import { runRedisScript, type RedisScript } from './redis-script.util';
import { RedisUnavailableError } from './redis-unavailable.error';

/** What this owner knows about an entry it registered. */
interface OwnedEntry {
  service: string;
  /** The instance as last written, without timestamps (its JSON is what the server holds). */
  instance: ServiceRegistration;
}

/** A live snapshot as read by the list script. */
interface ServiceSnapshot {
  instances: ServiceInstance[];
  /** Milliseconds until the earliest entry expires, or undefined if there is none. */
  nextExpiryInMs: number | undefined;
}

/**
 * `redis://` / `rediss://` registry: one HASH per entry with a PEXPIRE lease, an index
 * ZSET per service and a change channel per service (key layout in `redis-registry.constants`).
 *
 * - Every write is one Lua script, so ownership checks, duplicate detection and the write
 *   are atomic, and timestamps and expiry use the server clock (`TIME`).
 * - Heartbeats always send the full instance; the script renews the lease and publishes a
 *   change only if the instance differs, so renewal-only heartbeats wake no watcher.
 * - Watches relist the service (one atomic script) on each change message, on reconnect,
 *   at the earliest expiry of what they hold, and every `relistIntervalMs`; they emit only
 *   when the snapshot changed. They survive outages: no error, the last snapshot stays,
 *   and the first relist after reconnecting brings them up to date.
 * - Nothing connects before the first call; `ioredis` is loaded when the adapter is built.
 *
 * Standalone (or Sentinel-managed) Redis only: the scripts touch keys of several hash slots.
 *
 * @publicApi
 */
export class RedisRegistryAdapter implements ServiceRegistry {
  /** This adapter's owner identity, stored in every entry it writes (random). */
  readonly ownerId = randomUUID();
  /** Key and channel namespace. */
  readonly prefix: string;
  /** `redis://host:port/db` without credentials. */
  readonly endpoint: string;
  private readonly target: RedisConnectionTarget;
  private readonly relistIntervalMs: number;
  private readonly client: Redis;
  private readonly changes: RedisChangesSubscriber;
  /** Instance id -> entry, for the entries this owner registered. */
  private readonly owned = new Map<string, OwnedEntry>();
  private readonly watchers = new Set<Subscriber<ServiceInstance[]>>();
  private readonly skipped = new SkippedEntries(RedisRegistryAdapter.name);
  private isClosed = false;

  constructor(options: RedisRegistryOptions = {}) {
    this.target = resolveRedisConnection(options);
    this.prefix = this.target.prefix;
    this.endpoint = this.target.endpoint;
    this.relistIntervalMs = options.relistIntervalMs ?? REDIS_REGISTRY_DEFAULT_RELIST_INTERVAL_MS;
    this.client = this.createClient();
    this.changes = new RedisChangesSubscriber(() => this.createClient({ lazyConnect: false }));
  }

  async register(instance: ServiceRegistration, opts: RegisterOptions): Promise<void> {
    this.assertOpen();
    assertServiceName(instance?.service);
    assertInstanceId(instance.id);
    assertTtl(opts?.ttlMs);
    const { service, id } = instance;
    const { registeredAt: _registeredAt, renewedAt: _renewedAt, ...fields } = instance;
    const stored = JSON.parse(JSON.stringify(fields)) as ServiceRegistration;
    const p = this.prefix;
    const result = await this.run(
      'register',
      REDIS_REGISTER_SCRIPT,
      [keys.instance(p, service, id), keys.index(p, service), keys.services(p)],
      [this.ownerId, Math.ceil(opts.ttlMs), JSON.stringify(stored), service, id, keys.changes(p, service)],
    );
    if (result < 0) throw new DuplicateInstanceError(service, id);
    const previous = this.owned.get(id);
    this.owned.set(id, { service, instance: stored });
    if (previous && previous.service !== service) await this.deleteOwn('register', previous.service, id);
  }

  async heartbeat(instanceId: string, patch?: HeartbeatPatch): Promise<void> {
    this.assertOpen();
    assertInstanceId(instanceId);
    const entry = this.owned.get(instanceId);
    if (!entry) throw new InstanceNotRegisteredError(instanceId);
    const { service } = entry;
    // NOTE: timestamps are the server's; applyHeartbeat only merges the patch here.
    const next = applyHeartbeat({ ...entry.instance, registeredAt: 0, renewedAt: 0 }, patch, 0).instance;
    const { registeredAt: _registeredAt, renewedAt: _renewedAt, ...fields } = next;
    const json = JSON.stringify(fields);
    const p = this.prefix;
    const result = await this.run(
      'heartbeat',
      REDIS_HEARTBEAT_SCRIPT,
      [keys.instance(p, service, instanceId), keys.index(p, service)],
      [this.ownerId, json, instanceId, keys.changes(p, service)],
    );
    if (result < 0) {
      if (this.owned.get(instanceId) === entry) this.owned.delete(instanceId);
      throw new InstanceNotRegisteredError(instanceId);
    }
    entry.instance = JSON.parse(json) as ServiceRegistration;
  }

  async deregister(instanceId: string): Promise<void> {
    this.assertOpen();
    assertInstanceId(instanceId);
    const entry = this.owned.get(instanceId);
    if (!entry) return;
    await this.deleteOwn('deregister', entry.service, instanceId);
    if (this.owned.get(instanceId) === entry) this.owned.delete(instanceId);
  }

  async list(service: string): Promise<ServiceInstance[]> {
    this.assertOpen();
    assertServiceName(service);
    return (await this.readService(service)).instances;
  }

  async services(): Promise<string[]> {
    this.assertOpen();
    const p = this.prefix;
    const names = await this.run<string[]>('services', REDIS_SERVICES_SCRIPT, [keys.services(p)], [keys.indexPrefix(p)]);
    return names.sort();
  }

  watch(service: string): Observable<ServiceInstance[]> {
    return new Observable<ServiceInstance[]>((subscriber) => {
      if (this.isClosed) return subscriber.error(new RegistryClosedError(RedisRegistryAdapter.name));
      try {
        assertServiceName(service);
      } catch (error) {
        return subscriber.error(error);
      }
      let lastFingerprint: string | undefined;
      const stop = startRedisRelistWatch({
        subscriber: this.changes,
        channel: keys.changes(this.prefix, service),
        intervalMs: this.relistIntervalMs,
        relist: async () => {
          const { instances, nextExpiryInMs } = await this.readService(service);
          const fingerprint = snapshotFingerprint(instances);
          if (fingerprint !== lastFingerprint && !subscriber.closed) {
            lastFingerprint = fingerprint;
            subscriber.next(instances);
          }
          return nextExpiryInMs;
        },
      });
      this.watchers.add(subscriber);
      return () => {
        stop();
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
    this.changes.close();
    this.client.disconnect();
  }

  /** The driver factory: the test seam, and where ioredis gets loaded. */
  protected createClient(overrides: { lazyConnect?: boolean } = {}): Redis {
    return createRedisClient(this.target, { connectionName: 'orion-registry', ...overrides });
  }

  private async readService(service: string): Promise<ServiceSnapshot> {
    const p = this.prefix;
    const reply = await this.run<(string | number)[]>(
      'list',
      REDIS_LIST_SCRIPT,
      [keys.index(p, service)],
      [keys.instancePrefix(p, service)],
    );
    const now = Number(reply[0]);
    const instances: ServiceInstance[] = [];
    let earliest = Infinity;
    for (let i = 1; i + 4 < reply.length; i += 5) {
      const id = String(reply[i]);
      // NOTE: expiry counts even for an invalid entry: its end may turn the snapshot valid again.
      earliest = Math.min(earliest, Number(reply[i + 4]));
      const instance = this.parseEntry(service, id, String(reply[i + 1]), reply[i + 2], reply[i + 3]);
      if (instance) instances.push(instance);
    }
    instances.sort(compareInstancesById);
    return { instances, nextExpiryInMs: earliest === Infinity ? undefined : Math.max(0, earliest - now) };
  }

  /** The entry as a valid instance, or undefined (skipped, counted and logged once). */
  private parseEntry(service: string, id: string, json: string, registeredAt: unknown, renewedAt: unknown): ServiceInstance | undefined {
    const key = `${service}/${id}`;
    let fields: unknown;
    try {
      fields = JSON.parse(json);
    } catch {
      this.skipped.invalidEntry(key, 'the instance is not JSON');
      return undefined;
    }
    const raw = typeof fields === 'object' && fields !== null ? { ...fields } : fields;
    if (typeof raw === 'object' && raw !== null) Object.assign(raw, { registeredAt: Number(registeredAt), renewedAt: Number(renewedAt) });
    const check = checkServiceInstance(raw, { service, id });
    if (check.reason !== undefined) {
      this.skipped.invalidEntry(key, check.reason);
      return undefined;
    }
    this.skipped.clear(key);
    return check.instance;
  }

  private async deleteOwn(operation: string, service: string, id: string): Promise<void> {
    const p = this.prefix;
    await this.run(
      operation,
      REDIS_DEREGISTER_SCRIPT,
      [keys.instance(p, service, id), keys.index(p, service)],
      [this.ownerId, id, keys.changes(p, service)],
    );
  }

  /** Runs a script, turning driver failures into `RedisUnavailableError`. */
  private async run<T = number>(operation: string, script: RedisScript, keyList: string[], args: (string | number)[]): Promise<T> {
    try {
      return await runRedisScript<T>(this.client, script, keyList, args);
    } catch (error) {
      if (error instanceof DiscoveryError) throw error;
      throw new RedisUnavailableError(this.endpoint, operation, error);
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw new RegistryClosedError(RedisRegistryAdapter.name);
  }
}
