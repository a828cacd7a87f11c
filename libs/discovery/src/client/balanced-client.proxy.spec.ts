import 'reflect-metadata';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Endpoint, Msg, ProtocolError, ProtocolsModule, startProtocols } from '@orion/protocols';
import { lastValueFrom } from 'rxjs';
import { ServiceDiscoveryModule } from '../discovery.module';
import { InstanceRegistrar } from '../registration/instance-registrar';
import { createRegistry } from '../registry/create-registry.util';
import { InjectBalancedClient } from '../decorators/inject-balanced-client.decorator';
import { BalancedClientsModule } from './balanced-clients.module';
import type { BalancedClientProxy } from './balanced-client.proxy';

let served: string[] = [];

@Controller()
class EchoController {
  constructor(private readonly registrar: InstanceRegistrar) {}
  @Endpoint('whoami', { protocols: ['tcp'] })
  whoami(@Msg() req: { fail?: string }) {
    served.push(this.registrar.instanceId);
    if (req?.fail === 'bad-input') throw ProtocolError.invalidArgument('bad input');
    return this.registrar.instanceId;
  }
}

@Injectable()
class Caller {
  constructor(@InjectBalancedClient('echo') readonly client: BalancedClientProxy) {}
}

const REGISTRY = 'memory://balanced-spec';

async function startInstance(id: string): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ProtocolsModule.forRoot({ tcp: {}, logRequests: false }),
      ServiceDiscoveryModule.forRoot({ service: { name: 'echo' }, registry: REGISTRY, instanceId: id, ttlMs: 600, drain: { graceMs: 0 } }),
    ],
    controllers: [EchoController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await startProtocols(app);
  return app;
}

async function startCaller(strategy: string): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ServiceDiscoveryModule.forRoot({ service: { name: 'caller' }, registry: REGISTRY, shouldRegister: false }),
      BalancedClientsModule.register([
        { service: 'echo', transport: 'tcp', strategy: strategy as never, timeoutMs: 2000, retry: { isIdempotent: true } },
      ]),
    ],
    providers: [Caller],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('BalancedClientProxy', () => {
  let instances: INestApplication[] = [];
  let caller: INestApplication | undefined;

  beforeEach(async () => {
    served = [];
    instances = await Promise.all(['a', 'b', 'c'].map(startInstance));
    const registry = createRegistry(REGISTRY);
    const end = Date.now() + 3000;
    while ((await registry.list('echo')).length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await registry.close();
  });

  afterEach(async () => {
    await caller?.close();
    caller = undefined;
    await Promise.all(instances.map((app) => app.close()));
  });

  describe('send', () => {
    it('should spread round-robin calls exactly evenly over the instances', async () => {
      caller = await startCaller('round-robin');
      const client = caller.get(Caller).client;
      const replies: string[] = [];
      for (let i = 0; i < 30; i++) replies.push(await lastValueFrom(client.send<string>('whoami', {})));
      expect(['a', 'b', 'c'].map((id) => replies.filter((r) => r === id).length)).toEqual([10, 10, 10]);
      expect(client.stats().instances.map((i) => i.successes)).toEqual([10, 10, 10]);
    });

    it('should not retry an application error and should pass it through as is', async () => {
      caller = await startCaller('round-robin');
      const client = caller.get(Caller).client;
      const error = await lastValueFrom(client.send('whoami', { fail: 'bad-input' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe('INVALID_ARGUMENT');
      expect(served).toHaveLength(1);
      expect(client.stats().retries).toBe(0);
    });

    it('should stop picking an instance that shut down, losing no idempotent call', async () => {
      caller = await startCaller('round-robin');
      const client = caller.get(Caller).client;
      await lastValueFrom(client.send('whoami', {}));
      // The instance drains and deregisters; calls racing its exit are retried elsewhere.
      const victim = instances[1];
      instances = [instances[0], instances[2]];
      await victim.close();
      const results = await Promise.all(Array.from({ length: 30 }, () => lastValueFrom(client.send<string>('whoami', {}))));
      expect(results).toHaveLength(30);
      expect(results.every((r) => r === 'a' || r === 'c')).toBe(true);
    });

    it('should end with UNAVAILABLE when no instance serves the transport', async () => {
      await Promise.all(instances.map((app) => app.close()));
      instances = [];
      caller = await startCaller('p2c-ewma');
      const error = await lastValueFrom(caller.get(Caller).client.send('whoami', {})).catch((e: unknown) => e);
      expect((error as ProtocolError).code).toBe('UNAVAILABLE');
    });
  });

  describe('stats and metrics', () => {
    it('should count picks, successes and report Prometheus metrics per instance', async () => {
      const { Registry } = await import('prom-client');
      const metrics = new Registry();
      const moduleRef = await Test.createTestingModule({
        imports: [
          ServiceDiscoveryModule.forRoot({ service: { name: 'caller' }, registry: REGISTRY, shouldRegister: false }),
          BalancedClientsModule.register([{ service: 'echo', transport: 'tcp', strategy: 'round-robin', metrics }]),
        ],
        providers: [Caller],
      }).compile();
      caller = moduleRef.createNestApplication({ logger: false });
      await caller.init();
      const client = caller.get(Caller).client;
      for (let i = 0; i < 6; i++) await lastValueFrom(client.send('whoami', {}));
      expect(client.stats().instances.map((i) => [i.id, i.picks, i.successes, i.inFlight])).toEqual([
        ['a', 2, 2, 0],
        ['b', 2, 2, 0],
        ['c', 2, 2, 0],
      ]);
      const text = await metrics.metrics();
      expect(text).toMatch(/orion_client_requests_total\{service="echo",transport="tcp",instance="a"\} 2/);
      expect(text).toContain('orion_client_latency_seconds_bucket');
    });
  });

  describe('broadcast', () => {
    it('should reach every instance once', async () => {
      caller = await startCaller('random');
      const results = await lastValueFrom(caller.get(Caller).client.broadcast<string>('whoami', {}));
      expect(results.map((r) => (r.ok ? r.value : 'failed')).sort()).toEqual(['a', 'b', 'c']);
    });
  });

  describe('BalancedClientsModule', () => {
    it('should refuse an unknown strategy at startup, listing the valid names', async () => {
      await expect(startCaller('fastest')).rejects.toThrow(/round-robin/);
    });
  });
});
