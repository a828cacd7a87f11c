import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { startEmbeddedMqttBroker, type EmbeddedMqttBroker } from '@orion/protocols';
import {
  BalancedClientsModule,
  createRegistry,
  InjectBalancedClient,
  ServiceDiscoveryModule,
  type BalancedClientProxy,
  type BalancedTransport,
} from '@orion/discovery';
import { lastValueFrom } from 'rxjs';
import { ChildApp, eventually } from './harness/child-app';

const NODE = join(__dirname, 'fixtures/balanced-node.ts');
const TRANSPORTS: BalancedTransport[] = ['tcp', 'udp', 'grpc', 'mqtt', 'ws', 'http'];
const TTL_MS = 1500;

@Injectable()
class Caller {
  constructor(@InjectBalancedClient('work') readonly client: BalancedClientProxy) {}
}

/** Fires `count` idempotent calls, `concurrency` at a time; returns ids that answered and failures. */
async function burst(client: BalancedClientProxy, count: number, concurrency: number, during?: () => void) {
  const answered: string[] = [];
  const failures: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      if (n === Math.floor(count / 3)) during?.();
      try {
        const reply = await lastValueFrom(client.send<{ id: string }>('work', { n }));
        answered.push(reply.id);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { answered, failures };
}

describe.each(TRANSPORTS)('balanced client over %s with three real instances', (transport) => {
  let dir: string;
  let registryUrl: string;
  let broker: EmbeddedMqttBroker;
  let caller: INestApplication;
  let client: BalancedClientProxy;
  const apps: ChildApp[] = [];

  const startNode = async (env: Record<string, string> = {}) => {
    const app = await ChildApp.start(NODE, { REGISTRY_URL: registryUrl, MQTT_URL: broker.url, TTL_MS: String(TTL_MS), ...env });
    apps.push(app);
    return app;
  };
  const running = () => apps.filter((a) => a.isRunning);
  const waitForInstances = async (count: number) => {
    const registry = createRegistry(registryUrl);
    try {
      await eventually(
        async () => (await registry.list('work')).filter((i) => i.status === 'passing').length === count,
        10_000,
        `${count} instances`,
      );
    } finally {
      await registry.close();
    }
    await eventually(() => client.stats().instances.length === count, 5000, `caller sees ${count}`);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `orion-balanced-${transport}-`));
    registryUrl = `file://${dir}`;
    broker = await startEmbeddedMqttBroker();
    await Promise.all([startNode(), startNode(), startNode()]);
    const moduleRef = await Test.createTestingModule({
      imports: [
        ServiceDiscoveryModule.forRoot({ service: { name: 'caller' }, registry: registryUrl, shouldRegister: false }),
        BalancedClientsModule.register([
          {
            service: 'work',
            transport,
            timeoutMs: 4000,
            metrics: false,
            retry: { isIdempotent: true, attemptTimeoutMs: 600, maxAttempts: 4, minRetriesPerSecond: 50 },
          },
        ]),
      ],
      providers: [Caller],
    }).compile();
    caller = moduleRef.createNestApplication({ logger: false });
    await caller.init();
    client = caller.get(Caller).client;
    await client.connect();
    await waitForInstances(3);
  }, 60_000);

  afterAll(async () => {
    await caller?.close();
    for (const app of apps) app.kill('SIGKILL');
    await Promise.all(apps.map((a) => a.exited));
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should send traffic to all three instances', async () => {
    const { answered, failures } = await burst(client, 60, 6);
    expect(failures).toEqual([]);
    const ids = running().map((a) => a.ready.instanceId);
    if (process.env.DEBUG_STATS)
      console.log(transport, 'all three', JSON.stringify(ids.map((id) => answered.filter((a) => a === id).length)));
    for (const id of ids) expect(answered.filter((a) => a === id).length).toBeGreaterThan(5);
  });

  it('should lose no idempotent call when an instance is killed with SIGKILL mid-burst', async () => {
    const victim = running()[0];
    const { answered, failures } = await burst(client, 150, 8, () => victim.kill('SIGKILL'));
    expect(failures).toEqual([]);
    expect(answered).toHaveLength(150);
    await startNode();
    await waitForInstances(3);
  });

  it('should lose no call when an instance drains on SIGTERM mid-burst', async () => {
    const victim = running()[0];
    const { answered, failures } = await burst(client, 150, 8, () => victim.kill('SIGTERM'));
    expect(failures).toEqual([]);
    expect(answered).toHaveLength(150);
    await victim.exited;
  });

  it('should send clearly less traffic to an instance slowed by 20 ms (p2c-ewma)', async () => {
    const slow = await startNode({ SLOW_MS: '20' });
    await waitForInstances(3);
    const { answered, failures } = await burst(client, 300, 8);
    expect(failures).toEqual([]);
    const share = answered.filter((id) => id === slow.ready.instanceId).length / answered.length;
    if (process.env.DEBUG_STATS)
      console.log(
        transport,
        share,
        JSON.stringify(client.stats().instances.map((i) => [i.id === slow.ready.instanceId, i.picks, i.latencyEwmaMs])),
      );
    // A fair share is 1/3; p2c-ewma must keep the slow instance clearly below it.
    expect(share).toBeLessThan(0.25);
  });
});
