import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { generate } from 'selfsigned';
import {
  InvalidRegistryUrlError,
  RedisLeaderElector,
  RedisRegistryAdapter,
  RedisUnavailableError,
  createLeaderElector,
  createRegistry,
  type ServiceInstance,
  type ServiceRegistry,
} from '@orion/discovery';
import { describeLeaderElectorContract } from '@orion/discovery/leader/testing';
import { contractInstance as instance, describeServiceRegistryContract } from '@orion/discovery/registry/testing';
import { eventually } from '@orion/discovery/registry/testing/contract-helpers.util';
import { deleteRedisKeys, redisAdmin, startRedis, type RedisTestServer } from './harness/redis';
import { requireServerBinary } from './harness/servers';

const binary = requireServerBinary('redis-server');
const describeWithRedis = binary ? describe : describe.skip;
const ids = (instances: readonly ServiceInstance[]): string[] => instances.map((i) => i.id);

describeWithRedis('redis:// backend against a real redis-server', () => {
  let server: RedisTestServer;
  let admin: Redis;
  let closeables: Array<{ close(): Promise<void> }> = [];
  const track = <T extends { close(): Promise<void> }>(value: T): T => (closeables.push(value), value);
  const newPrefix = (): string => `t-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    server = await startRedis(binary!);
    admin = redisAdmin(server);
  });

  afterEach(async () => {
    await Promise.all(closeables.map((c) => c.close()));
    closeables = [];
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
    server?.remove();
  });

  describeServiceRegistryContract('RedisRegistryAdapter', () => {
    const prefix = newPrefix();
    return {
      createRegistry: () => new RedisRegistryAdapter({ url: server.url, prefix }),
      writeRawEntry: async (service: string, id: string, raw: unknown) => {
        const key = `${prefix}:instance:${service}:${id}`;
        const now = Date.now();
        await admin.hset(key, { owner: 'hostile', ttl: '60000', instance: JSON.stringify(raw), registeredAt: now, renewedAt: now });
        await admin.pexpire(key, 60_000);
        await admin.zadd(`${prefix}:instances:${service}`, now + 60_000, id);
        await admin.sadd(`${prefix}:services`, service);
      },
      dispose: () => deleteRedisKeys(admin, prefix),
    };
  });

  describeLeaderElectorContract('RedisLeaderElector', () => {
    const prefix = newPrefix();
    return {
      createElector: () => new RedisLeaderElector({ url: server.url, prefix }),
      dispose: () => deleteRedisKeys(admin, prefix),
    };
  });

  describe('key layout', () => {
    it('should keep entries, index, services, change channel and leader keys under the prefix, as documented', async () => {
      const prefix = newPrefix();
      const registry = track(new RedisRegistryAdapter({ url: `${server.url}?prefix=${prefix}` }));
      const elector = track(new RedisLeaderElector({ url: server.url, prefix }));
      const listener = redisAdmin(server);
      const messages: string[] = [];
      listener.on('message', (_channel: string, message: string) => messages.push(message));
      await listener.subscribe(`${prefix}:changes:orders`);
      try {
        await registry.register(instance('orders', 'x-1'), { ttlMs: 5000 });
        const entry = await admin.hgetall(`${prefix}:instance:orders:x-1`);
        expect(entry).toMatchObject({ owner: registry.ownerId, ttl: '5000' });
        expect(JSON.parse(entry.instance)).toEqual(instance('orders', 'x-1'));
        expect(entry.renewedAt).toBe(entry.registeredAt);
        expect(await admin.pttl(`${prefix}:instance:orders:x-1`)).toBeGreaterThan(4000);
        expect(Number(await admin.zscore(`${prefix}:instances:orders`, 'x-1'))).toBe(Number(entry.registeredAt) + 5000);
        expect(await admin.smembers(`${prefix}:services`)).toEqual(['orders']);

        await registry.heartbeat('x-1'); // renewal only: no message
        await registry.heartbeat('x-1', { status: 'warning' });
        await eventually(() => expect(messages).toEqual(['x-1', 'x-1']), 2000);

        const lease = (await elector.campaign('jobs', 'a', { ttlMs: 5000 }))!;
        expect(await admin.hgetall(`${prefix}:leader:jobs`)).toMatchObject({
          owner: elector.ownerId,
          leaderId: 'a',
          token: String(lease.fencingToken),
        });
        expect(Number(await admin.get(`${prefix}:leader-token:jobs`))).toBe(lease.fencingToken);
        expect((await admin.keys(`${prefix}:*`)).sort()).toEqual(
          ['instance:orders:x-1', 'instances:orders', 'leader-token:jobs', 'leader:jobs', 'services'].map((k) => `${prefix}:${k}`),
        );
      } finally {
        listener.disconnect();
        await deleteRedisKeys(admin, prefix);
      }
    });

    it('should keep meshes with different prefixes apart on one server', async () => {
      const [a, b] = [newPrefix(), newPrefix()];
      const meshA = track(createRegistry(`${server.url}?prefix=${a}`));
      const meshB = track(createRegistry(server.url, { redis: { prefix: b } }));
      await meshA.register(instance('orders', 'x-1'), { ttlMs: 5000 });
      expect(await meshB.list('orders')).toEqual([]);
      expect(await meshB.services()).toEqual([]);
      await meshB.register(instance('orders', 'x-1'), { ttlMs: 5000 }); // same id, other mesh: no duplicate
      expect(ids(await meshA.list('orders'))).toEqual(['x-1']);
      await Promise.all([deleteRedisKeys(admin, a), deleteRedisKeys(admin, b)]);
    });
  });

  describe('URLs and options', () => {
    it('should build Redis adapters from redis:// and rediss:// URLs without connecting', async () => {
      const registry = track(createRegistry('rediss://cache.internal:6380/2?prefix=mesh-a'));
      expect(registry).toBeInstanceOf(RedisRegistryAdapter);
      expect(registry).toMatchObject({ prefix: 'mesh-a', endpoint: 'rediss://cache.internal:6380/2' });
      const elector = track(createLeaderElector('redis://u:p%40ss@10.0.0.1', { redis: { prefix: 'mesh-b' } }));
      expect(elector).toBeInstanceOf(RedisLeaderElector);
      expect(elector).toMatchObject({ prefix: 'mesh-b', endpoint: 'redis://10.0.0.1/0' });
    });

    it.each([
      ['redis://127.0.0.1:1?prefx=a', /unknown URL parameter "prefx"/],
      ['redis://127.0.0.1:1?prefix=a:b', /invalid prefix "a:b"/],
      ['redis://127.0.0.1:1/x', /invalid database "x"/],
    ])('should reject %s with InvalidRegistryUrlError', (url, message) => {
      expect(() => createRegistry(url)).toThrow(InvalidRegistryUrlError);
      expect(() => createRegistry(url)).toThrow(message);
    });

    it('should authenticate with the password or the ACL user of the URL, in the database of its path', async () => {
      const secured = await startRedis(binary!, ['--requirepass', 'secret', '--user', 'alice', 'on', '>wonder', '~*', '&*', '+@all']);
      const securedAdmin = redisAdmin(secured, 'secret');
      try {
        const viaPassword = track(createRegistry(`redis://:secret@127.0.0.1:${secured.port}?prefix=p`));
        const viaAcl = track(createRegistry(`redis://alice:wonder@127.0.0.1:${secured.port}/3?prefix=p`));
        await viaPassword.register(instance('orders', 'x-1'), { ttlMs: 5000 });
        await viaAcl.register(instance('orders', 'y-1'), { ttlMs: 5000 });
        expect(ids(await viaPassword.list('orders'))).toEqual(['x-1']);
        expect(ids(await viaAcl.list('orders'))).toEqual(['y-1']);
        await securedAdmin.select(3);
        expect(await securedAdmin.exists('p:instance:orders:y-1')).toBe(1);

        const wrong = track(createRegistry(`redis://alice:nope@127.0.0.1:${secured.port}`, { redis: { requestTimeoutMs: 1000 } }));
        await expect(wrong.list('orders')).rejects.toThrow(RedisUnavailableError);
      } finally {
        securedAdmin.disconnect();
        await Promise.all(closeables.splice(0).map((c) => c.close()));
        await secured.stop();
        secured.remove();
      }
    });

    it('should connect over TLS with rediss:// and a trusted CA, and refuse an untrusted server', async () => {
      const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
        keySize: 2048,
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
      });
      const dir = mkdtempSync(join(tmpdir(), 'orion-redis-tls-'));
      const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
      writeFileSync(certFile, pems.cert);
      writeFileSync(keyFile, pems.private);
      const secure = await startRedis(binary!, [], { certFile, keyFile, caFile: certFile });
      try {
        const trusted: ServiceRegistry = track(
          createRegistry(`rediss://127.0.0.1:${secure.port}?prefix=tls`, { redis: { tls: { ca: pems.cert } } }),
        );
        await trusted.register(instance('orders', 'x-1'), { ttlMs: 5000 });
        expect(ids(await trusted.list('orders'))).toEqual(['x-1']);
        const untrusted = track(createRegistry(`rediss://127.0.0.1:${secure.port}`, { redis: { requestTimeoutMs: 1000 } }));
        await expect(untrusted.list('orders')).rejects.toThrow(RedisUnavailableError);
      } finally {
        await Promise.all(closeables.splice(0).map((c) => c.close()));
        await secure.stop();
        secure.remove();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('should ask to install ioredis when the package is missing', () => {
      jest.isolateModules(() => {
        jest.doMock('ioredis', () => {
          throw Object.assign(new Error("Cannot find module 'ioredis' from 'redis-connection.util.ts'"), { code: 'MODULE_NOT_FOUND' });
        });
        const { createRegistry: create } =
          require('../libs/discovery/src/registry/create-registry.util') as typeof import('@orion/discovery');
        expect(() => create('redis://127.0.0.1:1')).toThrow(/need the "ioredis" package \(v5\): install it with `npm install ioredis`/);
        expect(() => create('memory://')).not.toThrow();
      });
    });
  });
});
