import { randomUUID } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { Observable, type Subscriber } from 'rxjs';
import { DiscoveryError } from '../../errors/discovery.error';
import { DuplicateInstanceError } from '../../errors/duplicate-instance.error';
import { InstanceNotRegisteredError } from '../../errors/instance-not-registered.error';
import { RegistryClosedError } from '../../errors/registry-closed.error';
import { SERVICE_NAME_PATTERN, assertInstanceId, assertServiceName, assertTtl } from '../../utils/validation.util';
import { applyHeartbeat, compareInstancesById, toRegisteredInstance } from '../registry-entry.util';
import type { ServiceInstance } from '../service-instance.interface';
import type {
  HeartbeatPatch,
  RegisterOptions,
  ServiceRegistration,
  ServiceRegistry,
  ServiceRegistryStats,
} from '../service-registry.interface';
import { SkippedEntries } from '../skipped-entries.util';
import { createEtcdClient, resolveEtcdConnection, type EtcdConnectionTarget } from './etcd-connection.util';
import { ETCD_EXPIRY_GRACE_MS, grantLease, keepLeaseAlive, leaseState, revokeLease, waitForKeyChange } from './etcd-lease.util';
import { startEtcdRangeWatch } from './etcd-range-watch.util';
import { createServiceViewSink } from './etcd-service-view.util';
import {
  ETCD_REGISTRY_FORMAT,
  decodeInstance,
  decodeRecord,
  encodeRecord,
  etcdRegistryKeys as keys,
  prefixRangeEnd,
  type EtcdRegistryRecord,
} from './etcd-registry-record.util';
import type { EtcdRegistryOptions } from './etcd-registry.options';
import { EtcdUnavailableError } from './etcd-unavailable.error';

/** What this owner knows about an entry it registered. */
interface OwnedEntry {
  service: string;
  leaseId: string;
  ttlMs: number;
  /** The record as last written. */
  record: EtcdRegistryRecord;
  /** When the last successful renewal was sent: the entry is expired `ttlMs` after it. */
  renewSentAt: number;
  /** A write failed: the stored record may differ from `record`, rewrite it on the next heartbeat. */
  isDirty: boolean;
}

const jsonCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * `etcd://` registry: one key per entry, `<prefix>/services/<service>/<id>`, each attached
 * to its own lease, so each entry expires on its own.
 *
 * - **register**: grants a lease (`ceil(ttlMs / 1000)` s) and creates the key in a txn
 *   (`createRevision == 0`), so exactly one of racing owners wins. The owner's own key is
 *   replaced in a txn on its `modRevision`. Another owner's key is a duplicate while its
 *   own stamps (`renewedAt + ttlMs`) or its lease (over a second left) say it is live;
 *   otherwise it is over or ending, and register waits up to ~1.7 s for etcd to delete it
 *   (whole-second leases, revoked up to 0.5 s after they expire).
 * - **heartbeat**: one lease keep-alive, plus a put guarded by the key's lease when
 *   status, load or another field changed, or `renewedAt` is older than half the TTL. The
 *   owner also enforces `ttlMs` itself (from when the last renewal was sent): a late
 *   heartbeat revokes the lease and rejects, even if etcd's whole-second lease still runs.
 * - **deregister**: revokes the lease, deleting the key.
 * - **watch**: range read, then an etcd watch from the next revision, resumed after a
 *   disconnect from the last revision seen + 1 (relist if compacted or the store was
 *   wiped); emits only visible changes. It stays open through outages.
 * - Timestamps are the client clock (etcd has none); expiry is etcd's lease clock.
 * - Nothing connects before the first call; `etcd3` is loaded when the adapter is built.
 *
 * @publicApi
 */
export class EtcdRegistryAdapter implements ServiceRegistry {
  /** This adapter's owner identity, stored in every entry it writes (random). */
  readonly ownerId = randomUUID();
  readonly prefix: string;
  /** `etcd://host:port[,...]` without credentials. */
  readonly endpoint: string;
  private readonly target: EtcdConnectionTarget;
  private readonly client: Etcd3;
  /** Instance id -> entry, for the entries this owner registered. */
  private readonly owned = new Map<string, OwnedEntry>();
  private readonly watchers = new Set<Subscriber<ServiceInstance[]>>();
  private readonly skipped = new SkippedEntries(EtcdRegistryAdapter.name);
  private isClosed = false;

  constructor(options: EtcdRegistryOptions = {}) {
    this.target = resolveEtcdConnection(options);
    this.prefix = this.target.prefix;
    this.endpoint = this.target.endpoint;
    this.client = this.createClient();
  }

  async register(instance: ServiceRegistration, opts: RegisterOptions): Promise<void> {
    this.assertOpen();
    assertServiceName(instance?.service);
    assertInstanceId(instance.id);
    assertTtl(opts?.ttlMs);
    const { service, id } = instance;
    const sentAt = Date.now();
    const record: EtcdRegistryRecord = {
      format: ETCD_REGISTRY_FORMAT,
      ownerId: this.ownerId,
      ttlMs: opts.ttlMs,
      instance: jsonCopy(toRegisteredInstance(instance, sentAt)),
    };
    const leaseId = await this.call('register', () => grantLease(this.client, opts.ttlMs));
    let replacedLease: string | undefined;
    try {
      replacedLease = await this.call('register', () => this.claim(record, leaseId));
    } catch (error) {
      await revokeLease(this.client, leaseId).catch(() => undefined);
      throw error;
    }
    const previous = this.owned.get(id);
    this.owned.set(id, { service, leaseId, ttlMs: opts.ttlMs, record, renewSentAt: sentAt, isDirty: false });
    // Each lease holds one key: the replaced one has none left; the previous one, if it was
    // another service, still holds that old entry, which revoking removes. Best effort: a
    // lease that cannot be revoked now runs out on its own.
    for (const stale of new Set([replacedLease, previous?.leaseId])) {
      if (stale && stale !== leaseId) await revokeLease(this.client, stale).catch(() => undefined);
    }
  }

  async heartbeat(instanceId: string, patch?: HeartbeatPatch): Promise<void> {
    this.assertOpen();
    assertInstanceId(instanceId);
    const entry = this.owned.get(instanceId);
    if (!entry) throw new InstanceNotRegisteredError(instanceId);
    const sentAt = Date.now();
    if (sentAt >= entry.renewSentAt + entry.ttlMs) {
      // Expired by our own measure; etcd's lease may run a little longer: end it now.
      this.forget(instanceId, entry);
      await revokeLease(this.client, entry.leaseId).catch(() => undefined);
      throw new InstanceNotRegisteredError(instanceId);
    }
    const isAlive = await this.call('heartbeat', () => keepLeaseAlive(this.client, entry.leaseId, this.target.requestTimeoutMs));
    if (!isAlive) {
      this.forget(instanceId, entry);
      throw new InstanceNotRegisteredError(instanceId);
    }
    entry.renewSentAt = sentAt;
    const { instance, isVisibleChange } = applyHeartbeat(entry.record.instance, patch, sentAt);
    if (!isVisibleChange && !entry.isDirty && sentAt - entry.record.instance.renewedAt < entry.ttlMs / 2) return;
    const record = { ...entry.record, instance: jsonCopy(instance) };
    const key = keys.instance(this.prefix, entry.service, instanceId);
    entry.isDirty = true;
    const { succeeded } = await this.call('heartbeat', () =>
      this.client.kv.txn({
        compare: [{ key, target: 'Lease', result: 'Equal', lease: entry.leaseId }],
        success: [{ request_put: { key, value: encodeRecord(record), lease: entry.leaseId } }],
      }),
    );
    if (!succeeded) {
      this.forget(instanceId, entry);
      await revokeLease(this.client, entry.leaseId).catch(() => undefined);
      throw new InstanceNotRegisteredError(instanceId);
    }
    entry.record = record;
    entry.isDirty = false;
  }

  async deregister(instanceId: string): Promise<void> {
    this.assertOpen();
    assertInstanceId(instanceId);
    const entry = this.owned.get(instanceId);
    if (!entry) return;
    await this.call('deregister', () => revokeLease(this.client, entry.leaseId));
    this.forget(instanceId, entry);
  }

  async list(service: string): Promise<ServiceInstance[]> {
    this.assertOpen();
    assertServiceName(service);
    const start = keys.service(this.prefix, service);
    const { kvs } = await this.call('list', () => this.client.kv.range({ key: start, range_end: prefixRangeEnd(start) }));
    return kvs
      .map((kv) => decodeInstance(kv, service, this.skipped))
      .filter((instance): instance is ServiceInstance => instance !== undefined)
      .sort(compareInstancesById);
  }

  async services(): Promise<string[]> {
    this.assertOpen();
    const start = keys.services(this.prefix);
    const { kvs } = await this.call('services', () =>
      this.client.kv.range({ key: start, range_end: prefixRangeEnd(start), keys_only: true }),
    );
    const names = new Set(kvs.map((kv) => kv.key.subarray(start.length).toString().split('/')[0]));
    return [...names].filter((name) => SERVICE_NAME_PATTERN.test(name)).sort();
  }

  watch(service: string): Observable<ServiceInstance[]> {
    return new Observable<ServiceInstance[]>((subscriber) => {
      if (this.isClosed) return subscriber.error(new RegistryClosedError(EtcdRegistryAdapter.name));
      try {
        assertServiceName(service);
      } catch (error) {
        return subscriber.error(error);
      }
      const start = keys.service(this.prefix, service);
      const stop = startEtcdRangeWatch(
        this.client,
        { key: start, rangeEnd: prefixRangeEnd(start), epochKey: keys.epoch(this.prefix) },
        createServiceViewSink(
          service,
          (instances) => {
            if (!subscriber.closed) subscriber.next(instances);
          },
          this.skipped,
        ),
      );
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
    this.client.close();
  }

  /** The driver factory: the test seam, and where etcd3 gets loaded. */
  protected createClient(): Etcd3 {
    return createEtcdClient(this.target);
  }

  /**
   * Creates the entry's key on `leaseId`, or replaces this owner's existing key. Resolves
   * with the lease of the replaced key, if any.
   */
  private async claim(record: EtcdRegistryRecord, leaseId: string): Promise<string | undefined> {
    const { service, id } = record.instance;
    const key = keys.instance(this.prefix, service, id);
    const put = { request_put: { key, value: encodeRecord(record), lease: leaseId } };
    for (let attempt = 0; attempt < 5; attempt++) {
      const created = await this.client.kv.txn({
        compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [put],
        failure: [{ request_range: { key } }],
      });
      if (created.succeeded) return undefined;
      const [existing] = created.responses[0].response_range.kvs;
      if (!existing) continue;
      if (decodeRecord(existing)?.ownerId === this.ownerId) {
        const replaced = await this.client.kv.txn({
          compare: [{ key, target: 'Mod', result: 'Equal', mod_revision: existing.mod_revision }],
          success: [put],
        });
        if (replaced.succeeded) return existing.lease;
        continue;
      }
      // Another owner's entry: live by its own stamps or with over a second of lease left,
      // or else (over, or in its last second) it must vanish within the expiry grace.
      const other = decodeRecord(existing);
      if (other && Date.now() < other.instance.renewedAt + other.ttlMs) break;
      if ((await leaseState(this.client, existing.lease)) === 'live') break;
      if ((await waitForKeyChange(this.client, key, existing.mod_revision, ETCD_EXPIRY_GRACE_MS)) === false) break;
    }
    throw new DuplicateInstanceError(service, id);
  }

  private forget(instanceId: string, entry: OwnedEntry): void {
    if (this.owned.get(instanceId) === entry) this.owned.delete(instanceId);
  }

  /** Runs an etcd request, turning driver failures into `EtcdUnavailableError`. */
  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof DiscoveryError) throw error;
      throw new EtcdUnavailableError(this.endpoint, operation, error);
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw new RegistryClosedError(EtcdRegistryAdapter.name);
  }
}
