import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { CLIENT_DEFAULT_TIMEOUT_MS, ProtocolError, toClientError } from '@orion/protocols';
import { defer, from, lastValueFrom, type Observable } from 'rxjs';
import { InstancePicker } from '../balancing/instance-picker';
import { createStrategy } from '../balancing/strategies';
import { BALANCING_DEFAULT_STRATEGY } from '../balancing/balancing.constants';
import type { LeaderElector } from '../leader/leader-elector.interface';
import type { ServiceInstance } from '../registry/service-instance.interface';
import type { ServiceRegistry } from '../registry/service-registry.interface';
import type { BalancedCallOptions, BalancedClientOptions } from './balanced-client.options';
import type { BalancedClientStats, BroadcastResult } from './balanced-client-stats.interface';
import { errorKind, isApplicationError, isRetryable } from './call-classification.util';
import { CallCounters } from './call-counters';
import { InstanceClients } from './instance-clients';
import type { TransportClient } from './transport-clients';
import { BalancedClientMetrics } from './balanced-client.metrics';
import { OutlierDetector } from './outlier-detector';
import { RegistryView } from './registry-view';
import { RetryBudget } from './retry-budget';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What one attempt does with the chosen instance's client. */
type Invoke = (client: TransportClient, timeoutMs: number) => Observable<unknown>;

/**
 * A balanced HTTP request (transport `http`).
 *
 * @publicApi
 */
export interface BalancedHttpRequest {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A Nest `ClientProxy` for a whole service: each call picks a healthy instance from the
 * live registry view (strategy, zone, panic mode, outlier ejection), calls it over the
 * configured transport with a deadline, and retries safe failures on another instance
 * under a retry budget.
 *
 * @publicApi
 */
export class BalancedClientProxy extends ClientProxy {
  private readonly logger = new Logger('BalancedClient');
  private readonly clients: InstanceClients;
  private readonly outliers: OutlierDetector;
  private readonly budget: RetryBudget;
  private readonly counters = new CallCounters();
  private readonly view: RegistryView;
  private readonly metrics?: BalancedClientMetrics;
  private picker: InstancePicker;
  private ejectionTimer?: NodeJS.Timeout;

  constructor(
    readonly options: BalancedClientOptions,
    registry: ServiceRegistry,
    private readonly leaderElector?: LeaderElector,
  ) {
    super();
    const strategy = createStrategy((options.strategy ?? BALANCING_DEFAULT_STRATEGY) as never);
    this.picker = InstancePicker.from([], strategy, { zone: options.zone, panicThresholdPercent: options.panicThresholdPercent });
    this.clients = new InstanceClients(options);
    this.outliers = new OutlierDetector(options.outlierDetection);
    this.budget = new RetryBudget(options.retry?.budgetRatio, options.retry?.minRetriesPerSecond);
    this.view = new RegistryView(registry, options.service, (instances) => this.applyView(instances));
    if (options.metrics !== false) this.metrics = BalancedClientMetrics.create(options.metrics === true ? undefined : options.metrics);
  }

  /** Starts watching the registry; resolves on the first view (or after 2 s without one). */
  connect(): Promise<void> {
    return this.view.start();
  }

  /** Nest calls it on shutdown. */
  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    this.view.stop();
    clearTimeout(this.ejectionTimer);
    this.clients.closeAll();
  }

  /** Sends a request to one instance and emits its reply (cold: nothing happens until subscribed). */
  override send<TResult = unknown, TInput = unknown>(
    pattern: string,
    data: TInput,
    options: BalancedCallOptions = {},
  ): Observable<TResult> {
    return defer(() => from(this.call(pattern, data, options) as Promise<TResult>));
  }

  /** Emits an event to one instance (retried only when it surely was not delivered). */
  override emit<TResult = unknown, TInput = unknown>(
    pattern: string,
    data: TInput,
    options: BalancedCallOptions = {},
  ): Observable<TResult> {
    return defer(() =>
      from(this.call(pattern, data, { ...options, retry: { ...options.retry, isIdempotent: false } }, true) as Promise<TResult>),
    );
  }

  /** Sends to every healthy instance at once; one result per instance, failures included. */
  broadcast<T = unknown>(pattern: string, data: unknown, options: BalancedCallOptions = {}): Observable<BroadcastResult<T>[]> {
    return defer(async () => {
      await this.connect();
      const targets = this.picker.candidates;
      return Promise.all(
        targets.map(async (instance): Promise<BroadcastResult<T>> => {
          try {
            return {
              instanceId: instance.id,
              ok: true,
              value: (await this.attempt(instance, this.sender(pattern, data, options), options.timeoutMs ?? this.timeoutMs)) as T,
            };
          } catch (error) {
            return { instanceId: instance.id, ok: false, error: error as Error };
          }
        }),
      );
    });
  }

  /** Sends to the current leader of `group` (needs leader election on the same backend). */
  sendToLeader<TResult = unknown>(group: string, pattern: string, data: unknown, options: BalancedCallOptions = {}): Observable<TResult> {
    return defer(async () => {
      if (!this.leaderElector) throw ProtocolError.unavailable('no leader elector configured');
      await this.connect();
      const leader = await this.leaderElector.current(group);
      const instance = leader && this.view.instances.find((i) => i.id === leader.leaderId);
      if (!instance) throw ProtocolError.unavailable(`no reachable leader of '${group}' in '${this.options.service}'`);
      return (await this.attempt(instance, this.sender(pattern, data, options), options.timeoutMs ?? this.timeoutMs)) as TResult;
    });
  }

  /**
   * A balanced HTTP request to any route (transport `http`): resolves with
   * `{ status, headers, body }`; non-2xx answers fail with a `ProtocolError`.
   */
  request<TBody = unknown>(
    request: BalancedHttpRequest,
    options: BalancedCallOptions = {},
  ): Observable<{ status: number; headers: Record<string, string>; body: TBody }> {
    if (this.options.transport !== 'http') throw new Error(`request() needs transport 'http', not '${this.options.transport}'`);
    const invoke: Invoke = (client, timeoutMs) => {
      const http = client as TransportClient & { request(r: BalancedHttpRequest & { timeoutMs: number }): Observable<unknown> };
      return http.request({ ...request, headers: { ...request.headers, ...options.headers }, timeoutMs });
    };
    return defer(() =>
      from(
        this.balance(`${request.method} ${request.path}`, invoke, options) as Promise<{
          status: number;
          headers: Record<string, string>;
          body: TBody;
        }>,
      ),
    );
  }

  /**
   * A gRPC service whose every method call is balanced: `getService<Orders>('Orders').Get(req)`
   * returns an Observable. Only with `transport: 'grpc'`.
   */
  getService<T extends object>(name: string): T {
    if (this.options.transport !== 'grpc') throw new Error(`getService needs transport 'grpc', not '${this.options.transport}'`);
    return new Proxy({} as T, {
      get: (_target, method) => (data: unknown, options?: BalancedCallOptions) => this.send(`${name}/${String(method)}`, data, options),
    });
  }

  stats(): BalancedClientStats {
    return {
      service: this.options.service,
      transport: this.options.transport,
      strategy: this.picker.strategy.name,
      isStale: this.view.isStale,
      instances: this.view.instances.map((i) => this.counters.snapshot(i.id, this.outliers.isEjected(i.id), this.outliers.ejections(i.id))),
      ...this.counters.totals(),
    };
  }

  unwrap<T>(): T {
    return this.picker as T;
  }

  override on(): void {
    // NOTE: no driver events of its own; per-instance clients report through `stats()`.
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    this.call(packet.pattern as string, packet.data, {}).then(
      (response) => callback({ response, isDisposed: true }),
      (err: unknown) => callback({ err }),
    );
    return () => undefined;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    return (await this.call(packet.pattern as string, packet.data, {}, true)) as T;
  }

  private async waitForCandidates(deadline: number): Promise<void> {
    while (this.picker.candidates.length === 0 && Date.now() < deadline - 1) await sleep(Math.min(20, deadline - Date.now() - 1));
  }

  private sender(pattern: string, data: unknown, options: BalancedCallOptions): Invoke {
    return (client, timeoutMs) => client.send(pattern, data, { timeoutMs, headers: options.headers });
  }

  private get serviceLabels() {
    return { service: this.options.service, transport: this.options.transport };
  }

  private instanceLabels(instance: ServiceInstance) {
    return { service: this.options.service, transport: this.options.transport, instance: instance.id };
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? CLIENT_DEFAULT_TIMEOUT_MS;
  }

  private call(pattern: string, data: unknown, options: BalancedCallOptions, isEvent = false): Promise<unknown> {
    const headers = options.headers;
    const invoke: Invoke = isEvent
      ? (client, timeoutMs) => client.emit(pattern, data, { timeoutMs, headers })
      : (client, timeoutMs) => client.send(pattern, data, { timeoutMs, headers });
    return this.balance(pattern, invoke, options);
  }

  /** Picks, attempts, and retries `invoke` under the deadline and the retry budget. */
  private async balance(what: string, invoke: Invoke, options: BalancedCallOptions): Promise<unknown> {
    await this.connect();
    const deadline = Date.now() + (options.timeoutMs ?? this.timeoutMs);
    const retry = { ...this.options.retry, ...options.retry };
    const maxAttempts = Math.max(1, retry.maxAttempts ?? 3);
    const tried = new Set<string>();
    this.budget.recordRequest();
    this.counters.request();
    let lastError: ProtocolError | undefined;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw lastError ?? ProtocolError.deadlineExceeded(`'${what}' ran out of time`);
      let instance = this.picker.pick({ hashKey: options.hashKey, exclude: tried });
      if (!instance && tried.size === 0) {
        // An empty view (cold start, registry restarted empty) may fill within the deadline.
        await this.waitForCandidates(deadline);
        instance = this.picker.pick({ hashKey: options.hashKey, exclude: tried });
      }
      if (!instance)
        throw lastError ?? ProtocolError.unavailable(`no healthy instance of '${this.options.service}' serves ${this.options.transport}`);
      tried.add(instance.id);
      try {
        return await this.attempt(instance, invoke, Math.min(remaining, retry.attemptTimeoutMs ?? remaining));
      } catch (error) {
        const failure = error as ProtocolError;
        if (isApplicationError(failure) || attempt >= maxAttempts || !isRetryable(failure, retry.isIdempotent === true)) throw failure;
        if (!this.budget.tryRetry()) {
          this.counters.budgetExhausted();
          this.metrics?.budgetExhausted.inc(this.serviceLabels);
          throw failure;
        }
        this.counters.retry();
        this.metrics?.retries.inc(this.serviceLabels);
        lastError = failure;
        const backoff = Math.min(retry.maxBackoffMs ?? 200, (retry.backoffMs ?? 10) * 2 ** (attempt - 1));
        await sleep(Math.min(Math.random() * backoff, Math.max(0, deadline - Date.now() - 1)));
      }
    }
  }

  /** One attempt on one instance, with bookkeeping for the strategy, stats and ejection. */
  private async attempt(instance: ServiceInstance, invoke: Invoke, timeoutMs: number) {
    const client = this.clients.get(instance);
    const started = performance.now();
    this.picker.recordStart(instance);
    this.counters.start(instance.id);
    this.metrics?.requests.inc(this.instanceLabels(instance));
    this.metrics?.inFlight.inc(this.instanceLabels(instance));
    try {
      const result = await lastValueFrom(invoke(client, timeoutMs), { defaultValue: undefined });
      this.finish(instance, started, undefined);
      return result;
    } catch (raw) {
      const error = toClientError(raw);
      this.finish(instance, started, error);
      throw error;
    }
  }

  private finish(instance: ServiceInstance, started: number, error: ProtocolError | undefined): void {
    const latencyMs = performance.now() - started;
    const isServed = error === undefined || isApplicationError(error);
    this.picker.recordResult(instance, isServed ? { ok: true, latencyMs } : { ok: false, latencyMs, error: errorKind(error) });
    this.counters.finish(instance.id, latencyMs, isServed);
    if (this.metrics) {
      const labels = this.instanceLabels(instance);
      this.metrics.inFlight.dec(labels);
      this.metrics.latency.observe(labels, latencyMs / 1000);
      if (error) this.metrics.failures.inc({ ...labels, code: error.code });
    }
    if (isServed) return this.outliers.success(instance.id);
    if (this.outliers.failure(instance.id, this.view.instances.length)) {
      this.metrics?.ejections.inc(this.instanceLabels(instance));
      this.logger.warn({
        message: 'instance ejected',
        service: this.options.service,
        id: instance.id,
        ejections: this.outliers.ejections(instance.id),
      });
      this.rebuildPicker();
    }
  }

  private applyView(instances: readonly ServiceInstance[]): void {
    const ids = new Set(instances.map((i) => i.id));
    this.clients.retain(ids);
    this.outliers.retain(ids);
    this.counters.retain(ids);
    this.rebuildPicker();
  }

  /** New immutable picker over the instances that serve this transport and are not ejected. */
  private rebuildPicker(): void {
    const usable = this.view.instances.filter((i) => this.clients.endpointOf(i) !== undefined && !this.outliers.isEjected(i.id));
    this.picker = this.picker.rebuild(usable);
    clearTimeout(this.ejectionTimer);
    const next = this.outliers.nextExpiry();
    if (next !== undefined) {
      // NOTE: a throw in a timer ends the process: keep the current picker and log instead.
      const rebuild = (): void => {
        try {
          this.rebuildPicker();
        } catch (error) {
          this.logger.error(`picker rebuild of '${this.options.service}' failed: ${(error as Error)?.message ?? String(error)}`);
        }
      };
      this.ejectionTimer = setTimeout(rebuild, Math.max(0, next - Date.now()) + 1);
      this.ejectionTimer.unref();
    }
  }
}
