import type { Observable } from 'rxjs';
import { GrpcClient, HttpClient, MqttClient, TcpClient, UdpClient, WsClient, type CallOptions, type ProtocolError } from '@orion/protocols';
import type { ServiceEndpoint } from '../registry/service-instance.interface';
import type { BalancedClientOptions, BalancedTransport } from './balanced-client.options';

/**
 * What a balanced client needs of a per-instance transport client. Orion's transport
 * clients are Nest `ClientProxy`s that also take per-call options.
 */
export interface TransportClient {
  send(pattern: string, data: unknown, options?: CallOptions): Observable<unknown>;
  emit(pattern: string, data: unknown, options?: CallOptions): Observable<unknown>;
  close(): unknown;
  /**
   * Optional promise-free fast path (Orion's `TcpClient` has it): sends a request, calls
   * `done` once with the reply or a `ProtocolError`, returns an id for `cancel`.
   */
  call?(
    pattern: string,
    data: unknown,
    options: CallOptions | undefined,
    done: (error: ProtocolError | undefined, value?: unknown) => void,
  ): number;
  cancel?(id: number): void;
}

type TransportClientFactory = (endpoint: ServiceEndpoint, options: BalancedClientOptions) => TransportClient;

const bracket = (host: string) => (host.includes(':') ? `[${host}]` : host);

/** The client's TLS options for an endpoint that speaks TLS (`{}` trusts the system CAs). */
const tlsFor = (endpoint: ServiceEndpoint, options: BalancedClientOptions) => (endpoint.tls ? { tls: options.tls ?? {} } : {});

/**
 * One factory per transport (no switch), building the client for one instance's endpoint
 * as advertised in the registry.
 */
export const TRANSPORT_CLIENTS = {
  tcp: (endpoint, options) =>
    new TcpClient({ host: endpoint.host, port: endpoint.port, timeoutMs: options.timeoutMs, ...tlsFor(endpoint, options) }),
  udp: (endpoint, options) =>
    new UdpClient({
      host: endpoint.host,
      port: endpoint.port,
      timeoutMs: options.timeoutMs,
      hmacKey: options.udpHmacKey,
    }) as unknown as TransportClient,
  grpc: (endpoint, options) =>
    new GrpcClient({
      url: endpoint.url ?? `${bracket(endpoint.host)}:${endpoint.port}`,
      package: endpoint.grpcPackage,
      methods: endpoint.grpcMethods,
      timeoutMs: options.timeoutMs,
      ...tlsFor(endpoint, options),
    }) as unknown as TransportClient,
  // NOTE: the instance's own topic base makes exactly one instance handle each request.
  mqtt: (endpoint, options) =>
    new MqttClient({
      url: endpoint.url ?? `mqtt://${bracket(endpoint.host)}:${endpoint.port}`,
      topicBase: endpoint.mqttTopicBase,
      protocolVersion: endpoint.mqttProtocolVersion ?? 5,
      username: options.mqttUsername,
      password: options.mqttPassword,
      timeoutMs: options.timeoutMs,
      ...tlsFor(endpoint, options),
    }) as unknown as TransportClient,
  ws: (endpoint, options) =>
    new WsClient({
      url: endpoint.url ?? `ws://${bracket(endpoint.host)}:${endpoint.port}${endpoint.path ?? '/ws'}`,
      timeoutMs: options.timeoutMs,
      ...tlsFor(endpoint, options),
    }) as unknown as TransportClient,
  http: (endpoint, options) =>
    new HttpClient({
      url: endpoint.url ?? `http://${bracket(endpoint.host)}:${endpoint.port}`,
      timeoutMs: options.timeoutMs,
      ...tlsFor(endpoint, options),
    }) as unknown as TransportClient,
} satisfies Record<BalancedTransport, TransportClientFactory | null>;
