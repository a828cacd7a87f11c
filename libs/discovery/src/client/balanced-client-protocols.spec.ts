// A balanced client with a preference of transports over a real memory registry; the
// per-instance clients are scripted (clientFactory) so a test decides which listener refuses.
// Real listeners and processes: test/protocol-switching.e2e-spec.ts.
import { ProtocolError, type CallOptions } from '@orion/protocols';
import { Registry } from 'prom-client';
import { lastValueFrom, Observable } from 'rxjs';
import { InvalidTransportError } from '../errors/invalid-transport.error';
import { createRegistry } from '../registry/create-registry.util';
import type { EndpointProtocol, ServiceEndpoint, ServiceInstance } from '../registry/service-instance.interface';
import type { ServiceRegistry } from '../registry/service-registry.interface';
import { createBalancedClient } from './balanced-client.factory';
import type { BalancedClientOptions } from './balanced-client.options';
import type { BalancedClientProxy } from './balanced-client.proxy';
import type { TransportClient } from './transport-clients';

type Done = (error: ProtocolError | undefined, value?: unknown) => void;

/** Listeners that refuse connections, as `<instance>/<protocol>`. */
let refusing: Set<string>;
let created: string[];

class ScriptedClient implements TransportClient {
  constructor(private readonly key: string) {}

  call(pattern: string, _data: unknown, _options: CallOptions | undefined, done: Done): number {
    queueMicrotask(() =>
      refusing.has(this.key) ? done(ProtocolError.unavailable(`${this.key} refused`, { isRequestSent: false })) : done(undefined, this.key),
    );
    return 1;
  }

  send(pattern: string, data: unknown, options?: CallOptions): Observable<unknown> {
    return new Observable((subscriber) => {
      this.call(pattern, data, options, (error, value) =>
        error ? subscriber.error(error) : (subscriber.next(value), subscriber.complete()),
      );
    });
  }

  emit(pattern: string, data: unknown, options?: CallOptions): Observable<unknown> {
    return this.send(pattern, data, options);
  }

  close(): void {}
}

const instance = (id: string, protocols: EndpointProtocol[]): ServiceInstance => ({
  id,
  service: 'work',
  version: '1.0.0',
  weight: 1,
  metadata: {},
  status: 'passing',
  endpoints: protocols.map((protocol, i): ServiceEndpoint => ({ protocol, host: '127.0.0.1', port: 1000 + i })),
  registeredAt: Date.now(),
  renewedAt: Date.now(),
});

describe('BalancedClientProxy with a preference of transports', () => {
  let registry: ServiceRegistry;
  let client: BalancedClientProxy | undefined;
  let metrics: Registry;

  const start = async (options: Partial<BalancedClientOptions>) => {
    client = createBalancedClient(
      {
        service: 'work',
        transport: ['grpc', 'tcp'],
        strategy: 'round-robin',
        metrics,
        clientFactory: (endpoint, owner) => {
          const key = `${owner.id}/${endpoint.protocol}`;
          created.push(key);
          return new ScriptedClient(key);
        },
        ...options,
      },
      registry,
    );
    await client.connect();
    return client;
  };
  const calls = async (count: number) => {
    const replies: string[] = [];
    for (let i = 0; i < count; i++) replies.push(await lastValueFrom(client!.send<string>('work', i)));
    return replies;
  };
  const stats = (id: string) => client!.stats().instances.find((i) => i.id === id);

  beforeEach(async () => {
    refusing = new Set();
    created = [];
    metrics = new Registry();
    registry = createRegistry(`memory://protocols-${process.pid}-${Math.random().toString(36).slice(2)}`);
    for (const record of [instance('a', ['grpc', 'tcp']), instance('b', ['tcp']), instance('c', ['http'])]) {
      await registry.register(record, { ttlMs: 60_000 });
    }
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await registry.close();
  });

  it('should call each instance over the first protocol it advertises and never one that advertises none', async () => {
    await start({});
    const replies = await calls(20);
    expect(new Set(replies)).toEqual(new Set(['a/grpc', 'b/tcp']));
    expect(created.filter((key) => key.startsWith('c/'))).toEqual([]);
    expect(client!.stats()).toMatchObject({ transport: 'grpc,tcp' });
    expect(stats('a')).toMatchObject({ protocol: 'grpc', protocols: ['grpc', 'tcp'], protocolSwitches: 0 });
    expect(stats('b')).toMatchObject({ protocol: 'tcp', protocols: ['tcp'], protocolSwitches: 0 });
  });

  it('should show the protocols before the first call, and list only instances that serve one of them', async () => {
    await start({});
    expect(stats('a')).toMatchObject({ protocol: 'grpc', protocols: ['grpc', 'tcp'], picks: 0 });
    expect(client!.stats().instances.map((i) => i.id)).toEqual(['a', 'b']);
  });

  it('should answer over tcp when gRPC refuses, charging nothing and retrying nothing', async () => {
    await start({ outlierDetection: { consecutiveFailures: 1 } });
    refusing.add('a/grpc');
    const replies = await calls(20);
    expect(replies.filter((r) => r.startsWith('a/'))).toEqual(Array(10).fill('a/tcp'));
    expect(stats('a')).toMatchObject({ protocol: 'tcp', protocolSwitches: 1, failures: 0, isEjected: false, ejections: 0, picks: 10 });
    expect(client!.stats()).toMatchObject({ retries: 0, requests: 20 });
    const switches = await metrics.getSingleMetric('orion_client_protocol_switches_total')!.get();
    expect(switches.values).toEqual([
      { value: 1, labels: { service: 'work', transport: 'grpc,tcp', instance: 'a', from: 'grpc', to: 'tcp' } },
    ]);
  });

  it('should fail over to another instance as an ordinary failure when the last protocol refuses', async () => {
    await start({ retry: { maxAttempts: 3 } });
    refusing.add('a/grpc');
    refusing.add('a/tcp');
    const replies = await calls(10);
    expect(replies.every((r) => r === 'b/tcp')).toBe(true);
    expect(stats('a')!.failures).toBeGreaterThan(0);
    expect(client!.stats().retries).toBeGreaterThan(0);
  });

  it('should keep the single-transport form as it was, with the protocol in stats', async () => {
    await start({ transport: 'tcp' });
    const replies = await calls(4);
    expect(new Set(replies)).toEqual(new Set(['a/tcp', 'b/tcp']));
    expect(client!.stats().transport).toBe('tcp');
    expect(stats('a')).toEqual(expect.objectContaining({ protocol: 'tcp', protocolSwitches: 0 }));
    expect(stats('a')).not.toHaveProperty('protocols');
    expect(client!.stats().instances.map((i) => i.id)).toEqual(['a', 'b']);
  });

  it('should keep gRPC stubs and HTTP routes to the single transport they speak', async () => {
    await start({});
    expect(() => client!.getService('Work')).toThrow("getService needs transport 'grpc', not 'grpc,tcp'");
    expect(() => client!.request({ method: 'GET', path: '/' })).toThrow("request() needs transport 'http', not 'grpc,tcp'");
    await client!.close();
    await start({ transport: ['grpc'] });
    const stub = client!.getService<{ Do(data: unknown): Observable<string> }>('Work');
    await expect(lastValueFrom(stub.Do(1))).resolves.toBe('a/grpc');
  });

  it.each([
    { transport: [], reason: /the list is empty/ },
    { transport: ['grpc', 'grpc'], reason: /'grpc' appears twice/ },
    { transport: ['grpc', 'amqp'], reason: /unknown transport "amqp"/ },
  ])('should refuse transport $transport at registration', ({ transport, reason }) => {
    const build = () => createBalancedClient({ service: 'work', transport: transport as never, metrics: false }, registry);
    expect(build).toThrow(InvalidTransportError);
    expect(build).toThrow(reason);
  });

  it('should refuse a protocolProbeMs that is not a positive number at registration', () => {
    expect(() =>
      createBalancedClient({ service: 'work', transport: ['grpc', 'tcp'], protocolProbeMs: 0, metrics: false }, registry),
    ).toThrow(RangeError);
  });
});
