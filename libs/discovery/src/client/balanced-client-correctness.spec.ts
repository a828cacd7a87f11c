// Correctness of the balanced call (issue 14), over real TCP sockets between in-process Nest
// apps on a memory registry: the inbound deadline bounds the retry loop, caller-side failures
// are never charged to an instance, unsubscribing cancels, emit is hot, an empty view is
// waited out, calls in flight survive their instance leaving the view.
import 'reflect-metadata';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Endpoint, EventEndpoint, Msg, ProtocolError, ProtocolsModule, startProtocols, TcpClient } from '@orion/protocols';
import { filter, firstValueFrom, lastValueFrom, ReplaySubject } from 'rxjs';
import { ServiceDiscoveryModule } from '../discovery.module';
import { InstanceRegistrar } from '../registration/instance-registrar';
import { createRegistry } from '../registry/create-registry.util';
import type { ServiceInstance } from '../registry/service-instance.interface';
import { InjectBalancedClient } from '../decorators/inject-balanced-client.decorator';
import { BalancedClientsModule } from './balanced-clients.module';
import type { BalancedClientProxy } from './balanced-client.proxy';
import type { BalancedClientOptions } from './balanced-client.options';

const REGISTRY = 'memory://balanced-correctness';
let served: string[] = [];
const arrivals: ((id: string) => void)[] = [];
const releases: (() => void)[] = [];
const notes: ((text: string) => void)[] = [];

/** Resolves with the next value a handler reports through `list`. */
const next = <T>(list: ((value: T) => void)[]): Promise<T> => new Promise<T>((resolve) => list.push(resolve));
const releaseAll = () => releases.splice(0).forEach((release) => release());
const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

@Controller()
class EchoController {
  constructor(private readonly registrar: InstanceRegistrar) {}

  @Endpoint('whoami', { protocols: ['tcp'] })
  whoami() {
    served.push(this.registrar.instanceId);
    return this.registrar.instanceId;
  }

  /** Answers only when the test releases it. */
  @Endpoint('hang', { protocols: ['tcp'] })
  async hang() {
    served.push(this.registrar.instanceId);
    const released = new Promise<void>((resolve) => releases.push(resolve));
    arrivals.splice(0).forEach((arrived) => arrived(this.registrar.instanceId));
    await released;
    return this.registrar.instanceId;
  }

  @EventEndpoint('note', { protocols: ['tcp'] })
  note(@Msg() text: string) {
    notes.splice(0).forEach((noted) => noted(text));
  }
}

@Injectable()
class Caller {
  constructor(@InjectBalancedClient('echo') readonly client: BalancedClientProxy) {}
}

const outcomes: unknown[] = [];
const outcomeWaiters: ((error: unknown) => void)[] = [];

@Controller()
class RelayController {
  constructor(@InjectBalancedClient('echo') private readonly client: BalancedClientProxy) {}

  /** Calls `hang` from inside a handler, so the inbound request's deadline applies. */
  @Endpoint('relay-hang', { protocols: ['tcp'] })
  async relay() {
    try {
      return await lastValueFrom(this.client.send('hang', {}));
    } catch (error) {
      outcomes.push(error);
      outcomeWaiters.splice(0).forEach((done) => done(error));
      throw error;
    }
  }
}

async function startInstance(id: string): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ProtocolsModule.forRoot({ tcp: {}, logRequests: false }),
      ServiceDiscoveryModule.forRoot({
        service: { name: 'echo' },
        registry: REGISTRY,
        instanceId: id,
        ttlMs: 60_000,
        drain: { graceMs: 0 },
      }),
    ],
    controllers: [EchoController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await startProtocols(app);
  return app;
}

let callerPort = 0;
const STRICT_OUTLIERS = { consecutiveFailures: 1, maxEjectedPercent: 100 };

async function startCaller(options: Partial<BalancedClientOptions> = {}, registry = REGISTRY, tcp = false): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ...(tcp ? [ProtocolsModule.forRoot({ tcp: {}, logRequests: false })] : []),
      ServiceDiscoveryModule.forRoot({ service: { name: 'caller' }, registry, shouldRegister: false }),
      BalancedClientsModule.register([
        {
          service: 'echo',
          transport: 'tcp',
          strategy: 'round-robin',
          timeoutMs: 20_000,
          retry: { isIdempotent: true },
          outlierDetection: STRICT_OUTLIERS,
          metrics: false,
          ...options,
        },
      ]),
    ],
    providers: [Caller],
    controllers: tcp ? [RelayController] : [],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  if (tcp) callerPort = (await startProtocols(app)).tcp!.port;
  else await app.init();
  return app;
}

/** No instance charged: no failure counted, none ejected. */
function expectNoInstanceCharged(client: BalancedClientProxy): void {
  for (const instance of client.stats().instances) {
    expect({ id: instance.id, failures: instance.failures, isEjected: instance.isEjected }).toEqual({
      id: instance.id,
      failures: 0,
      isEjected: false,
    });
  }
}

describe('BalancedClientProxy correctness', () => {
  let instances: INestApplication[] = [];
  let records: ServiceInstance[] = [];
  let caller: INestApplication | undefined;

  beforeAll(async () => {
    instances = await Promise.all(['a', 'b', 'c'].map(startInstance));
    const registry = createRegistry(REGISTRY);
    records = await firstValueFrom(registry.watch('echo').pipe(filter((list) => list.length === 3)));
    await registry.close();
    records.sort((x, y) => x.id.localeCompare(y.id));
  });

  beforeEach(() => {
    served = [];
    outcomes.length = 0;
  });

  afterEach(async () => {
    releaseAll();
    await caller?.close();
    caller = undefined;
  });

  afterAll(async () => {
    await Promise.all(instances.map((app) => app.close()));
  });

  describe('deadlines and blame', () => {
    it('should end the whole retry loop at the inbound deadline, charging no instance', async () => {
      caller = await startCaller({}, REGISTRY, true);
      const relay = new TcpClient({ port: callerPort, timeoutMs: 400 });
      try {
        const failed = next(outcomeWaiters);
        const arrived = next(arrivals);
        const outer = lastValueFrom(relay.send('relay-hang', {})).catch((e: unknown) => e);
        await arrived;
        const inner = (await failed) as ProtocolError;
        expect(inner.code).toBe('DEADLINE_EXCEEDED');
        expect(((await outer) as ProtocolError).code).toBe('DEADLINE_EXCEEDED');
        const client = caller.get(Caller).client;
        // An idempotent call with 3 attempts: the inbound budget allowed one.
        expect(served).toEqual([expect.any(String)]);
        expect(client.stats().retries).toBe(0);
        expectNoInstanceCharged(client);
      } finally {
        relay.close();
      }
    });

    it('should not charge an instance for a request that cannot be encoded', async () => {
      caller = await startCaller();
      const client = caller.get(Caller).client;
      let deep: unknown = {};
      for (let i = 0; i < 100_000; i++) deep = { deep };
      for (let i = 0; i < 6; i++) {
        const error = (await lastValueFrom(client.send('whoami', deep)).catch((e: unknown) => e)) as ProtocolError;
        expect(error).toBeInstanceOf(ProtocolError);
        expect(error.code).toBe('INVALID_ARGUMENT');
      }
      expect(served).toEqual([]);
      expectNoInstanceCharged(client);
      // Every instance still takes traffic.
      const replies = await Promise.all([0, 1, 2].map(() => lastValueFrom(client.send<string>('whoami', {}))));
      expect(replies.sort()).toEqual(['a', 'b', 'c']);
    });
  });

  describe('cancellation and events', () => {
    it('should cancel the attempt in flight and the retry loop on unsubscribe', async () => {
      caller = await startCaller();
      const client = caller.get(Caller).client;
      const arrived = next(arrivals);
      const subscription = client.send('hang', {}).subscribe({ error: () => undefined });
      await arrived;
      expect(client.stats().instances.reduce((sum, i) => sum + i.inFlight, 0)).toBe(1);
      subscription.unsubscribe();
      expect(client.stats().instances.reduce((sum, i) => sum + i.inFlight, 0)).toBe(0);
      expect(client.stats().retries).toBe(0);
      expectNoInstanceCharged(client);
      expect(served).toHaveLength(1);
    });

    it('should send an event at once, without a subscriber (hot, as Nest emit is)', async () => {
      caller = await startCaller();
      const noted = next(notes);
      caller.get(Caller).client.emit('note', 'fire and forget');
      expect(await noted).toBe('fire and forget');
    });
  });

  describe('membership', () => {
    const manual = () => `memory://balanced-correctness-manual-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const register = (registryUrl: string, record: ServiceInstance, weight = 1) => {
      const registry = createRegistry(registryUrl);
      return registry.register({ ...record, weight }, { ttlMs: 60_000 }).then(() => registry);
    };

    it('should wait for the next view when the view is empty, then call', async () => {
      const url = manual();
      caller = await startCaller({}, url);
      const client = caller.get(Caller).client;
      await client.connect();
      const reply = lastValueFrom(client.send<string>('whoami', {}));
      expect(client.stats()).toMatchObject({ requests: 1, instances: [] });
      const registry = await register(url, records[0]);
      expect(await reply).toBe('a');
      await registry.close();
    });

    it('should let a call in flight finish when its instance leaves the view', async () => {
      const url = manual();
      const registry = await register(url, records[1]);
      caller = await startCaller({}, url);
      const client = caller.get(Caller).client;
      const arrived = next(arrivals);
      const reply = lastValueFrom(client.send<string>('hang', {}));
      await arrived;
      await registry.deregister('b');
      await until(() => client.stats().instances.length === 0);
      releaseAll();
      expect(await reply).toBe('b');
      await registry.close();
    });

    it.each(['weighted', 'consistent-hash'] as const)('should keep the %s picker across load-only heartbeats', async (strategy) => {
      const url = manual();
      const weights = [3, 1, 1];
      const registry = createRegistry(url);
      for (let i = 0; i < 3; i++) await registry.register({ ...records[i], weight: weights[i] }, { ttlMs: 60_000 });
      caller = await startCaller({ strategy }, url);
      const client = caller.get(Caller).client;
      await client.connect();
      const picker = client.unwrap();
      const views = new ReplaySubject<unknown>();
      let viewCount = 0;
      const watch = registry.watch('echo').subscribe((view) => views.next([++viewCount, view]));
      const replies: string[] = [];
      for (let call = 0; call < 50; call++) {
        // A heartbeat with new load figures between every two calls (a low-rate caller).
        const seen = viewCount;
        const load = {
          inFlight: call % 3,
          requestsPerSecond: call,
          latencyEwmaMs: call / 10,
          eventLoopUtilization: 0.1,
          eventLoopLagMs: 1,
        };
        await registry.heartbeat(records[call % 3].id, { load });
        await firstValueFrom(views.pipe(filter(() => viewCount > seen)));
        replies.push(await lastValueFrom(client.send<string>('whoami', {}, { hashKey: strategy === 'consistent-hash' ? 'k' : undefined })));
      }
      watch.unsubscribe();
      await registry.close();
      expect(client.unwrap()).toBe(picker);
      const shares = ['a', 'b', 'c'].map((id) => replies.filter((r) => r === id).length);
      if (strategy === 'weighted') expect(shares).toEqual([30, 10, 10]);
      else expect(shares.filter((n) => n > 0)).toEqual([50]);
    });
  });
});
