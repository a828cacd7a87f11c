import { InvalidRegistryUrlError } from '../errors/invalid-registry-url.error';
import { EtcdLeaderElector } from './adapters/etcd-leader-elector';
import { RedisLeaderElector } from './adapters/redis-leader-elector';
import { FileLeaderElector } from './adapters/file-leader-elector';
import { MemoryLeaderElector } from './adapters/memory-leader-elector';
import { createLeaderElector } from './create-leader-elector.util';

describe(createLeaderElector.name, () => {
  describe('memory://', () => {
    it('should share named stores and keep anonymous ones private', async () => {
      const [a, b, solo] = [
        createLeaderElector('memory://jobs-test'),
        createLeaderElector('memory://jobs-test'),
        createLeaderElector('memory://'),
      ];
      expect(a).toBeInstanceOf(MemoryLeaderElector);
      const lease = await a.campaign('jobs', 'a', { ttlMs: 1000 });
      expect(await b.campaign('jobs', 'b', { ttlMs: 1000 })).toBeNull();
      expect(await solo.campaign('jobs', 'c', { ttlMs: 1000 })).not.toBeNull();
      await a.resign(lease!);
      await Promise.all([a.close(), b.close(), solo.close()]);
    });
  });

  describe('file://', () => {
    it('should build a file elector on the directory', async () => {
      const elector = createLeaderElector('file:///tmp/orion-leaders');
      expect(elector).toBeInstanceOf(FileLeaderElector);
      expect((elector as FileLeaderElector).directory).toBe('/tmp/orion-leaders');
      await elector.close();
    });
  });

  describe('unsupported and invalid URLs', () => {
    it('should build server-backed electors and reject unknown schemes', async () => {
      const etcd = createLeaderElector('etcd://127.0.0.1:2379');
      expect(etcd).toBeInstanceOf(EtcdLeaderElector);
      await etcd.close();
      const redis = createLeaderElector('redis://127.0.0.1:6379');
      expect(redis).toBeInstanceOf(RedisLeaderElector);
      await redis.close();
      expect(() => createLeaderElector('zookeeper://x')).toThrow(InvalidRegistryUrlError);
    });
  });
});
