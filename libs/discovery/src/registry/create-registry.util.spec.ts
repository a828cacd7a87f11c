import { join, resolve } from 'node:path';
import { InvalidRegistryUrlError } from '../errors/invalid-registry-url.error';
import { EtcdRegistryAdapter } from './adapters/etcd-registry.adapter';
import { RedisRegistryAdapter } from './adapters/redis-registry.adapter';
import { FileRegistryAdapter } from './adapters/file-registry.adapter';
import { MemoryRegistryAdapter } from './adapters/memory-registry.adapter';
import { createRegistry } from './create-registry.util';
import { contractInstance as instance } from './testing/contract-helpers.util';

describe(createRegistry.name, () => {
  describe('memory://', () => {
    it('should give each anonymous memory:// registry a private store', async () => {
      const [a, b] = [createRegistry('memory://'), createRegistry('memory://')];
      expect(a).toBeInstanceOf(MemoryRegistryAdapter);
      await a.register(instance('orders', 'x-1'), { ttlMs: 1000 });
      expect(await b.list('orders')).toEqual([]);
      await Promise.all([a.close(), b.close()]);
    });

    it('should share the store of memory://<name> within the process', async () => {
      const [a, b, c] = [createRegistry('memory://shared-test'), createRegistry('MEMORY://shared-test/'), createRegistry('memory://other')];
      await a.register(instance('orders', 'x-1'), { ttlMs: 1000 });
      expect((await b.list('orders')).map((i) => i.id)).toEqual(['x-1']);
      expect(await c.list('orders')).toEqual([]);
      await a.deregister('x-1');
      await Promise.all([a.close(), b.close(), c.close()]);
    });
  });

  describe('file://', () => {
    it('should accept absolute and relative directories', () => {
      const absolute = createRegistry('file:///tmp/orion%20registry');
      const relative = createRegistry('file://data/registry');
      expect(absolute).toBeInstanceOf(FileRegistryAdapter);
      expect((absolute as FileRegistryAdapter).directory).toBe('/tmp/orion registry');
      expect((relative as FileRegistryAdapter).directory).toBe(resolve(join('data', 'registry')));
      return Promise.all([absolute.close(), relative.close()]);
    });

    it('should reject a file:// URL without a directory', () => {
      expect(() => createRegistry('file://')).toThrow(InvalidRegistryUrlError);
    });
  });

  describe('unsupported and invalid URLs', () => {
    it.each([
      ['redis://localhost:6379', RedisRegistryAdapter],
      ['rediss://cache:6380/0', RedisRegistryAdapter],
      ['etcd://127.0.0.1:2379', EtcdRegistryAdapter],
    ])('should build the server-backed adapter for %s without connecting yet', async (url, type) => {
      const registry = createRegistry(url);
      expect(registry).toBeInstanceOf(type);
      await registry.close();
    });

    it.each(['', 'not a url', 'consul://x', '/var/registry', 'memory:', 'file:%zz', 'file://%zz'])(
      'should throw InvalidRegistryUrlError listing the valid schemes for %j',
      (url) => {
        expect(() => createRegistry(url)).toThrow(InvalidRegistryUrlError);
        expect(() => createRegistry(url)).toThrow('memory://, file://, redis://, rediss://, etcd://');
      },
    );
  });
});
