// Hostile entries in a file:// registry (issue 15, points 1 and 6), against real processes:
// two instances of 'work' (test/fixtures/balanced-node.ts) and a consumer process with a
// balanced TCP client calling them nonstop (test/fixtures/netns-caller.ts, which reports its
// view and call counts every 250 ms). Each test drops something hostile into
// services/work/ and checks that the consumer lives on, keeps calling the good instances
// and still sees membership change.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { FileLeaderElector, FileRegistryAdapter, type ServiceInstance } from '@orion/discovery';
import { contractInstance as instance } from '@orion/discovery/registry/testing';
import { recordObservable } from '@orion/discovery/registry/testing/contract-helpers.util';
import { ChildApp, eventually } from './harness/child-app';

const NODE = join(__dirname, 'fixtures/balanced-node.ts');
const CALLER = join(__dirname, 'fixtures/netns-caller.ts');
const TTL_MS = 1500;
const ids = (instances: readonly ServiceInstance[]): string => instances.map((i) => i.id).join(',');

interface Tick {
  event: string;
  ok: number;
  failed: number;
  view: string[];
  answeredBy: Record<string, number>;
}

describe('hostile entries in a file:// registry, against a consumer process', () => {
  let dir: string;
  let serviceDir: string;
  let url: string;
  let caller: ChildApp;
  let watcher: FileRegistryAdapter;
  const nodes: ChildApp[] = [];

  const startNode = async (): Promise<ChildApp> => {
    const node = await ChildApp.start(NODE, { REGISTRY_URL: url, TTL_MS: String(TTL_MS) });
    nodes.push(node);
    return node;
  };
  /** Writes a file into services/work/ whole (temp file + rename), as a hostile writer could. */
  const drop = (name: string, content: string | Buffer): void => {
    const temp = join(dir, `.drop-${name}`);
    writeFileSync(temp, content);
    renameSync(temp, join(serviceDir, name));
  };
  /** The first tick after `from` (an index in caller.events) matching `predicate`. */
  const tickAfter = async (from: number, predicate: (tick: Tick) => boolean, what: string): Promise<Tick> => {
    const found = await caller
      .waitFor((e) => e.event === 'tick' && caller.events.indexOf(e) >= from && predicate(e as never), 30_000)
      .catch((error: Error) => {
        throw new Error(`consumer: ${what}: ${error.message}`);
      });
    expect(caller.isRunning).toBe(true);
    return found as unknown as Tick;
  };
  /** The consumer sees exactly `expected` and, in a later tick, calls them without a failure. */
  const expectCallerServes = async (expected: string[], what: string): Promise<void> => {
    const sorted = [...expected].sort().join(',');
    const seen = await tickAfter(caller.events.length, (t) => [...t.view].sort().join(',') === sorted, what);
    const after = caller.events.indexOf(seen as never) + 1;
    // NOTE: a tick of answered calls and no failure (not "the next tick"): on a loaded machine
    // a slow attempt may time out, which says nothing about the registry.
    const tick = await tickAfter(after, (t) => t.ok > 0 && t.failed === 0, `${what}: calls answered`);
    expect(Object.keys(tick.answeredBy).every((id) => expected.includes(id))).toBe(true);
  };
  const live = (): string[] => nodes.filter((n) => n.isRunning).map((n) => n.ready.instanceId);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-hostile-registry-'));
    serviceDir = join(dir, 'services', 'work');
    url = `file://${dir}`;
    await Promise.all([startNode(), startNode()]);
    caller = await ChildApp.start(CALLER, { REGISTRY_URL: url, DURATION_MS: '600000' });
    watcher = new FileRegistryAdapter({ directory: dir });
    await expectCallerServes(live(), 'two instances');
  }, 90_000);

  afterAll(async () => {
    for (const app of [...nodes, caller]) app?.kill('SIGKILL');
    await Promise.all([...nodes, caller].filter(Boolean).map((a) => a.exited));
    await watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should survive an entry with id, service and renewedAt but no endpoints or metadata, and keep calling the good instances', async () => {
    const now = Date.now();
    const malformed = { format: 1, ownerId: 'hostile', ttlMs: 600_000, instance: { id: 'evil-1', service: 'work', renewedAt: now } };
    drop('evil-1.json', JSON.stringify(malformed));
    // A membership change after the drop: the consumer's snapshot showing it has read the bad entry.
    await startNode();
    await expectCallerServes(live(), 'a third instance, after the malformed entry');
    expect(ids(await watcher.list('work'))).toBe([...live()].sort().join(','));
    expect(watcher.stats().invalidEntries).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('should not freeze on a directory named x.json: a killed instance still leaves the view on its lease', async () => {
    mkdirSync(join(serviceDir, 'x.json'));
    mkdirSync(join(serviceDir, 'y.json', 'z.json'), { recursive: true });
    const victim = nodes.find((n) => n.isRunning)!;
    victim.kill('SIGKILL');
    await victim.exited;
    await expectCallerServes(live(), 'the killed instance gone');
    expect(ids(await watcher.list('work'))).toBe([...live()].sort().join(','));
  }, 60_000);

  it('should skip a FIFO without blocking: heartbeats go on and new instances are seen', async () => {
    execFileSync('mkfifo', [join(serviceDir, 'pipe-1.json')]);
    // Several reads of the FIFO (polls, rescans) must not park the consumer's libuv threads.
    const joined = await startNode();
    await expectCallerServes(live(), 'an instance started after the FIFO');
    const first = (await watcher.list('work')).find((i) => i.id === joined.ready.instanceId)!;
    await eventually(
      async () => ((await watcher.list('work')).find((i) => i.id === joined.ready.instanceId)?.renewedAt ?? 0) > first.renewedAt,
      10_000,
      'a heartbeat of the new instance after the FIFO',
    );
  }, 60_000);

  it('should skip an entry over the size cap and symlinks, unread', async () => {
    const now = Date.now();
    const big = {
      format: 1,
      ownerId: 'hostile',
      ttlMs: 600_000,
      instance: { ...instance('work', 'big-1'), registeredAt: now, renewedAt: now, metadata: { pad: 'x'.repeat(2 * 1024 * 1024) } },
    };
    drop('big-1.json', JSON.stringify(big));
    const valid = {
      format: 1,
      ownerId: 'hostile',
      ttlMs: 600_000,
      instance: { ...instance('work', 'link-1'), registeredAt: now, renewedAt: now },
    };
    writeFileSync(join(dir, 'outside.json'), JSON.stringify(valid));
    symlinkSync(join(dir, 'outside.json'), join(serviceDir, 'link-1.json'));
    symlinkSync('/dev/zero', join(serviceDir, 'zero-1.json'));
    await startNode();
    await expectCallerServes(live(), 'an instance started after the oversized file and symlinks');
    const listed = ids(await watcher.list('work'));
    expect(listed).not.toContain('big-1');
    expect(listed).not.toContain('link-1');
  }, 60_000);
});

describe('file:// registry permissions', () => {
  let dir: string;
  const registries: FileRegistryAdapter[] = [];
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.close()));
    rmSync(dir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('should create directories 0700 and entry files 0600', async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'orion-perm-')), 'registry');
    const registry = new FileRegistryAdapter({ directory: dir });
    registries.push(registry);
    await registry.register(instance('orders', 'x-1'), { ttlMs: 30_000 });
    for (const path of [dir, join(dir, 'services'), join(dir, 'services', 'orders'), join(dir, 'locks', 'orders')]) {
      expect((statSync(path).mode & 0o777).toString(8)).toBe('700');
    }
    expect((statSync(join(dir, 'services', 'orders', 'x-1.json')).mode & 0o777).toString(8)).toBe('600');
  });

  it('should warn once when the directory is writable by others', async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-perm-'));
    chmodSync(dir, 0o777);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const registry = new FileRegistryAdapter({ directory: dir });
    registries.push(registry);
    await registry.register(instance('orders', 'x-1'), { ttlMs: 30_000 });
    await registry.register(instance('orders', 'x-2'), { ttlMs: 30_000 });
    const recorder = recordObservable(registry.watch('orders'));
    await recorder.next((s) => s.length === 2, 5000);
    recorder.unsubscribe();
    const warnings = warn.mock.calls.map(([message]) => String(message)).filter((m) => m.includes('writable by others'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(dir);
  });
});

describe('file:// leader leases next to the registry', () => {
  it('should refuse a FIFO as a lease file at once, without parking libuv threads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orion-hostile-leader-'));
    const elector = new FileLeaderElector({ directory: dir });
    try {
      mkdirSync(join(dir, 'leaders'), { recursive: true });
      execFileSync('mkfifo', [join(dir, 'leaders', 'jobs.json')]);
      // More reads than libuv has threads (4): a blocking open of the FIFO would stall them all.
      const reads = await Promise.allSettled(Array.from({ length: 8 }, () => elector.current('jobs')));
      for (const read of reads) expect(read).toMatchObject({ status: 'rejected', reason: expect.any(SyntaxError) });
      // File I/O of this process still works, and another group is unaffected.
      expect(await elector.campaign('other', 'me', { ttlMs: 5000 })).toMatchObject({ leaderId: 'me' });
    } finally {
      await elector.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
