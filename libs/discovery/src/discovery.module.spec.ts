import 'reflect-metadata';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Endpoint, ProtocolsModule, startProtocols } from '@orion/protocols';
import type { Observable } from 'rxjs';
import { ServiceDiscoveryModule } from './discovery.module';
import { InvalidRegistryUrlError } from './errors/invalid-registry-url.error';
import { InvalidServiceNameError } from './errors/invalid-service-name.error';
import { LeaderElection } from './leader/leader-election.service';
import { LeaderOnly } from './leader/leader-only.decorator';
import { InstanceRegistrar } from './registration/instance-registrar';
import { createRegistry } from './registry/create-registry.util';
import type { ServiceInstance } from './registry/service-instance.interface';
import type { HeartbeatPatch, RegisterOptions, ServiceRegistration, ServiceRegistry } from './registry/service-registry.interface';

@Controller()
class PingController {
  @Endpoint('ping', { protocols: ['http', 'tcp'] })
  ping() {
    return 'pong';
  }
}

@Injectable()
class Job {
  @LeaderOnly('jobs')
  run() {
    return 'ran';
  }
}

/** A registry that can be switched off, to model an outage. */
class SwitchableRegistry implements ServiceRegistry {
  isDown = false;
  constructor(private readonly inner: ServiceRegistry) {}
  private guard() {
    if (this.isDown) throw new Error('registry unreachable');
  }
  async register(instance: ServiceRegistration, opts: RegisterOptions) {
    this.guard();
    return this.inner.register(instance, opts);
  }
  async heartbeat(id: string, patch?: HeartbeatPatch) {
    this.guard();
    return this.inner.heartbeat(id, patch);
  }
  async deregister(id: string) {
    this.guard();
    return this.inner.deregister(id);
  }
  list(service: string): Promise<ServiceInstance[]> {
    return this.inner.list(service);
  }
  services() {
    return this.inner.services();
  }
  watch(service: string): Observable<ServiceInstance[]> {
    return this.inner.watch(service);
  }
  close() {
    return this.inner.close();
  }
}

async function startApp(registry: string | ServiceRegistry, extra: Partial<Parameters<typeof ServiceDiscoveryModule.forRoot>[0]> = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ProtocolsModule.forRoot({ http: {}, tcp: {}, logRequests: false }),
      ServiceDiscoveryModule.forRoot({
        service: { name: 'orders', version: '1.2.3', zone: 'a', weight: 3 },
        registry,
        ttlMs: 300,
        drain: { graceMs: 0 },
        ...extra,
      }),
    ],
    controllers: [PingController],
    providers: [Job],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const addresses = await startProtocols(app);
  return { app, addresses };
}

const until = async (check: () => Promise<boolean> | boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('ServiceDiscoveryModule', () => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  describe('forRoot', () => {
    it('should register once listeners are up, with the bound ports and identity', async () => {
      const registry = createRegistry('memory://spec-register');
      const { app, addresses } = await startApp('memory://spec-register');
      apps.push(app);
      await until(async () => (await registry.list('orders')).length === 1);
      const [instance] = await registry.list('orders');
      expect(instance).toMatchObject({
        service: 'orders',
        version: '1.2.3',
        zone: 'a',
        weight: 3,
        status: 'passing',
        id: app.get(InstanceRegistrar).instanceId,
      });
      expect(instance.endpoints).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ protocol: 'http', port: addresses.http!.port, host: '127.0.0.1' }),
          expect.objectContaining({ protocol: 'tcp', port: addresses.tcp!.port }),
        ]),
      );
      await app.close();
      apps.pop();
      expect(await registry.list('orders')).toEqual([]);
      await registry.close();
    });

    it('should reject an invalid service name at startup, naming it', async () => {
      const moduleRef = Test.createTestingModule({
        imports: [ServiceDiscoveryModule.forRoot({ service: { name: 'Bad Name' }, registry: 'memory://' })],
      });
      await expect(moduleRef.compile()).rejects.toThrow(InvalidServiceNameError);
      await expect(moduleRef.compile()).rejects.toThrow(/Bad Name/);
    });

    it('should reject a bad registry URL at startup, listing valid schemes', async () => {
      const moduleRef = Test.createTestingModule({
        imports: [ServiceDiscoveryModule.forRoot({ service: { name: 'orders' }, registry: 'bogus://x' })],
      });
      await expect(moduleRef.compile()).rejects.toThrow(InvalidRegistryUrlError);
      await expect(moduleRef.compile()).rejects.toThrow(/memory/);
    });

    it('should reject a heartbeat that does not fit in the TTL', async () => {
      const moduleRef = Test.createTestingModule({
        imports: [ServiceDiscoveryModule.forRoot({ service: { name: 'orders' }, registry: 'memory://', ttlMs: 1000, heartbeatMs: 900 })],
      });
      await expect(moduleRef.compile()).rejects.toThrow(/heartbeatMs/);
    });
  });

  describe('forRootAsync', () => {
    it('should take options from a factory', async () => {
      const registry = createRegistry('memory://spec-async');
      const moduleRef = await Test.createTestingModule({
        imports: [
          ProtocolsModule.forRoot({ tcp: {}, logRequests: false }),
          ServiceDiscoveryModule.forRootAsync({
            useFactory: () => ({ service: { name: 'billing' }, registry: 'memory://spec-async', ttlMs: 300, drain: { graceMs: 0 } }),
          }),
        ],
        controllers: [PingController],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      apps.push(app);
      await startProtocols(app);
      await until(async () => (await registry.list('billing')).length === 1);
      await registry.close();
    });
  });

  describe('registry outage', () => {
    it('should keep serving and re-register when the registry returns', async () => {
      const store = createRegistry('memory://spec-outage');
      const flaky = new SwitchableRegistry(createRegistry('memory://spec-outage'));
      const { app, addresses } = await startApp(flaky);
      apps.push(app);
      await until(async () => (await store.list('orders')).length === 1);
      flaky.isDown = true;
      // The lease (300 ms) runs out while heartbeats fail.
      await until(async () => (await store.list('orders')).length === 0);
      const res = await fetch(`${addresses.http!.url}/ping`, { method: 'POST' });
      expect(await res.text()).toBe('pong');
      flaky.isDown = false;
      await until(async () => (await store.list('orders')).length === 1);
      await store.close();
    });
  });

  describe('LeaderElection and @LeaderOnly', () => {
    it('should let exactly one instance lead, skip @LeaderOnly on followers, and hand over on close', async () => {
      const one = await startApp('memory://spec-leader', { instanceId: 'one' });
      const two = await startApp('memory://spec-leader', { instanceId: 'two' });
      apps.push(one.app, two.app);
      await until(() => one.app.get(LeaderElection).isLeader('jobs') || two.app.get(LeaderElection).isLeader('jobs'));
      const [leader, follower] = one.app.get(LeaderElection).isLeader('jobs') ? [one.app, two.app] : [two.app, one.app];
      expect(follower.get(LeaderElection).isLeader('jobs')).toBe(false);
      expect(leader.get(Job).run()).toBe('ran');
      expect(follower.get(Job).run()).toBeUndefined();
      const token = leader.get(LeaderElection).fencingToken('jobs')!;
      expect(follower.get(LeaderElection).fencingToken('jobs')).toBeUndefined();
      await leader.close();
      apps.splice(apps.indexOf(leader), 1);
      await until(() => follower.get(LeaderElection).isLeader('jobs'));
      expect(follower.get(LeaderElection).fencingToken('jobs')).toBeGreaterThan(token);
      expect(follower.get(Job).run()).toBe('ran');
    });
  });
});
