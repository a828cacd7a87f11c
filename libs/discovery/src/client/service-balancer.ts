import { Logger } from '@nestjs/common';
import { ProtocolError, VERSION_PIN_HEADER } from '@orion/protocols';
import { VersionSplitPicker } from '../balancing/version-split.picker';
import { findVersionPin } from '../balancing/utils/version-range.util';
import { invalidVersionPinMessage, noPinnedInstanceMessage } from '../balancing/balancing.messages';
import { createStrategy } from '../balancing/strategies';
import { BALANCING_DEFAULT_STRATEGY } from '../balancing/balancing.constants';
import type { CallOutcome } from '../balancing/load-balancing-strategy.interface';
import type { ServiceInstance } from '../registry/service-instance.interface';
import type { ServiceRegistry } from '../registry/service-registry.interface';
import type { BalancedClientOptions } from './balanced-client.options';
import type { BalancedClientStats } from './balanced-client-stats.interface';
import { BalancedClientMetrics, CLIENT_LATENCY_BUCKETS, type BalancedMetricsSource } from './balanced-client.metrics';
import { errorKind } from './call-classification.util';
import { InstanceClients, type InstanceSlot } from './instance-clients';
import { OutlierDetector } from './outlier-detector';
import { RegistryView } from './registry-view';
import { RetryBudget } from './retry-budget';

/**
 * How an attempt ended, for the books: `served` (a reply, or an application error), `failed`
 * (the instance failed to serve it: counts against it), `caller` (the caller's side ended it:
 * cancelled, own deadline spent, could not encode; no verdict on the instance).
 */
export type AttemptEnd = 'served' | 'failed' | 'caller';

const CALLER_SIDE: CallOutcome = Object.freeze({ ok: true, latencyMs: 0, isCallerSide: true });

/**
 * The balancing half of a balanced client: the live registry view, the outlier detector and
 * the immutable picker built from them, plus one slot (client + counters) per instance.
 * The picker is rebuilt only when membership, weights, zones, endpoints or statuses change,
 * or an ejection starts or ends: a heartbeat that only brings new load figures keeps it, so
 * weighted schedules and hash rings keep their place.
 */
export class ServiceBalancer implements BalancedMetricsSource {
  private readonly logger = new Logger('BalancedClient');
  readonly clients: InstanceClients;
  readonly outliers: OutlierDetector;
  readonly budget: RetryBudget;
  readonly view: RegistryView;
  readonly service: string;
  readonly transport: string;
  readonly totals = { requests: 0, retries: 0, budgetExhausted: 0, ejections: new Map<string, number>() };
  picker: VersionSplitPicker;
  private readonly metrics?: BalancedClientMetrics;
  private signature = '';
  private ejectionTimer?: NodeJS.Timeout;
  private viewWaiters: (() => void)[] = [];
  private started?: Promise<void>;
  private isStarted = false;

  constructor(
    private readonly options: BalancedClientOptions,
    registry: ServiceRegistry,
  ) {
    this.service = options.service;
    // NOTE: a factory, so each version subset (and pinned range) gets a strategy of its own; a
    // custom strategy object is shared by all of them.
    const strategy = options.strategy ?? BALANCING_DEFAULT_STRATEGY;
    this.picker = VersionSplitPicker.from([], typeof strategy === 'string' ? () => createStrategy(strategy) : createStrategy(strategy), {
      zone: options.zone,
      panicThresholdPercent: options.panicThresholdPercent,
      version: options.version,
      versionSplit: options.versionSplit,
    });
    this.clients = new InstanceClients(options, CLIENT_LATENCY_BUCKETS.length);
    this.transport = this.clients.transports.join(',');
    this.outliers = new OutlierDetector(options.outlierDetection);
    this.budget = new RetryBudget(options.retry?.budgetRatio, options.retry?.minRetriesPerSecond);
    this.view = new RegistryView(registry, options.service, (instances) => this.applyView(instances));
    if (options.metrics !== false) this.metrics = BalancedClientMetrics.create(options.metrics === true ? undefined : options.metrics);
    this.metrics?.add(this);
  }

  slots(): Iterable<InstanceSlot> {
    return this.clients.all();
  }

  /** True once the first view arrived (or the wait for it gave up): calls pick synchronously. */
  get isReady(): boolean {
    return this.isStarted;
  }

  /** Starts watching the registry; resolves on the first view (or after 2 s without one). */
  start(): Promise<void> {
    return (this.started ??= this.view.start().then(() => {
      this.isStarted = true;
    }));
  }

  stop(): void {
    this.started = undefined;
    this.isStarted = false;
    this.view.stop();
    clearTimeout(this.ejectionTimer);
    this.clients.closeAll();
    this.metrics?.remove(this);
    this.wakeViewWaiters();
  }

  /**
   * Resolves at the next view the registry publishes (or at `deadline`): an empty view is
   * waited out, not polled.
   */
  nextView(deadline: number): { promise: Promise<void>; stop: () => void } {
    let stop!: () => void;
    const promise = new Promise<void>((resolve) => {
      const timer = setTimeout(() => stop(), Math.max(0, deadline - Date.now()));
      stop = () => {
        clearTimeout(timer);
        const i = this.viewWaiters.indexOf(stop);
        if (i >= 0) this.viewWaiters.splice(i, 1);
        resolve();
      };
      this.viewWaiters.push(stop);
    });
    return { promise, stop };
  }

  /** Books the start of an attempt on `instance`; returns its slot (the client is `slot.client`). */
  begin(instance: ServiceInstance): InstanceSlot {
    const slot = this.clients.get(instance);
    slot.inFlight++;
    slot.picks++;
    this.picker.recordStart(instance);
    return slot;
  }

  /** Books the end of an attempt begun with `begin`; `isColdStart`: see `CallOutcome.isColdStart`. */
  end(slot: InstanceSlot, end: AttemptEnd, latencyMs: number, error: ProtocolError | undefined, isColdStart = false): void {
    this.clients.release(slot);
    if (end === 'caller') {
      this.picker.recordResult(slot.instance, CALLER_SIDE);
      return;
    }
    const isServed = end === 'served';
    this.picker.recordResult(
      slot.instance,
      isServed ? { ok: true, latencyMs, isColdStart } : { ok: false, latencyMs, error: errorKind(error!), isColdStart },
    );
    slot.record(latencyMs, isServed, error?.code, CLIENT_LATENCY_BUCKETS);
    if (isServed) return this.outliers.success(slot.id);
    if (slot.isRetired || !this.outliers.failure(slot.id, this.view.instances.length)) return;
    this.totals.ejections.set(slot.id, (this.totals.ejections.get(slot.id) ?? 0) + 1);
    this.logger.warn({ message: 'instance ejected', service: this.service, id: slot.id, ejections: this.outliers.ejections(slot.id) });
    this.rebuildPicker();
  }

  stats(): BalancedClientStats {
    // NOTE: an instance that serves none of the client's transports is not one of its instances.
    const served = this.view.instances.filter((instance) => this.clients.endpointOf(instance) !== undefined);
    const stats: BalancedClientStats = {
      service: this.service,
      transport: this.transport,
      strategy: this.picker.strategy.name,
      isStale: this.view.isStale,
      instances: served.map((instance) => {
        const isEjected = this.outliers.isEjected(instance.id);
        const ejections = this.outliers.ejections(instance.id);
        const slot = this.clients.find(instance.id);
        if (slot) return slot.snapshot(isEjected, ejections);
        return {
          id: instance.id,
          inFlight: 0,
          latencyEwmaMs: 0,
          successes: 0,
          failures: 0,
          picks: 0,
          isEjected,
          ejections,
          ...this.clients.protocolStatsOf(instance),
        };
      }),
      requests: this.totals.requests,
      retries: this.totals.retries,
      budgetExhausted: this.totals.budgetExhausted,
    };
    served.forEach(({ version }, i) => version && (stats.instances[i].version = version));
    const versions = this.picker.subsets();
    if (versions !== undefined) stats.versions = versions;
    return stats;
  }

  /**
   * The version range a call is pinned to: its own `version` option, else the entry for this
   * service in the pin header of its own headers, else in that of the request being handled.
   */
  versionPinOf(
    version: string | undefined,
    own: Readonly<Record<string, string>> | undefined,
    inbound: Readonly<Record<string, string>> | undefined,
  ): string | undefined {
    return (
      version ?? findVersionPin(own?.[VERSION_PIN_HEADER], this.service) ?? findVersionPin(inbound?.[VERSION_PIN_HEADER], this.service)
    );
  }

  /** `INVALID_ARGUMENT` when `pin` is not a semver range, else undefined. */
  checkVersionPin(pin: string): ProtocolError | undefined {
    return this.picker.isPinnable(pin) ? undefined : ProtocolError.invalidArgument(invalidVersionPinMessage(this.service, pin));
  }

  /** The `UNAVAILABLE` of a call that found no instance (to its pinned range, when it has one). */
  noInstanceError(pin: string | undefined): ProtocolError {
    if (pin !== undefined) return ProtocolError.unavailable(noPinnedInstanceMessage(this.service, pin));
    return ProtocolError.unavailable(`no healthy instance of '${this.service}' serves ${this.transport}`);
  }

  private applyView(instances: readonly ServiceInstance[]): void {
    const ids = new Set(instances.map((i) => i.id));
    this.clients.retain(ids);
    this.outliers.retain(ids);
    for (const id of this.totals.ejections.keys()) if (!ids.has(id)) this.totals.ejections.delete(id);
    this.rebuildPicker();
    this.wakeViewWaiters();
  }

  private wakeViewWaiters(): void {
    const waiters = this.viewWaiters;
    this.viewWaiters = [];
    for (const wake of waiters) wake();
  }

  /** New immutable picker over the usable instances, unless what the picker reads is unchanged. */
  private rebuildPicker(): void {
    const usable = this.view.instances.filter((i) => this.clients.endpointOf(i) !== undefined && !this.outliers.isEjected(i.id));
    const signature = this.signatureOf(usable);
    if (signature !== this.signature) {
      this.signature = signature;
      this.picker = this.picker.rebuild(usable);
    }
    clearTimeout(this.ejectionTimer);
    const next = this.outliers.nextExpiry();
    if (next !== undefined) {
      // NOTE: a throw in a timer ends the process: keep the current picker and log instead.
      const rebuild = (): void => {
        try {
          this.rebuildPicker();
        } catch (error) {
          this.logger.error(`picker rebuild of '${this.service}' failed: ${(error as Error)?.message ?? String(error)}`);
        }
      };
      this.ejectionTimer = setTimeout(rebuild, Math.max(0, next - Date.now()) + 1);
      this.ejectionTimer.unref();
    }
  }

  /** What the picker and the clients read of each instance, in order (load figures excluded). */
  private signatureOf(instances: readonly ServiceInstance[]): string {
    let signature = '';
    for (const i of instances) {
      signature += `${i.id}\u0000${i.status}\u0000${i.weight}\u0000${i.zone ?? ''}\u0000${i.version}\u0000${this.clients.endpointKeyOf(i)}\u0001`;
    }
    return signature;
  }
}
