import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { generate } from 'selfsigned';
import {
  EtcdLeaderElector,
  EtcdRegistryAdapter,
  EtcdUnavailableError,
  InvalidRegistryUrlError,
  createLeaderElector,
  createRegistry,
  type ServiceInstance,
} from '@orion/discovery';
import { describeLeaderElectorContract } from '@orion/discovery/leader/testing';
import { contractInstance as instance, describeServiceRegistryContract } from '@orion/discovery/registry/testing';
import { recordObservable } from '@orion/discovery/registry/testing/contract-helpers.util';
import { startEtcd, startTcpProxy, type EtcdTestServer } from './harness/etcd';
import { requireServerBinary } from './harness/servers';

const binary = requireServerBinary('etcd');
const describeWithEtcd = binary ? describe : describe.skip;
const ids = (instances: readonly ServiceInstance[]): string => instances.map((i) => i.id).join();

// etcd leases have whole-second TTLs and are revoked up to 0.5 s after they expire, hence
// 1 s TTLs and wider tolerances than the memory/file defaults.
const REGISTRY_TIMING = { ttlMs: 1000, expiryToleranceMs: 2000, watchTimeoutMs: 3000 };
const LEADER_TIMING = { ttlMs: 1000, watchTimeoutMs: 3000, stressDurationMs: 4000 };

/** An etcd registry whose relists (range reads over a prefix) are counted, through the driver factory seam. */
class RelistCountingEtcdRegistry extends EtcdRegistryAdapter {
  relists = 0;

  protected override createClient(): Etcd3 {
    const client = super.createClient();
    const range = client.kv.range.bind(client.kv);
    client.kv.range = (request, options) => {
      if (request.range_end) this.relists++;
      return range(request, options);
    };
    return client;
  }
}

describeWithEtcd('etcd:// backend against a real etcd', () => {
  let server: EtcdTestServer;
  let admin: Etcd3;
  let closeables: Array<{ close(): Promise<void> | void }> = [];
  const track = <T extends { close(): Promise<void> | void }>(value: T): T => (closeables.push(value), value);
  const newPrefix = (): string => `t-${randomUUID().slice(0, 8)}`;
  const deletePrefix = async (prefix: string): Promise<void> => {
    await admin.delete().prefix(`${prefix}/`);
  };

  beforeAll(async () => {
    server = await startEtcd(binary!);
    admin = new Etcd3({ hosts: `http://127.0.0.1:${server.port}` });
  });

  afterEach(async () => {
    await Promise.all(closeables.map((c) => c.close()));
    closeables = [];
  });

  afterAll(async () => {
    admin?.close();
    await server?.stop();
    server?.remove();
  });

  describeServiceRegistryContract(
    'EtcdRegistryAdapter',
    () => {
      const prefix = newPrefix();
      return {
        createRegistry: () => new EtcdRegistryAdapter({ url: server.url, prefix }),
        writeRawEntry: async (service: string, id: string, instance: unknown) => {
          await admin
            .put(`${prefix}/services/${service}/${id}`)
            .value(JSON.stringify({ format: 1, ownerId: 'hostile', ttlMs: 60_000, instance }));
        },
        dispose: () => deletePrefix(prefix),
      };
    },
    REGISTRY_TIMING,
  );

  describeLeaderElectorContract(
    'EtcdLeaderElector',
    () => {
      const prefix = newPrefix();
      return { createElector: () => new EtcdLeaderElector({ url: server.url, prefix }), dispose: () => deletePrefix(prefix) };
    },
    LEADER_TIMING,
  );

  describe('key layout', () => {
    it('should keep one lease-bound key per entry, a lease-bound key per leader group and the epoch under the prefix', async () => {
      const prefix = newPrefix();
      const registry = track(new EtcdRegistryAdapter({ url: `${server.url}?prefix=${prefix}` }));
      const elector = track(new EtcdLeaderElector({ url: server.url, prefix }));
      await registry.register(instance('orders', 'x-1'), { ttlMs: 1500 });
      const entry = (await admin.get(`${prefix}/services/orders/x-1`).exec()).kvs[0];
      expect(JSON.parse(entry.value.toString())).toEqual({
        format: 1,
        ownerId: registry.ownerId,
        ttlMs: 1500,
        instance: { ...instance('orders', 'x-1'), registeredAt: expect.any(Number), renewedAt: expect.any(Number) },
      });
      expect((await admin.leaseClient.leaseTimeToLive({ ID: entry.lease })).grantedTTL).toBe('2'); // ceil(1.5 s)

      const lease = (await elector.campaign('jobs', 'a', { ttlMs: 2000 }))!;
      const leader = (await admin.get(`${prefix}/leaders/jobs`).exec()).kvs[0];
      expect(Number(leader.create_revision)).toBe(lease.fencingToken);
      expect(JSON.parse(leader.value.toString())).toMatchObject({ ownerId: elector.ownerId, leaderId: 'a', expiresAt: lease.expiresAt });

      const view = recordObservable(registry.watch('orders'));
      await view.next((s) => s.length === 1, 3000);
      view.unsubscribe();
      expect((await admin.getAll().prefix(`${prefix}/`).keys()).sort()).toEqual(
        ['epoch', 'leaders/jobs', 'services/orders/x-1'].map((k) => `${prefix}/${k}`),
      );
      await deletePrefix(prefix);
    });
  });

  describe('watch', () => {
    it('should resume after a disconnect from the last revision seen, and relist when that revision was compacted', async () => {
      const prefix = newPrefix();
      const proxy = await startTcpProxy(server.port);
      track(proxy);
      const writer = track(new EtcdRegistryAdapter({ url: server.url, prefix }));
      const watcher = track(new RelistCountingEtcdRegistry({ url: `etcd://127.0.0.1:${proxy.port}`, prefix, requestTimeoutMs: 1000 }));
      const view = recordObservable(watcher.watch('orders'));
      await view.next((s) => s.length === 0, 3000);
      expect(watcher.relists).toBe(1);

      await proxy.cut();
      await writer.register(instance('orders', 'a-1'), { ttlMs: 30_000 });
      await writer.register(instance('orders', 'b-1'), { ttlMs: 30_000 });
      await proxy.restore();
      await view.next((s) => ids(s) === 'a-1,b-1', 10_000, 'a-1,b-1 after the first cut');
      expect(watcher.relists).toBe(1); // resumed: the missed changes came from the watch

      await proxy.cut();
      await writer.deregister('a-1');
      await writer.register(instance('orders', 'c-1'), { ttlMs: 30_000 });
      const { header } = await admin.kv.range({ key: Buffer.from(`${prefix}/epoch`) });
      await admin.kv.compact({ revision: header.revision, physical: true });
      await proxy.restore();
      await view.next((s) => ids(s) === 'b-1,c-1', 10_000, 'b-1,c-1 after the compaction');
      expect(watcher.relists).toBe(2); // compacted: relisted once
      expect(view.error).toBeUndefined();
      view.unsubscribe();
      await deletePrefix(prefix);
    });
  });

  describe('URLs and options', () => {
    it('should build etcd adapters from etcd:// URLs without connecting', () => {
      const registry = track(createRegistry('etcd://user:p%40ss@10.0.0.1:2379,10.0.0.2,[::1]:2381?prefix=mesh-a'));
      expect(registry).toBeInstanceOf(EtcdRegistryAdapter);
      expect(registry).toMatchObject({ prefix: 'mesh-a', endpoint: 'etcd://10.0.0.1:2379,10.0.0.2:2379,[::1]:2381' });
      const elector = track(createLeaderElector('etcd://10.0.0.1:2379', { etcd: { prefix: 'mesh-b' } }));
      expect(elector).toBeInstanceOf(EtcdLeaderElector);
      expect(elector).toMatchObject({ prefix: 'mesh-b', endpoint: 'etcd://10.0.0.1:2379' });
    });

    it.each([
      ['etcd://127.0.0.1:1?prefx=a', /unknown URL parameter "prefx"/],
      ['etcd://127.0.0.1:1?prefix=a/b', /invalid prefix "a\/b"/],
      ['etcd://127.0.0.1:1,', /invalid host ""/],
      ['etcd://', /expected etcd:\/\//],
    ])('should reject %s with InvalidRegistryUrlError', (url, message) => {
      expect(() => createRegistry(url)).toThrow(InvalidRegistryUrlError);
      expect(() => createRegistry(url)).toThrow(message);
    });

    it('should authenticate with the user and password of the URL', async () => {
      const secured = await startEtcd(binary!);
      const root = new Etcd3({ hosts: `http://127.0.0.1:${secured.port}` });
      try {
        await root.role('root').create();
        await root.user('root').create('s3cr3t:!');
        await root.user('root').addRole('root');
        await root.auth.authEnable();
        const registry = track(createRegistry(`etcd://root:${encodeURIComponent('s3cr3t:!')}@127.0.0.1:${secured.port}?prefix=auth`));
        await registry.register(instance('orders', 'x-1'), { ttlMs: 5000 });
        expect(ids(await registry.list('orders'))).toBe('x-1');
        const anonymous = track(createRegistry(`etcd://127.0.0.1:${secured.port}?prefix=auth`, { etcd: { requestTimeoutMs: 1000 } }));
        await expect(anonymous.list('orders')).rejects.toThrow(EtcdUnavailableError);
        const wrong = track(createRegistry(`etcd://root:nope@127.0.0.1:${secured.port}`, { etcd: { requestTimeoutMs: 1000 } }));
        await expect(wrong.list('orders')).rejects.toThrow(EtcdUnavailableError);
      } finally {
        root.close();
        await Promise.all(closeables.splice(0).map((c) => c.close()));
        await secured.stop();
        secured.remove();
      }
    });

    it('should connect over TLS with a trusted CA, and refuse an untrusted server', async () => {
      const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
        keySize: 2048,
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
      });
      const dir = mkdtempSync(join(tmpdir(), 'orion-etcd-tls-'));
      const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
      writeFileSync(certFile, pems.cert);
      writeFileSync(keyFile, pems.private);
      const secure = await startEtcd(binary!, [], { certFile, keyFile });
      try {
        const trusted = track(createRegistry(`etcd://127.0.0.1:${secure.port}?prefix=tls`, { etcd: { tls: { ca: pems.cert } } }));
        await trusted.register(instance('orders', 'x-1'), { ttlMs: 5000 });
        expect(ids(await trusted.list('orders'))).toBe('x-1');
        const untrusted = track(createRegistry(`etcd://127.0.0.1:${secure.port}?tls=true`, { etcd: { requestTimeoutMs: 1000 } }));
        await expect(untrusted.list('orders')).rejects.toThrow(EtcdUnavailableError);
      } finally {
        await Promise.all(closeables.splice(0).map((c) => c.close()));
        await secure.stop();
        secure.remove();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('should ask to install etcd3 when the package is missing', () => {
      jest.isolateModules(() => {
        jest.doMock('etcd3', () => {
          throw Object.assign(new Error("Cannot find module 'etcd3' from 'etcd-connection.util.ts'"), { code: 'MODULE_NOT_FOUND' });
        });
        const { createRegistry: create } =
          require('../libs/discovery/src/registry/create-registry.util') as typeof import('@orion/discovery');
        expect(() => create('etcd://127.0.0.1:1')).toThrow(/needs the "etcd3" package \(v1\): install it with `npm install etcd3`/);
      });
    });
  });
});
