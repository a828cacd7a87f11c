import type { Observable } from 'rxjs';
import { TcpClient, UdpClient, type CallOptions } from '@orion/protocols';
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
}

type TransportClientFactory = (endpoint: ServiceEndpoint, options: BalancedClientOptions) => TransportClient;

/**
 * One factory per transport (no switch). A transport without a client yet is `null`: the
 * balanced client fails at startup naming it.
 */
export const TRANSPORT_CLIENTS = {
  tcp: (endpoint, options) => new TcpClient({ host: endpoint.host, port: endpoint.port, timeoutMs: options.timeoutMs }),
  udp: (endpoint, options) =>
    new UdpClient({
      host: endpoint.host,
      port: endpoint.port,
      timeoutMs: options.timeoutMs,
      hmacKey: options.udpHmacKey,
    }) as unknown as TransportClient,
  grpc: null,
  mqtt: null,
  ws: null,
  http: null,
} satisfies Record<BalancedTransport, TransportClientFactory | null>;
