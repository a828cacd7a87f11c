import { mkdtemp, readFile, readdir, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { eventually, recordObservable, contractInstance as instance } from '../testing/contract-helpers.util';
import { describeServiceRegistryContract } from '../testing/service-registry.contract';
import { FileRegistryAdapter } from './file-registry.adapter';

describeServiceRegistryContract('FileRegistryAdapter', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'orion-registry-'));
  return {
    createRegistry: () => new FileRegistryAdapter({ directory }),
    writeRawEntry: async (service, id, instance) => {
      await mkdir(join(directory, 'services', service), { recursive: true });
      const record = { format: 1, ownerId: 'hostile', ttlMs: 60_000, instance };
      // Whole (temp file + rename): a watcher must not read it half-written and count it twice.
      const temp = join(directory, `.raw-${id}`);
      await writeFile(temp, JSON.stringify(record));
      await rename(temp, join(directory, 'services', service, `${id}.json`));
    },
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
});

describe(FileRegistryAdapter.name, () => {
  let directory: string;
  let registries: FileRegistryAdapter[];
  const create = (options: Partial<ConstructorParameters<typeof FileRegistryAdapter>[0]> = {}): FileRegistryAdapter => {
    const registry = new FileRegistryAdapter({ directory, ...options });
    registries.push(registry);
    return registry;
  };
  /** Writes an entry file the way another (maybe dead) process would. */
  const writeForeignEntry = async (id: string, renewedAt: number, ttlMs: number): Promise<void> => {
    await mkdir(join(directory, 'services', 'orders'), { recursive: true });
    const record = {
      format: 1,
      ownerId: 'dead-process',
      ttlMs,
      instance: { ...instance('orders', id), registeredAt: renewedAt, renewedAt },
    };
    await writeFile(join(directory, 'services', 'orders', `${id}.json`), JSON.stringify(record));
  };

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'orion-registry-'));
    registries = [];
  });

  afterEach(async () => {
    await Promise.all(registries.map((r) => r.close()));
    await rm(directory, { recursive: true, force: true });
  });

  describe('register', () => {
    it('should write one JSON file per instance with owner, ttl and instance, and no leftovers', async () => {
      const registry = create();
      await registry.register(instance('orders', 'x-1'), { ttlMs: 5000 });
      expect(await readdir(join(directory, 'services', 'orders'))).toEqual(['x-1.json']);
      const record = JSON.parse(await readFile(join(directory, 'services', 'orders', 'x-1.json'), 'utf8'));
      expect(record).toMatchObject({ format: 1, ownerId: registry.ownerId, ttlMs: 5000, instance: { id: 'x-1', service: 'orders' } });
      expect(await readdir(join(directory, 'locks', 'orders'))).toEqual([]);
    });
  });

  describe('maxEntryBytes', () => {
    it('should reject a registration over the cap, skip a file over it, and refuse a bad cap', async () => {
      const registry = create({ maxEntryBytes: 2048 });
      const big = instance('orders', 'big-1', { metadata: { pad: 'x'.repeat(4096) } });
      await expect(registry.register(big, { ttlMs: 5000 })).rejects.toThrow(/over maxEntryBytes \(2048\)/);
      await create().register(big, { ttlMs: 5000 });
      await registry.register(instance('orders', 'small-1'), { ttlMs: 5000 });
      expect((await registry.list('orders')).map((i) => i.id)).toEqual(['small-1']);
      expect(registry.stats().invalidEntries).toBe(1);
      expect(() => create({ maxEntryBytes: 10 })).toThrow(RangeError);
    });
  });

  describe('list', () => {
    it('should hide entries of a dead writer once renewedAt + ttlMs has passed, without deleting them', async () => {
      await writeForeignEntry('dead-1', Date.now() - 10_000, 1000);
      await writeForeignEntry('live-1', Date.now(), 60_000);
      const registry = create();
      expect((await registry.list('orders')).map((i) => i.id)).toEqual(['live-1']);
      expect(await readdir(join(directory, 'services', 'orders'))).toContain('dead-1.json');
      await registry.register(instance('orders', 'dead-1'), { ttlMs: 5000 });
    });

    it('should list services past a file planted under services/', async () => {
      await writeForeignEntry('ok-1', Date.now(), 60_000);
      await writeFile(join(directory, 'services', 'planted'), 'not a directory');
      const registry = create();
      expect(await registry.services()).toEqual(['orders']);
      expect(await registry.list('planted')).toEqual([]);
      expect(await registry.sweep()).toBe(0);
    });

    it('should skip corrupt, foreign-format and misplaced files and temp files', async () => {
      const dir = join(directory, 'services', 'orders');
      await writeForeignEntry('ok-1', Date.now(), 60_000);
      await writeFile(join(dir, 'torn-1.json'), '{"format":1,"owner');
      await writeFile(join(dir, 'other-1.json'), JSON.stringify({ format: 2 }));
      await writeFile(join(dir, '.ok-1.json.123.tmp'), '{');
      const misplaced = JSON.parse(await readFile(join(dir, 'ok-1.json'), 'utf8'));
      await writeFile(join(dir, 'moved-1.json'), JSON.stringify(misplaced));
      expect((await create().list('orders')).map((i) => i.id)).toEqual(['ok-1']);
    });
  });

  describe('watch', () => {
    it('should mark the watch stale on read errors and still expire what it holds', async () => {
      const [writer, watcher] = [create(), create({ pollIntervalMs: 50 })];
      await writer.register(instance('orders', 'x-1'), { ttlMs: 800 });
      const recorder = recordObservable(watcher.watch('orders'));
      try {
        await recorder.next((s) => s.length === 1, 5000, 'x-1');
        // The service directory becomes unreadable as one (a file in its place): readdir fails.
        const dir = join(directory, 'services', 'orders');
        await rename(dir, `${dir}.moved`);
        await writeFile(dir, 'not a directory');
        await eventually(() => expect(watcher.stats()).toMatchObject({ staleWatches: 1, readErrors: 1 }), 5000);
        await recorder.next((s) => s.length === 0, 5000, 'x-1 expired');
        expect(recorder.error).toBeUndefined();
      } finally {
        recorder.unsubscribe();
      }
    });

    it('should read only the entry that changed, not every entry of the service', async () => {
      const [writer, watcher] = [create(), create()];
      const all = Array.from({ length: 200 }, (_v, n) => `i-${String(n).padStart(3, '0')}`);
      await Promise.all(all.map((id) => writer.register(instance('orders', id), { ttlMs: 60_000 })));
      const recorder = recordObservable(watcher.watch('orders'));
      const fsPromises = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
      const entryReads = (spy: jest.SpyInstance): number =>
        spy.mock.calls.filter(([path]) => String(path).includes(join('services', 'orders')) && String(path).endsWith('.json')).length;
      try {
        await recorder.next((s) => s.length === all.length, 10_000, 'all 200');
        const opens = jest.spyOn(fsPromises, 'open');
        const readFiles = jest.spyOn(fsPromises, 'readFile');
        await writer.heartbeat('i-123', { status: 'draining' });
        await recorder.next((s) => s.find((i) => i.id === 'i-123')?.status === 'draining', 5000, 'i-123 draining');
        // The writer reads the entry once under its lock; the watcher reads it once.
        const reads = entryReads(opens) + entryReads(readFiles);
        expect(reads).toBeGreaterThanOrEqual(1);
        expect(reads).toBeLessThanOrEqual(3);
      } finally {
        recorder.unsubscribe();
        jest.restoreAllMocks();
      }
    });

    it('should log each invalid entry once however often it is read', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        const dir = join(directory, 'services', 'orders');
        await mkdir(join(dir, 'x.json'), { recursive: true });
        await writeFile(join(dir, 'torn-1.json'), '{"format":1');
        const registry = create({ pollIntervalMs: 20 });
        const recorder = recordObservable(registry.watch('orders'));
        await recorder.next((s) => s.length === 0, 5000);
        // Every list() reads every file again; the watch re-reads a rewritten one.
        for (let n = 0; n < 3; n++) await registry.list('orders');
        await writeFile(join(dir, 'torn-1.json'), '{"format":1');
        for (let n = 0; n < 3; n++) await registry.list('orders');
        recorder.unsubscribe();
        const logged = warn.mock.calls.map(([message]) => String(message)).filter((m) => m.includes('skipping invalid'));
        expect(logged).toHaveLength(2);
        expect(registry.stats().invalidEntries).toBe(2);
      } finally {
        warn.mockRestore();
      }
    });
  });

  describe('sweep', () => {
    it('should delete entry and temp files expired for longer than the grace period only', async () => {
      await writeForeignEntry('old-1', Date.now() - 10_000, 1000);
      await writeForeignEntry('recent-1', Date.now() - 1500, 1000);
      await writeFile(join(directory, 'services', 'orders', '.x.json.abc.tmp'), '{');
      const registry = create({ sweepGraceMs: 5000, sweepIntervalMs: 0 });
      await registry.register(instance('orders', 'live-1'), { ttlMs: 60_000 });
      expect(await registry.sweep()).toBe(1);
      expect((await readdir(join(directory, 'services', 'orders'))).sort()).toEqual(['.x.json.abc.tmp', 'live-1.json', 'recent-1.json']);
    });
  });
});
