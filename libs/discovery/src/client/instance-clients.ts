import { Logger } from '@nestjs/common';
import type { ServiceEndpoint, ServiceInstance } from '../registry/service-instance.interface';
import type { InstanceCallStats } from './balanced-client-stats.interface';
import type { BalancedClientOptions, BalancedTransport } from './balanced-client.options';
import { PROTOCOL_PROBE_DEFAULT_MS, ProtocolPreference } from './protocol-preference';
import { ProtocolSwitchingClient } from './protocol-switching.client';
import { TRANSPORT_CLIENTS, type TransportClient } from './transport-clients';
import { protocolProbeMs, transportPreference } from './transport-preference.util';

const LATENCY_EWMA_ALPHA = 0.2;

/**
 * Everything a balanced client keeps per instance: its transport client and the plain
 * counters behind `stats()` and the Prometheus metrics (read at scrape time). One object per
 * instance, found by id once per call; nothing is allocated per call.
 */
export class InstanceSlot {
  inFlight = 0;
  picks = 0;
  successes = 0;
  failures = 0;
  latencyEwmaMs = 0;
  latencySumMs = 0;
  /** Attempts per `code` that failed, for `orion_client_failures_total`. */
  readonly failureCodes = new Map<string, number>();
  /** Latency histogram counts per bucket (cumulative at export), for `orion_client_latency_seconds`. */
  readonly latencyBuckets: Float64Array;
  /** Set when the instance left the view: the client closes once its calls are done. */
  isRetired = false;

  constructor(
    readonly id: string,
    /** The snapshot object this slot was resolved for (fast path: same object, same endpoint). */
    public instance: ServiceInstance,
    readonly endpointKey: string,
    readonly client: TransportClient,
    bucketCount: number,
    /** The transport of a single-transport client, or the only one of the preference the instance advertises. */
    private readonly transport: BalancedTransport,
    /** With a preference of several transports: the instance's protocol state. */
    readonly preference?: ProtocolPreference,
  ) {
    this.latencyBuckets = new Float64Array(bucketCount + 1);
  }

  /** The protocol calls to this instance go over now. */
  get protocol(): BalancedTransport {
    return this.preference?.protocol ?? this.transport;
  }

  snapshot(isEjected: boolean, ejections: number): InstanceCallStats {
    return {
      id: this.id,
      inFlight: this.inFlight,
      latencyEwmaMs: Math.round(this.latencyEwmaMs * 100) / 100,
      successes: this.successes,
      failures: this.failures,
      picks: this.picks,
      isEjected,
      ejections,
      protocol: this.protocol,
      ...(this.preference === undefined ? {} : { protocols: [...this.preference.protocols] }),
      protocolSwitches: this.preference?.switches ?? 0,
    };
  }

  /** Records an attempt's end: `isServed` counts it as a success, `code` as a failure. */
  record(latencyMs: number, isServed: boolean, code: string | undefined, bucketsSeconds: readonly number[]): void {
    this.latencyEwmaMs = this.latencyEwmaMs === 0 ? latencyMs : this.latencyEwmaMs + LATENCY_EWMA_ALPHA * (latencyMs - this.latencyEwmaMs);
    this.latencySumMs += latencyMs;
    const seconds = latencyMs / 1000;
    let b = 0;
    while (b < bucketsSeconds.length && seconds > bucketsSeconds[b]) b++;
    this.latencyBuckets[b]++;
    if (isServed) this.successes++;
    else this.failures++;
    if (code !== undefined) this.failureCodes.set(code, (this.failureCodes.get(code) ?? 0) + 1);
  }
}

/**
 * Per-instance slots: created on the first call to an instance, reused, and closed when the
 * instance leaves the view or its endpoint moves. An instance that leaves the view with calls
 * in flight keeps its client until they end (each ends by its deadline at the latest), so a
 * registry that restarts empty does not cut calls to live instances.
 */
export class InstanceClients {
  private readonly logger = new Logger('BalancedClient');
  private readonly slots = new Map<string, InstanceSlot>();
  private readonly retired = new Set<InstanceSlot>();
  /** The client's transports, in order of preference. */
  readonly transports: readonly BalancedTransport[];
  /** The transport of a single-transport client (undefined with a preference of several). */
  private readonly single: BalancedTransport | undefined;
  private readonly probeMs: number;

  constructor(
    private readonly options: BalancedClientOptions,
    private readonly bucketCount: number,
  ) {
    this.transports = transportPreference(options.service, options.transport);
    this.single = this.transports.length === 1 ? this.transports[0] : undefined;
    this.probeMs = protocolProbeMs(options.service, options.protocolProbeMs, PROTOCOL_PROBE_DEFAULT_MS);
  }

  /** The endpoint `instance` is first called on (its first advertised of the transports), if any. */
  endpointOf(instance: ServiceInstance): ServiceEndpoint | undefined {
    const single = this.single;
    if (single !== undefined) return instance.endpoints.find((endpoint) => endpoint.protocol === single);
    for (const transport of this.transports) {
      const endpoint = instance.endpoints.find((e) => e.protocol === transport);
      if (endpoint !== undefined) return endpoint;
    }
    return undefined;
  }

  /**
   * What the clients of `instance` are built from (every endpoint of the transports it
   * advertises): a new key means new clients. Undefined when it serves none of them.
   */
  endpointKeyOf(instance: ServiceInstance): string | undefined {
    if (this.single !== undefined) {
      const endpoint = this.endpointOf(instance);
      return endpoint === undefined ? undefined : `${endpoint.host}:${endpoint.port}:${endpoint.url ?? ''}`;
    }
    let key: string | undefined;
    for (const endpoint of this.advertised(instance))
      key = `${key ?? ''}${endpoint.protocol}@${endpoint.host}:${endpoint.port}:${endpoint.url ?? ''},`;
    return key;
  }

  /** Protocol fields of `stats()` for an instance no call went to yet. */
  protocolStatsOf(instance: ServiceInstance): Pick<InstanceCallStats, 'protocol' | 'protocols' | 'protocolSwitches'> {
    if (this.single !== undefined) return { protocol: this.single, protocolSwitches: 0 };
    const protocols = this.advertised(instance).map((endpoint) => endpoint.protocol as BalancedTransport);
    return { protocol: protocols[0] ?? this.transports[0], protocols, protocolSwitches: 0 };
  }

  /** The slot of `instance`, creating its client on first use (or when its endpoint moved). */
  get(instance: ServiceInstance): InstanceSlot {
    const existing = this.slots.get(instance.id);
    if (existing !== undefined && existing.instance === instance) return existing;
    const key = this.endpointKeyOf(instance)!;
    if (existing?.endpointKey === key) {
      existing.instance = instance;
      return existing;
    }
    if (existing) this.retire(existing);
    const slot = this.single !== undefined ? this.singleSlot(instance, key, this.single) : this.preferenceSlot(instance, key);
    this.slots.set(instance.id, slot);
    return slot;
  }

  private singleSlot(instance: ServiceInstance, key: string, transport: BalancedTransport): InstanceSlot {
    const client = this.clientFor(this.endpointOf(instance)!, instance);
    return new InstanceSlot(instance.id, instance, key, client, this.bucketCount, transport);
  }

  /** A slot with the instance's protocol state; a switching client when it advertises several of the transports. */
  private preferenceSlot(instance: ServiceInstance, key: string): InstanceSlot {
    const endpoints = this.advertised(instance);
    const protocols = endpoints.map((endpoint) => endpoint.protocol as BalancedTransport);
    const preference = new ProtocolPreference(protocols, this.probeMs);
    const client =
      endpoints.length === 1
        ? this.clientFor(endpoints[0], instance)
        : new ProtocolSwitchingClient(preference, endpoints, (endpoint) => this.clientFor(endpoint, instance));
    return new InstanceSlot(instance.id, instance, key, client, this.bucketCount, protocols[0], preference);
  }

  private clientFor(endpoint: ServiceEndpoint, instance: ServiceInstance): TransportClient {
    if (this.options.clientFactory) return this.options.clientFactory(endpoint, instance);
    return TRANSPORT_CLIENTS[endpoint.protocol as BalancedTransport](endpoint, this.options);
  }

  /** The endpoints of `instance` for the transports, in order of preference. */
  private advertised(instance: ServiceInstance): ServiceEndpoint[] {
    const endpoints: ServiceEndpoint[] = [];
    for (const transport of this.transports) {
      const endpoint = instance.endpoints.find((e) => e.protocol === transport);
      if (endpoint !== undefined) endpoints.push(endpoint);
    }
    return endpoints;
  }

  /** The slot of `id`, if a call ever went to it. */
  find(id: string): InstanceSlot | undefined {
    return this.slots.get(id);
  }

  /** Every live slot (for metrics at scrape time). */
  all(): IterableIterator<InstanceSlot> {
    return this.slots.values();
  }

  /** An attempt on `slot` ended: closes the client of a retired slot once it is idle. */
  release(slot: InstanceSlot): void {
    slot.inFlight--;
    if (slot.isRetired && slot.inFlight <= 0) this.closeNow(slot);
  }

  /** Retires the slots of instances no longer in `ids` (closed once their calls end). */
  retain(ids: ReadonlySet<string>): void {
    for (const slot of [...this.slots.values()]) if (!ids.has(slot.id)) this.retire(slot);
  }

  closeAll(): void {
    for (const slot of [...this.slots.values(), ...this.retired]) this.closeNow(slot);
    this.slots.clear();
    this.retired.clear();
  }

  private retire(slot: InstanceSlot): void {
    if (this.slots.get(slot.id) === slot) this.slots.delete(slot.id);
    slot.isRetired = true;
    if (slot.inFlight <= 0) return this.closeNow(slot);
    this.retired.add(slot);
  }

  private closeNow(slot: InstanceSlot): void {
    this.retired.delete(slot);
    try {
      const closing = slot.client.close() as Promise<unknown> | undefined;
      if (closing && typeof closing.catch === 'function') closing.catch((error: unknown) => this.logger.warn(String(error)));
    } catch (error) {
      this.logger.warn(`closing the client of ${slot.id} failed: ${String(error)}`);
    }
  }
}
