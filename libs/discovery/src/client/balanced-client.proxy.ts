import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { CLIENT_DEFAULT_TIMEOUT_MS, ProtocolError } from '@orion/protocols';
import { connectable, defer, Observable, Subject, type Subscriber } from 'rxjs';
import type { LeaderElector } from '../leader/leader-elector.interface';
import type { ServiceRegistry } from '../registry/service-registry.interface';
import type { BalancedCallOptions, BalancedClientOptions, RetryOptions } from './balanced-client.options';
import type { BalancedClientStats, BroadcastResult } from './balanced-client-stats.interface';
import { BalancedCall } from './balanced-call';
import type { BalancedRequest, Invoke } from './balanced-request';
import { ServiceBalancer } from './service-balancer';
import type { TransportClient } from './transport-clients';

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
 * The balancing lives in a `ServiceBalancer`; this proxy is thin: `send()` is one cold,
 * cancellable Observable over a promise (`BalancedCall`), and unsubscribing stops the retry
 * loop and the attempt in flight. `emit()` is hot, as Nest's is.
 *
 * @publicApi
 */
export class BalancedClientProxy extends ClientProxy {
  private readonly balancer: ServiceBalancer;
  private readonly retry: RetryOptions;
  private readonly eventRetry: RetryOptions;

  constructor(
    readonly options: BalancedClientOptions,
    registry: ServiceRegistry,
    private readonly leaderElector?: LeaderElector,
  ) {
    super();
    this.balancer = new ServiceBalancer(options, registry);
    this.retry = { ...options.retry };
    this.eventRetry = { ...options.retry, isIdempotent: false };
  }

  /** Starts watching the registry; resolves on the first view (or after 2 s without one). */
  connect(): Promise<void> {
    return this.balancer.start();
  }

  /** Nest calls it at startup: the view is watched from then on, so `stats()` lists instances before the first call. */
  onModuleInit(): void {
    this.connect().catch(() => undefined);
  }

  /** Nest calls it on shutdown. */
  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    this.balancer.stop();
  }

  /** Sends a request to one instance and emits its reply (cold: nothing happens until subscribed). */
  override send<TResult = unknown, TInput = unknown>(
    pattern: string,
    data: TInput,
    options: BalancedCallOptions = {},
  ): Observable<TResult> {
    return this.observe(this.sendRequest(pattern, data, options.headers), options, this.retry);
  }

  /**
   * Emits an event to one instance (retried only when it surely was not delivered). Hot, as
   * Nest's `emit`: it starts at once; subscribe to learn when (and whether) it was delivered.
   */
  override emit<TResult = unknown, TInput = unknown>(
    pattern: string,
    data: TInput,
    options: BalancedCallOptions = {},
  ): Observable<TResult> {
    const source = this.observe<TResult>(this.eventRequest(pattern, data, options.headers), options, this.eventRetry);
    const eager = connectable(source, { connector: () => new Subject<TResult>(), resetOnDisconnect: false });
    eager.connect();
    return eager;
  }

  /** Sends to every healthy instance at once; one result per instance, failures included. */
  broadcast<T = unknown>(pattern: string, data: unknown, options: BalancedCallOptions = {}): Observable<BroadcastResult<T>[]> {
    return defer(async () => {
      await this.connect();
      const targets = this.balancer.picker.candidates;
      return Promise.all(
        targets.map(async (instance): Promise<BroadcastResult<T>> => {
          try {
            const value = (await this.one(instance.id, pattern, data, options)) as T;
            return { instanceId: instance.id, ok: true, value };
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
      const instance = leader && this.balancer.view.instances.find((i) => i.id === leader.leaderId);
      if (!instance) throw ProtocolError.unavailable(`no reachable leader of '${group}' in '${this.options.service}'`);
      return (await this.one(instance.id, pattern, data, options)) as TResult;
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
    // NOTE: the single transport it speaks (`'http'` or `['http']`), not a preference of several.
    if (this.balancer.transport !== 'http') throw new Error(`request() needs transport 'http', not '${this.balancer.transport}'`);
    const invoke: Invoke = (client, timeoutMs) => {
      const http = client as TransportClient & { request(r: BalancedHttpRequest & { timeoutMs: number }): Observable<unknown> };
      return http.request({ ...request, headers: { ...request.headers, ...options.headers }, timeoutMs });
    };
    const what = `${request.method} ${request.path}`;
    return this.observe(
      { pattern: what, data: undefined, headers: undefined, invoke, isPlainSend: false, isEvent: false },
      options,
      this.retry,
    );
  }

  /**
   * A gRPC service whose every method call is balanced: `getService<Orders>('Orders').Get(req)`
   * returns an Observable. Only with `transport: 'grpc'`.
   */
  getService<T extends object>(name: string): T {
    if (this.balancer.transport !== 'grpc') throw new Error(`getService needs transport 'grpc', not '${this.balancer.transport}'`);
    return new Proxy({} as T, {
      get: (_target, method) => (data: unknown, options?: BalancedCallOptions) => this.send(`${name}/${String(method)}`, data, options),
    });
  }

  stats(): BalancedClientStats {
    return this.balancer.stats();
  }

  unwrap<T>(): T {
    return this.balancer.picker as T;
  }

  override on(): void {
    // NOTE: no driver events of its own; per-instance clients report through `stats()`.
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const call = this.start(this.sendRequest(packet.pattern as string, packet.data, undefined), {}, this.retry);
    call.start((err, response) => callback(err === undefined ? { response, isDisposed: true } : { err }));
    return () => call.cancel();
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    return (await this.start(this.eventRequest(packet.pattern as string, packet.data, undefined), {}, this.eventRetry).run()) as T;
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? CLIENT_DEFAULT_TIMEOUT_MS;
  }

  private sendRequest(pattern: string, data: unknown, headers: Record<string, string> | undefined): BalancedRequest {
    return { pattern, data, headers, invoke: invokeSend, isPlainSend: true, isEvent: false };
  }

  private eventRequest(pattern: string, data: unknown, headers: Record<string, string> | undefined): BalancedRequest {
    return { pattern, data, headers, invoke: invokeEmit, isPlainSend: false, isEvent: true };
  }

  private start(request: BalancedRequest, options: BalancedCallOptions, retry: RetryOptions): BalancedCall {
    // NOTE: per-call retry options cost a copy only when given; an event is never idempotent.
    let merged = retry;
    if (options.retry !== undefined) {
      merged = { ...retry, ...options.retry };
      if (retry === this.eventRetry) merged.isIdempotent = false;
    }
    return new BalancedCall(this.balancer, request, options.timeoutMs ?? this.timeoutMs, merged, options.hashKey, options.version);
  }

  /** One cold Observable over a balanced call; unsubscribing cancels the call (the call is its own teardown). */
  private observe<T>(request: BalancedRequest, options: BalancedCallOptions, retry: RetryOptions): Observable<T> {
    return new Observable<T>((subscriber) => {
      const call = this.start(request, options, retry);
      call.start(subscriber as Subscriber<unknown>);
      return call;
    });
  }

  /** One attempt on one given instance (broadcast, leader), without retries. */
  private one(instanceId: string, pattern: string, data: unknown, options: BalancedCallOptions): Promise<unknown> {
    return this.start(this.sendRequest(pattern, data, options.headers), options, { ...this.retry, maxAttempts: 1 }).runOn(instanceId);
  }
}

/** The invokes of plain requests and events: one function for every call, reading the call's request. */
const invokeSend: Invoke = (client, timeoutMs, { pattern, data, headers }) => client.send(pattern, data, { timeoutMs, headers });
const invokeEmit: Invoke = (client, timeoutMs, { pattern, data, headers }) => client.emit(pattern, data, { timeoutMs, headers });
