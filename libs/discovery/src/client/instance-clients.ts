import { Logger } from '@nestjs/common';
import type { ServiceEndpoint, ServiceInstance } from '../registry/service-instance.interface';
import type { BalancedClientOptions } from './balanced-client.options';
import { TRANSPORT_CLIENTS, type TransportClient } from './transport-clients';

/**
 * Per-instance transport clients: created lazily on the first call to an instance, reused,
 * and closed when the instance leaves the view or its endpoint moves.
 */
export class InstanceClients {
  private readonly logger = new Logger('BalancedClient');
  private readonly clients = new Map<string, { key: string; client: TransportClient }>();

  constructor(private readonly options: BalancedClientOptions) {}

  /** The endpoint of `instance` for this transport, if it serves it. */
  endpointOf(instance: ServiceInstance): ServiceEndpoint | undefined {
    return instance.endpoints.find((endpoint) => endpoint.protocol === this.options.transport);
  }

  get(instance: ServiceInstance): TransportClient {
    const endpoint = this.endpointOf(instance)!;
    const key = `${endpoint.host}:${endpoint.port}:${endpoint.url ?? ''}`;
    const existing = this.clients.get(instance.id);
    if (existing?.key === key) return existing.client;
    if (existing) this.closeOne(instance.id);
    const client = this.options.clientFactory
      ? this.options.clientFactory(endpoint, instance)
      : TRANSPORT_CLIENTS[this.options.transport](endpoint, this.options);
    this.clients.set(instance.id, { key, client });
    return client;
  }

  /** Closes clients of instances no longer in `ids`. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of [...this.clients.keys()]) if (!ids.has(id)) this.closeOne(id);
  }

  closeAll(): void {
    for (const id of [...this.clients.keys()]) this.closeOne(id);
  }

  private closeOne(id: string): void {
    const entry = this.clients.get(id);
    this.clients.delete(id);
    try {
      const closing = entry?.client.close() as Promise<unknown> | undefined;
      if (closing && typeof closing.catch === 'function') closing.catch((error: unknown) => this.logger.warn(String(error)));
    } catch (error) {
      this.logger.warn(`closing the client of ${id} failed: ${String(error)}`);
    }
  }
}
