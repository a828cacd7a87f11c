// The malformed registry entry of issue 15 (id, service and renewedAt, no endpoints nor
// metadata) written straight into a real Redis and a real etcd while a consumer process
// with a balanced TCP client (test/fixtures/netns-caller.ts) calls two instances of 'work'
// (test/fixtures/balanced-node.ts): the consumer must live on and keep calling the good
// instances, and still see a third one join.
import Redis from 'ioredis';
import { Etcd3 } from 'etcd3';
import { join } from 'node:path';
import { startEtcd, type EtcdTestServer } from './harness/etcd';
import { ChildApp } from './harness/child-app';
import { redisAdmin, startRedis, type RedisTestServer } from './harness/redis';
import { requireServerBinary } from './harness/servers';

const NODE = join(__dirname, 'fixtures/balanced-node.ts');
const CALLER = join(__dirname, 'fixtures/netns-caller.ts');
const TTL_MS = 3000;

interface Tick {
  event: string;
  ok: number;
  failed: number;
  view: string[];
  answeredBy: Record<string, number>;
}

/** The malformed instance, as the hostile run of issue 15 wrote it. */
const malformed = (now: number) => ({ id: 'evil-1', service: 'work', renewedAt: now });

interface Backend {
  name: string;
  binary: string | undefined;
  start(binary: string): Promise<{ url: string; write(now: number): Promise<void>; stop(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'redis',
    binary: requireServerBinary('redis-server'),
    async start(binary) {
      const server: RedisTestServer = await startRedis(binary);
      const admin: Redis = redisAdmin(server);
      return {
        url: server.url,
        // The default prefix 'orion', the key layout of docs/registry.md.
        write: async (now) => {
          const key = 'orion:instance:work:evil-1';
          const { renewedAt: _renewedAt, ...fields } = malformed(now);
          await admin.hset(key, { owner: 'hostile', ttl: '600000', instance: JSON.stringify(fields), registeredAt: now, renewedAt: now });
          await admin.pexpire(key, 600_000);
          await admin.zadd('orion:instances:work', now + 600_000, 'evil-1');
          await admin.publish('orion:changes:work', 'evil-1');
        },
        stop: async () => {
          admin.disconnect();
          await server.stop();
          server.remove();
        },
      };
    },
  },
  {
    name: 'etcd',
    binary: requireServerBinary('etcd'),
    async start(binary) {
      const server: EtcdTestServer = await startEtcd(binary);
      const admin = new Etcd3({ hosts: `http://127.0.0.1:${server.port}` });
      return {
        url: server.url,
        write: async (now) => {
          const record = { format: 1, ownerId: 'hostile', ttlMs: 600_000, instance: malformed(now) };
          await admin.put('orion/services/work/evil-1').value(JSON.stringify(record));
        },
        stop: async () => {
          admin.close();
          await server.stop();
          server.remove();
        },
      };
    },
  },
];

for (const backend of BACKENDS) {
  const describeWithServer = backend.binary ? describe : describe.skip;

  describeWithServer(`a malformed entry in a real ${backend.name}, against a consumer process`, () => {
    let server: Awaited<ReturnType<Backend['start']>>;
    let caller: ChildApp;
    const nodes: ChildApp[] = [];
    const startNode = async (): Promise<ChildApp> => {
      const node = await ChildApp.start(NODE, { REGISTRY_URL: server.url, TTL_MS: String(TTL_MS) });
      nodes.push(node);
      return node;
    };
    /** The consumer's view is exactly the running nodes, and a later tick answers without a failure. */
    const expectCallerServes = async (what: string): Promise<void> => {
      const expected = nodes.map((n) => n.ready.instanceId).sort();
      const from = caller.events.length;
      const isTickFrom = (e: Record<string, unknown>, start: number): boolean => e.event === 'tick' && caller.events.indexOf(e) >= start;
      const seen = await caller
        .waitFor((e) => isTickFrom(e, from) && [...(e as unknown as Tick).view].sort().join() === expected.join(), 30_000)
        .catch((error: Error) => {
          throw new Error(`consumer: ${what}: ${error.message}`);
        });
      const after = caller.events.indexOf(seen) + 1;
      // NOTE: a tick of answered calls and no failure (not "the next tick"): on a loaded machine
      // a slow attempt may time out, which says nothing about the registry.
      const isClean = (e: Record<string, unknown>): boolean => (e as unknown as Tick).ok > 0 && (e as unknown as Tick).failed === 0;
      const tick = (await caller.waitFor((e) => isTickFrom(e, after) && isClean(e), 30_000)) as unknown as Tick;
      expect(Object.keys(tick.answeredBy).every((id) => expected.includes(id))).toBe(true);
      expect(caller.isRunning).toBe(true);
    };

    beforeAll(async () => {
      server = await backend.start(backend.binary!);
      await Promise.all([startNode(), startNode()]);
      caller = await ChildApp.start(CALLER, { REGISTRY_URL: server.url, DURATION_MS: '600000' });
      await expectCallerServes('two instances');
    }, 90_000);

    afterAll(async () => {
      for (const app of [...nodes, caller]) app?.kill('SIGKILL');
      await Promise.all([...nodes, caller].filter(Boolean).map((a) => a.exited));
      await server?.stop();
    });

    it('should keep the consumer alive and calling the good instances, and let a new one join', async () => {
      await server.write(Date.now());
      // A membership change after the write: the consumer's snapshot showing it has read the bad entry.
      await startNode();
      await expectCallerServes('a third instance, after the malformed entry');
    }, 60_000);
  });
}
