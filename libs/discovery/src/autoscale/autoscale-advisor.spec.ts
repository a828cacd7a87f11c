import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { MemoryRegistryAdapter } from '../registry/adapters/memory-registry.adapter';
import { MemoryRegistryStore } from '../registry/adapters/memory-registry.store';
import type { InstanceLoad, InstanceStatus } from '../registry/service-instance.interface';
import type { AutoscaleAdvice } from './autoscale-advice.interface';
import { AutoscaleAdvisor } from './autoscale-advisor';
import { AutoscaleModule } from './autoscale.module';

const TTL = { ttlMs: 3_600_000 };

function load(eventLoopUtilization: number, inFlight = 0): InstanceLoad {
  return { inFlight, requestsPerSecond: 0, latencyEwmaMs: 1, eventLoopUtilization, eventLoopLagMs: 1 };
}

describe(AutoscaleAdvisor.name, () => {
  let clock: number;
  let store: MemoryRegistryStore;
  let registry: MemoryRegistryAdapter;
  /** One registry owner per instance, as one process each. */
  const owners = new Map<string, MemoryRegistryAdapter>();

  const start = async (service: string, id: string, elu: number, status: InstanceStatus = 'passing') => {
    const owner = new MemoryRegistryAdapter({ store });
    owners.set(id, owner);
    await owner.register({ id, service, version: '1.0.0', weight: 1, metadata: {}, status, endpoints: [], load: load(elu) }, TTL);
  };
  const report = (id: string, elu: number, inFlight = 0) => owners.get(id)!.heartbeat(id, { load: load(elu, inFlight) });

  beforeEach(() => {
    clock = 1_000_000;
    store = new MemoryRegistryStore({ now: () => clock });
    registry = new MemoryRegistryAdapter({ store });
  });

  afterEach(async () => {
    for (const owner of owners.values()) await owner.close();
    owners.clear();
    await registry.close();
  });

  describe('evaluate', () => {
    let app: INestApplication;
    let advisor: AutoscaleAdvisor;
    let metrics: Registry;

    beforeEach(async () => {
      metrics = new Registry();
      const moduleRef = await Test.createTestingModule({
        imports: [AutoscaleModule.forRoot({ registry, now: () => clock, intervalMs: 0, metrics, maxInstances: 8 })],
      }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.listen(0, '127.0.0.1');
      advisor = app.get(AutoscaleAdvisor);
    });

    afterEach(async () => {
      await app.close();
    });

    it('should advise per service from the load reports, stabilize scale-down, and publish advice, changes, gauges and JSON', async () => {
      await start('orders', 'orders-1', 0.9);
      await start('orders', 'orders-2', 0.9);
      await start('orders', 'orders-3', 0.1, 'draining');
      await start('billing', 'billing-1', 0.6);
      const changes: AutoscaleAdvice[] = [];
      advisor.changes$.subscribe((a) => changes.push(a));

      // orders: 2 counted (the draining one is not), mean ELU 0.9 vs 0.6 → ceil(2 × 1.5) = 3.
      await advisor.evaluate();
      expect(advisor.current()).toEqual([
        {
          service: 'billing',
          currentInstances: 1,
          utilization: 0.6,
          target: 0.6,
          desiredInstances: 1,
          recommendation: 'steady',
          at: clock,
        },
        {
          service: 'orders',
          currentInstances: 2,
          utilization: 0.9,
          target: 0.6,
          desiredInstances: 3,
          recommendation: 'scale-up',
          at: clock,
        },
      ]);

      // Load drops: raw 1, but 3 was recommended 10 s ago → hold at the current 2.
      clock += 10_000;
      await report('orders-1', 0.15);
      await report('orders-2', 0.15);
      await advisor.evaluate();
      expect(advisor.current()[1]).toMatchObject({ utilization: 0.15, desiredInstances: 2, recommendation: 'steady' });

      // Once the window (60 s) has passed without a higher recommendation: scale down.
      clock += 60_000;
      await advisor.evaluate();
      expect(advisor.current()[1]).toMatchObject({ desiredInstances: 1, recommendation: 'scale-down' });

      expect(changes.map((a) => [a.service, a.recommendation])).toEqual([
        ['billing', 'steady'],
        ['orders', 'scale-up'],
        ['orders', 'steady'],
        ['orders', 'scale-down'],
      ]);

      const text = await metrics.metrics();
      expect(text).toContain('orion_autoscale_desired_instances{service="orders"} 1');
      expect(text).toContain('orion_autoscale_current_instances{service="orders"} 2');
      expect(text).toContain('orion_autoscale_utilization{service="orders"} 0.15');
      expect(text).toContain('orion_autoscale_desired_instances{service="billing"} 1');

      const res = await fetch(`${await app.getUrl()}/autoscale`);
      expect(await res.json()).toEqual({ target: 0.6, services: JSON.parse(JSON.stringify(advisor.current())) });
      expect((await fetch(`${await app.getUrl()}/autoscale/orders`)).status).toBe(200);
      expect((await fetch(`${await app.getUrl()}/autoscale/nope`)).status).toBe(404);
    });

    it('should forget a service that left the registry', async () => {
      await start('search', 'search-1', 0.3);
      await advisor.evaluate();
      expect(advisor.current().map((a) => a.service)).toEqual(['search']);
      await owners.get('search-1')!.deregister('search-1');
      await advisor.evaluate();
      expect(advisor.current()).toEqual([]);
      expect(await metrics.metrics()).not.toContain('service="search"');
    });
  });

  describe('options', () => {
    it('should use in-flight over capacity, and advise on named services even without instances', async () => {
      await start('orders', 'orders-1', 0);
      await report('orders-1', 0, 90);
      const advisor = new AutoscaleAdvisor(
        { registry, metric: 'inFlight', capacity: 50, target: 0.6, services: ['orders', 'ghost'], metrics: false, now: () => clock },
        undefined,
      );
      const advice = await advisor.evaluate();
      // 90 in flight / 50 = 1.8 → ceil(1 × 1.8 / 0.6) = 3; 'ghost' has none → minInstances (1).
      expect(advice.map((a) => [a.service, a.utilization, a.desiredInstances, a.recommendation])).toEqual([
        ['orders', 1.8, 3, 'scale-up'],
        ['ghost', undefined, 1, 'scale-up'],
      ]);
      await advisor.onModuleDestroy();
    });

    it('should take a custom utilization function', async () => {
      await start('orders', 'orders-1', 0.5);
      await start('orders', 'orders-2', 0.5);
      const advisor = new AutoscaleAdvisor({ registry, metric: () => 0.3, metrics: false, stabilizationWindowMs: 0 }, undefined);
      expect((await advisor.evaluate())[0]).toMatchObject({ utilization: 0.3, desiredInstances: 1, recommendation: 'scale-down' });
      await advisor.onModuleDestroy();
    });

    it('should need a registry', () => {
      expect(() => new AutoscaleAdvisor({}, undefined)).toThrow(/registry/);
    });
  });
});
