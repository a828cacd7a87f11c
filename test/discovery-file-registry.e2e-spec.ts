import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLeaderElector, createRegistry, type LeaderElector, type ServiceInstance, type ServiceRegistry } from '@orion/discovery';
import { ChildApp, eventually } from './harness/child-app';

const NODE = join(__dirname, 'fixtures/mesh-node.ts');
const TTL_MS = 1500;
const SERVICE = 'mesh-node';

describe('three processes on a file:// registry', () => {
  let dir: string;
  let url: string;
  let registry: ServiceRegistry;
  let elector: LeaderElector;
  const apps: ChildApp[] = [];

  const start = async () => {
    const app = await ChildApp.start(NODE, { REGISTRY_URL: url, TTL_MS: String(TTL_MS), SERVICE_NAME: SERVICE });
    apps.push(app);
    return app;
  };
  const listed = async () => (await registry.list(SERVICE)).map((i) => i.id);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-file-registry-'));
    url = `file://${dir}`;
    registry = createRegistry(url);
    elector = createLeaderElector(url);
    await Promise.all([start(), start(), start()]);
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) app.kill('SIGKILL');
    await Promise.all(apps.map((a) => a.exited));
    await registry?.close();
    await elector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should list every instance with its real, reachable endpoints', async () => {
    const instances = await eventually(
      async () => {
        const list = await registry.list(SERVICE);
        return list.length === 3 && list.every((i) => i.status === 'passing') ? list : undefined;
      },
      5000,
      'three passing instances',
    );
    for (const app of apps) {
      const instance = instances.find((i) => i.id === app.ready.instanceId) as ServiceInstance;
      expect(instance).toBeDefined();
      const http = instance.endpoints.find((e) => e.protocol === 'http')!;
      const tcp = instance.endpoints.find((e) => e.protocol === 'tcp')!;
      expect(http.port).toBe(app.ready.addresses.http.port);
      expect(tcp.port).toBe(app.ready.addresses.tcp.port);
      expect(http.host).not.toBe('0.0.0.0');
      const res = await fetch(`${http.url}/work`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(await res.json()).toEqual({ pid: app.process.pid });
      const ready = await fetch(`${http.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(instance.load).toEqual(expect.objectContaining({ inFlight: expect.any(Number), eventLoopUtilization: expect.any(Number) }));
    }
  });

  it('should elect exactly one leader, and move leadership with a higher token when it dies', async () => {
    const first = await eventually(async () => (await elector.current('jobs')) ?? undefined, 5000, 'a leader of jobs');
    const leaders = apps.filter((a) =>
      a.events.some((e) => e.event === 'leader' && e.isLeader === true && e.leaderId === a.ready.instanceId),
    );
    expect(leaders.map((a) => a.ready.instanceId)).toEqual([first.leaderId]);
    const leader = apps.find((a) => a.ready.instanceId === first.leaderId)!;
    leader.kill('SIGKILL');
    await leader.exited;
    const next = await eventually(
      async () => {
        const current = await elector.current('jobs');
        return current && current.leaderId !== first.leaderId ? current : undefined;
      },
      // Generous on purpose: under load the lease expiry and the survivors' campaign ticks slip.
      TTL_MS * 8,
      'a new leader',
    );
    expect(next.fencingToken).toBeGreaterThan(first.fencingToken);
    // The killed leader also leaves the registry once its TTL runs out (bounded generously: a loaded machine delays the sweep).
    await eventually(async () => !(await listed()).includes(first.leaderId), TTL_MS * 6, 'killed instance gone');
  });

  it('should keep a busy instance registered while its event loop is blocked beyond one heartbeat', async () => {
    const app = apps.find((a) => a.isRunning)!;
    const id = app.ready.instanceId;
    const http = app.ready.addresses.http.url!;
    // Heartbeat every TTL/3 = 500 ms; block for 800 ms (> heartbeat, < TTL).
    const blocked = fetch(`${http}/work`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blockMs: 800 }),
    });
    const seen: boolean[] = [];
    const until = Date.now() + 1600;
    while (Date.now() < until) {
      seen.push((await listed()).includes(id));
      await new Promise((r) => setTimeout(r, 50));
    }
    await blocked;
    expect(seen.every(Boolean)).toBe(true);
  });

  it('should drain on SIGTERM: in-flight calls complete, watchers see draining, then it is gone', async () => {
    const app = apps.find((a) => a.isRunning)!;
    const id = app.ready.instanceId;
    const statuses: string[] = [];
    const subscription = registry.watch(SERVICE).subscribe((snapshot) => {
      const mine = snapshot.find((i) => i.id === id);
      statuses.push(mine ? mine.status : 'gone');
    });
    const http = app.ready.addresses.http.url!;
    const inFlight = [1, 2, 3].map(() =>
      fetch(`${http}/work`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ delayMs: 700 }),
      }).then((r) => r.status),
    );
    await new Promise((r) => setTimeout(r, 100));
    app.kill('SIGTERM');
    expect(await Promise.all(inFlight)).toEqual([200, 200, 200]);
    // Nest re-raises SIGTERM after a graceful close, so the process ends by that signal.
    await app.exited;
    expect(app.process.signalCode === 'SIGTERM' || app.process.exitCode === 0).toBe(true);
    await eventually(() => statuses.includes('gone'), 3000, 'drained instance gone');
    subscription.unsubscribe();
    expect(statuses).toContain('draining');
    expect(statuses.indexOf('draining')).toBeLessThan(statuses.lastIndexOf('gone'));
  });
});
