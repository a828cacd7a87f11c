// Chaos, infrastructure faults: three instances of test/fixtures/chaos-node.ts registered
// in a Redis registry and listening on MQTT (Mosquitto) besides TCP, gRPC and HTTP, under a
// steady load of idempotent calls from balanced clients, while
//   - the registry server is stopped and restarted EMPTY (no persistence): callers keep
//     their last view, instances register again, views converge;
//   - the MQTT broker is stopped for 3 s and restarted: instances keep serving the other
//     protocols, reconnect, and answer over MQTT again.
// The rule for "no failed call" and the other checks are stated in
// test/fixtures/chaos-harness.ts. Both servers are started (and stopped) by the suite;
// without them the suite is skipped, except under CI=true where it fails.
import { performance } from 'node:perf_hooks';
import { lastValueFrom } from 'rxjs';
import { createRegistry, type BalancedClientProxy, type BalancedTransport, type ServiceRegistry } from '@orion/discovery';
import { ChildApp, eventually } from './harness/child-app';
import { startRedis, type RedisTestServer } from './harness/redis';
import { requireServerBinary, startMosquitto, type ManagedServer } from './harness/servers';
import {
  CHAOS_NODE,
  SteadyLoad,
  TTL_MS,
  chaosClient,
  crashedChildren,
  expectConverged,
  expectNoFailedCall,
  sleep,
} from './fixtures/chaos-harness';

const redisBinary = requireServerBinary('redis-server');
const mosquittoBinary = requireServerBinary('mosquitto');
const describeWithServers = redisBinary && mosquittoBinary ? describe : describe.skip;
const DIRECT: BalancedTransport[] = ['tcp', 'grpc', 'http'];
const ALL: BalancedTransport[] = [...DIRECT, 'mqtt'];

describeWithServers('chaos: registry and MQTT broker outages under steady load', () => {
  let redis: RedisTestServer;
  let mosquitto: ManagedServer & { remove(): void };
  let registry: ServiceRegistry;
  const apps: ChildApp[] = [];
  const clients = new Map<BalancedTransport, BalancedClientProxy>();
  const subset = (transports: BalancedTransport[]) => new Map(transports.map((t) => [t, clients.get(t)!]));
  const ids = () => apps.map((a) => a.ready.instanceId);
  let load: SteadyLoad | undefined;

  beforeAll(async () => {
    [redis, mosquitto] = await Promise.all([startRedis(redisBinary!), startMosquitto(mosquittoBinary!)]);
    const env = { REGISTRY_URL: redis.url, MQTT_URL: mosquitto.url, TTL_MS: String(TTL_MS) };
    apps.push(...(await Promise.all([0, 1, 2].map(() => ChildApp.start(CHAOS_NODE, env, 30_000)))));
    registry = createRegistry(redis.url);
    for (const transport of ALL) {
      const client = chaosClient(registry, transport);
      await client.connect();
      clients.set(transport, client);
    }
    await expectConverged(clients, ids());
  }, 60_000);

  afterAll(async () => {
    await load?.stop().catch(() => undefined);
    for (const client of clients.values()) await client.close();
    await registry?.close();
    for (const app of apps) app.kill('SIGKILL');
    await Promise.all(apps.map((a) => a.exited));
    await Promise.all([redis?.stop(), mosquitto?.stop()]);
    redis?.remove();
    mosquitto?.remove();
  });

  it('should lose no call while the registry is down and after it comes back empty, and converge again', async () => {
    load = new SteadyLoad(clients);
    const since = performance.now();
    // What the clients saw meanwhile: the smallest view of each, and whether one was stale.
    const minView = new Map(ALL.map((t) => [t, Number.POSITIVE_INFINITY]));
    let wasStale = false;
    const watchViews = setInterval(() => {
      for (const [transport, client] of clients) {
        const stats = client.stats();
        minView.set(transport, Math.min(minView.get(transport)!, stats.instances.length));
        wasStale ||= stats.isStale;
      }
    }, 5);
    load.start();
    try {
      await sleep(300);
      await redis.stop();
      await sleep(2000);
      await redis.start();
      // The instances find themselves gone (InstanceNotRegisteredError) and register again.
      const fresh = createRegistry(redis.url);
      try {
        await eventually(
          async () => (await fresh.list('chaos').catch(() => [])).length === apps.length,
          10_000,
          'instances registered again',
        );
      } finally {
        await fresh.close();
      }
      await sleep(500);
    } finally {
      clearInterval(watchViews);
      await load.stop();
    }
    if (process.env.CHAOS_DEBUG) console.log('registry outage, smallest client views:', Object.fromEntries(minView), { wasStale });
    // The one tolerated failure: the known gap of test/chaos-instances.e2e-spec.ts (a call
    // made while a client's view is momentarily EMPTY fails at once with "no healthy
    // instance"). Only for a client whose view was seen empty; anything else fails the rule.
    const calls = load.since(since).filter((c) => {
      const isKnownGap = c.ok === false && minView.get(c.transport) === 0 && /no healthy instance/.test(c.error ?? '');
      if (isKnownGap) console.warn(`known gap (empty view after the registry restart): ${c.transport} ${c.error}`);
      return !isKnownGap;
    });
    expectNoFailedCall(calls, ALL);
    expect(crashedChildren(apps, new Set())).toEqual([]);
    await expectConverged(clients, ids());
    load = undefined;
  }, 40_000);

  it('should keep serving tcp, grpc and http while the MQTT broker is down, and answer over MQTT again once it is back', async () => {
    load = new SteadyLoad(subset(DIRECT));
    const since = performance.now();
    load.start();
    try {
      await sleep(300);
      await mosquitto.stop();
      await sleep(3000);
      await mosquitto.start();
      await sleep(300);
    } finally {
      await load.stop();
    }
    expectNoFailedCall(load.since(since), DIRECT);
    expect(crashedChildren(apps, new Set())).toEqual([]);
    // Every instance reconnected and subscribed again: each answers over MQTT.
    const mqtt = clients.get('mqtt')!;
    await eventually(
      async () => {
        const results = await lastValueFrom(mqtt.broadcast('work', {}, { timeoutMs: 1000 }));
        return results.length === apps.length && results.every((r) => r.ok);
      },
      15_000,
      'every instance answers over MQTT',
    );
    await expectConverged(clients, ids());
    load = undefined;
  }, 40_000);
});
