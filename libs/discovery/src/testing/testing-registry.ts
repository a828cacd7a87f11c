import type { EndpointProtocol, InstanceStatus, ServiceInstance } from '../registry/service-instance.interface';
import { MemoryRegistryAdapter } from '../registry/adapters/memory-registry.adapter';
import { MemoryRegistryStore } from '../registry/adapters/memory-registry.store';

const PROTOCOLS: EndpointProtocol[] = ['http', 'ws', 'tcp', 'udp', 'grpc', 'mqtt'];

/**
 * An in-memory registry a test drives directly: add instances with sane defaults (an
 * endpoint for every protocol), change their status or load, remove them. It is a real
 * `ServiceRegistry`, so balanced clients and watchers behave as in production.
 *
 * @publicApi
 */
export class TestingRegistry extends MemoryRegistryAdapter {
  private nextPort = 20_000;

  constructor(options: { now?: () => number } = {}) {
    super({ store: new MemoryRegistryStore({ now: options.now }) });
  }

  /** Registers `id` of `service` (TTL one hour unless given) and returns the entry. */
  async addInstance(service: string, id: string, overrides: Partial<ServiceInstance> = {}, ttlMs = 3_600_000): Promise<ServiceInstance> {
    const port = this.nextPort++;
    const instance: ServiceInstance = {
      id,
      service,
      version: '1.0.0',
      weight: 1,
      metadata: {},
      status: 'passing',
      endpoints: PROTOCOLS.map((protocol) => ({ protocol, host: '127.0.0.1', port, url: `${protocol}://127.0.0.1:${port}` })),
      registeredAt: 0,
      renewedAt: 0,
      ...overrides,
    };
    await this.register(instance, { ttlMs });
    return instance;
  }

  setStatus(id: string, status: InstanceStatus): Promise<void> {
    return this.heartbeat(id, { status });
  }

  removeInstance(id: string): Promise<void> {
    return this.deregister(id);
  }
}
