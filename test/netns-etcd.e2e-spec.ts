import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, type ServiceRegistry } from '@orion/discovery';
import { ChildApp, eventually } from './harness/child-app';
import { NetnsLab } from './harness/netns';
import { requireServerBinary } from './harness/servers';

const NODE = join(__dirname, 'fixtures/balanced-node.ts');
const CALLER = join(__dirname, 'fixtures/netns-caller.ts');
const ETCD_PORT = 23_790;

const reason = NetnsLab.unavailableReason();
if (reason && process.env.CI === 'true') throw new Error(`CI: the network-namespace test must run, but ${reason}`);
if (reason) console.warn(`SKIPPING network-namespace suite: ${reason}`);
const etcdBinary = reason ? undefined : requireServerBinary('etcd');
const describeNetns = reason || !etcdBinary ? describe.skip : describe;

describeNetns('instances on separate hosts (network namespaces) with etcd on another (skipped when not root)', () => {
  const lab = new NetnsLab();
  const apps: ChildApp[] = [];
  let etcd: ChildProcess | undefined;
  let dataDir: string;
  let registry: ServiceRegistry;
  const registryUrl = `etcd://198.18.0.1:${ETCD_PORT}`;

  beforeAll(async () => {
    lab.setUp();
    lab.addHost('etcd', 1);
    const hostA = lab.addHost('a', 11);
    const hostB = lab.addHost('b', 12);
    lab.addHost('caller', 21);
    dataDir = mkdtempSync(join(tmpdir(), 'orion-netns-etcd-'));
    etcd = spawn(
      lab.exec('etcd')[0],
      [
        ...lab.exec('etcd').slice(1),
        etcdBinary!,
        '--data-dir',
        dataDir,
        '--listen-client-urls',
        `http://198.18.0.1:${ETCD_PORT}`,
        '--advertise-client-urls',
        `http://198.18.0.1:${ETCD_PORT}`,
        '--listen-peer-urls',
        'http://127.0.0.1:23800',
        '--initial-advertise-peer-urls',
        'http://127.0.0.1:23800',
        '--initial-cluster',
        'default=http://127.0.0.1:23800',
        '--heartbeat-interval',
        '10',
        '--election-timeout',
        '100',
      ],
      { stdio: 'ignore' },
    );
    await eventually(
      async () => {
        try {
          return (await fetch(`http://198.18.0.1:${ETCD_PORT}/health`)).ok;
        } catch {
          return false;
        }
      },
      15_000,
      'etcd healthy',
    );
    registry = createRegistry(registryUrl);
    const env = { REGISTRY_URL: registryUrl, BIND_HOST: '0.0.0.0', TTL_MS: '2000' };
    apps.push(await ChildApp.start(NODE, env, 30_000, lab.exec('a')));
    apps.push(await ChildApp.start(NODE, env, 30_000, lab.exec('b')));
    const instances = await eventually(
      async () => {
        const list = await registry.list('work');
        return list.length === 2 ? list : undefined;
      },
      10_000,
      'both instances registered',
    );
    // Each advertises its own host's address, not loopback or a wildcard.
    expect(instances.map((i) => i.endpoints.find((e) => e.protocol === 'tcp')!.host).sort()).toEqual([hostA, hostB].sort());
  }, 90_000);

  afterAll(async () => {
    for (const app of apps) app.kill('SIGKILL');
    await Promise.all(apps.map((a) => a.exited));
    etcd?.kill('SIGKILL');
    await registry?.close();
    lab.tearDown();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('should reach both hosts from a caller on a third, and drop a cut-off host without failing idempotent calls', async () => {
    const caller = await ChildApp.start(CALLER, { REGISTRY_URL: registryUrl, DURATION_MS: '9000' }, 30_000, lab.exec('caller'));
    apps.push(caller);
    const [a, b] = apps.map((app) => app.ready.instanceId);
    const ticks = () =>
      caller.events.filter((e) => e.event === 'tick') as Array<{
        ok: number;
        failed: number;
        answeredBy: Record<string, number>;
        errors: string[];
      }>;
    await eventually(
      () => {
        const answered = Object.assign({}, ...ticks().map((t) => t.answeredBy)) as Record<string, number>;
        return answered[a] && answered[b];
      },
      5000,
      'both hosts answered',
    );
    lab.setLink('b', false);
    const cutAt = ticks().length;
    await caller.waitFor((e) => e.event === 'done', 20_000);
    const after = ticks().slice(cutAt);
    const failures = ticks().flatMap((t) => t.errors);
    expect(failures).toEqual([]);
    // Out of rotation: the last second of ticks is answered by host a only.
    const lastSecond = after.slice(-4);
    expect(lastSecond.every((t) => !t.answeredBy[b] && t.ok > 0)).toBe(true);
    lab.setLink('b', true);
  }, 60_000);
});
