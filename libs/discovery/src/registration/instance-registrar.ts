import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ProtocolsRuntime, type BoundAddresses } from '@orion/protocols';
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import { DISCOVERY_DEFAULT_DRAIN_GRACE_MS, DISCOVERY_DEFAULT_DRAIN_TIMEOUT_MS } from '../discovery.constants';
import { DISCOVERY_MODULE_OPTIONS } from '../discovery.module-definition';
import { InstanceNotRegisteredError } from '../errors/instance-not-registered.error';
import { MissingServiceNameError } from '../errors/missing-service-name.error';
import type { ServiceDiscoveryModuleOptions } from '../interfaces/discovery-options.interface';
import type { InstanceStatus, ServiceInstance } from '../registry/service-instance.interface';
import type { ServiceRegistry } from '../registry/service-registry.interface';
import { getRegistryToken } from '../utils/get-registry-token.util';
import { resolveTiming } from './discovery-timing.util';
import { endpointsFromAddresses } from './endpoints-from-addresses.util';
import { LoadReporter } from './load-reporter';

function defaultInstanceId(service: string): string {
  const host = hostname()
    .replace(/[^A-Za-z0-9.-]/g, '-')
    .slice(0, 40);
  return `${service}-${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Instance id prefix of an app without a service name (client only): its leader candidate id. */
const CLIENT_ONLY_ID_PREFIX = 'client';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Registers this app once every listener is up (with the addresses really bound),
 * heartbeats its status and load, re-registers after an expiry or a registry outage, and
 * drains on shutdown: `draining` → grace period → wait for in-flight work → deregister.
 *
 * @publicApi
 */
@Injectable()
export class InstanceRegistrar implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Discovery');
  private readonly statusSubject = new BehaviorSubject<InstanceStatus>('starting');
  private readonly timing: { ttlMs: number; heartbeatMs: number };
  private instance?: ServiceInstance;
  private timer?: NodeJS.Timeout;
  private readySubscription?: Subscription;
  private isBeating = false;
  private isRegistered = false;
  private isDraining = false;
  readonly instanceId: string;

  constructor(
    @Inject(DISCOVERY_MODULE_OPTIONS) private readonly options: ServiceDiscoveryModuleOptions,
    @Inject(getRegistryToken()) private readonly registry: ServiceRegistry,
    private readonly load: LoadReporter,
    @Optional() private readonly runtime?: ProtocolsRuntime,
  ) {
    this.timing = resolveTiming(options);
    // NOTE: an app that serves endpoints must be findable: without a name it would run unseen.
    if (options.service === undefined && options.shouldRegister !== false && runtime !== undefined)
      throw new MissingServiceNameError('this app serves endpoints: ProtocolsModule is imported');
    this.instanceId = options.instanceId ?? defaultInstanceId(options.service?.name ?? CLIENT_ONLY_ID_PREFIX);
  }

  /** Status published with every heartbeat. */
  readonly status$: Observable<InstanceStatus> = this.statusSubject.asObservable();

  get status(): InstanceStatus {
    return this.statusSubject.value;
  }

  /** The entry as last registered, or undefined before registration. */
  get registration(): ServiceInstance | undefined {
    return this.instance;
  }

  /** True once registered and until deregistered. */
  get registered(): boolean {
    return this.isRegistered;
  }

  /** Publishes a status (e.g. `warning` when degraded) with the next heartbeat, now. */
  async setStatus(status: Exclude<InstanceStatus, 'draining'>): Promise<void> {
    if (this.isDraining) return;
    this.statusSubject.next(status);
    await this.beat();
  }

  onApplicationBootstrap(): void {
    if (this.options.shouldRegister === false || this.options.service === undefined) return;
    if (!this.runtime) {
      this.logger.warn('ProtocolsModule is not imported: nothing to register (set shouldRegister: false to silence)');
      return;
    }
    // NOTE: a rejection here would be unhandled and end the process: log it instead.
    this.readySubscription = this.runtime.addresses$.subscribe((addresses) =>
      this.start(addresses).catch((error: unknown) => this.logger.error(`cannot register: ${(error as Error)?.message ?? String(error)}`)),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.readySubscription?.unsubscribe();
    if (!this.isRegistered) return;
    this.isDraining = true;
    this.statusSubject.next('draining');
    await this.beat();
    const graceMs = this.options.drain?.graceMs ?? DISCOVERY_DEFAULT_DRAIN_GRACE_MS;
    const timeoutMs = this.options.drain?.timeoutMs ?? DISCOVERY_DEFAULT_DRAIN_TIMEOUT_MS;
    // Callers drop us on the next watch update; work already sent may still arrive.
    await sleep(graceMs);
    const until = Date.now() + timeoutMs;
    while (this.load.inFlight > 0 && Date.now() < until) await sleep(10);
    if (this.load.inFlight > 0) this.logger.warn(`drain timeout: ${this.load.inFlight} request(s) still in flight`);
    this.stopHeartbeat();
    await this.registry.deregister(this.instanceId).catch((error: unknown) => this.logger.warn(`deregister failed: ${String(error)}`));
    this.isRegistered = false;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopHeartbeat();
    // A registry made from a URL is ours to close; a given instance belongs to the caller.
    if (typeof this.options.registry === 'string') await this.registry.close();
  }

  private async start(addresses: BoundAddresses): Promise<void> {
    const { service } = this.options;
    if (service === undefined) return;
    this.instance = {
      id: this.instanceId,
      service: service.name,
      version: service.version ?? '0.0.0',
      zone: service.zone,
      weight: service.weight ?? 1,
      metadata: service.metadata ?? {},
      status: 'passing',
      endpoints: endpointsFromAddresses(addresses, this.options.advertiseHost),
      load: this.load.report(),
      registeredAt: Date.now(),
      renewedAt: Date.now(),
    };
    this.statusSubject.next('passing');
    await this.register();
    this.timer = setInterval(() => void this.beat(), this.timing.heartbeatMs);
    this.timer.unref();
  }

  private async register(): Promise<void> {
    if (!this.instance || this.isDraining) return;
    try {
      await this.registry.register({ ...this.instance, status: this.status, load: this.load.report() }, { ttlMs: this.timing.ttlMs });
      if (!this.isRegistered) this.logger.log({ message: 'registered', id: this.instanceId, endpoints: this.instance.endpoints.length });
      this.isRegistered = true;
    } catch (error) {
      // Keep serving; the next heartbeat tries again (registry down, or a duplicate id).
      this.logger.warn(`registration failed, will retry: ${(error as Error).message}`);
    }
  }

  private async beat(): Promise<void> {
    if (!this.instance || this.isBeating) return;
    this.isBeating = true;
    try {
      if (!this.isRegistered) return await this.register();
      await this.registry.heartbeat(this.instanceId, { status: this.status, load: this.load.report() });
    } catch (error) {
      if (error instanceof InstanceNotRegisteredError) {
        this.isRegistered = false;
        await this.register();
      } else {
        this.logger.warn(`heartbeat failed, will retry: ${(error as Error).message}`);
      }
    } finally {
      this.isBeating = false;
    }
  }

  private stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
