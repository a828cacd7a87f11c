// `npm start` as a newcomer runs it: build, launch the demo mesh, run every printed
// command exactly as printed, then Ctrl-C and check that no process is left behind.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { buildMesh, COMPILED_MAIN, isAlive, LaunchedMesh, REPO_ROOT, waitUntil } from '../apps/mesh/test/launched-mesh';
import { findBinary } from './harness/servers';

const run = promisify(execFile);

describe('demo mesh: npm start', () => {
  let mesh: LaunchedMesh;

  beforeAll(async () => {
    buildMesh();
    mesh = await LaunchedMesh.start(['--orders', '2', '--inventory', '2', '--strategy', 'round-robin', '--traffic', '0'], {
      isCompiled: true,
    });
  }, 240_000);

  afterAll(async () => {
    await mesh?.destroy();
  });

  it('should print the dashboard URL, one ready line per process and a command per protocol', async () => {
    expect(mesh.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dashboard$/);
    expect([...mesh.readyPids.keys()].sort()).toEqual(['gateway-1', 'inventory-1', 'inventory-2', 'orders-1', 'orders-2']);
    expect(new Set(mesh.commands.map((c) => c.label))).toEqual(new Set(['HTTP', 'WS', 'TCP', 'gRPC', 'UDP', 'MQTT']));
    const page = await fetch(mesh.dashboardUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Orion Mesh');
  });

  it('should run every printed command as printed: exit 0 and a JSON reply', async () => {
    const hasCurl = findBinary('curl') !== undefined;
    if (!hasCurl) console.warn('SKIPPING the curl lines: curl is not installed');
    for (const { label, command } of mesh.commands) {
      if (command.startsWith('curl') && !hasCurl) continue;
      const { stdout } = await run('sh', ['-c', command], { cwd: REPO_ROOT, timeout: 15_000 }).catch(
        (error: Error & { stderr?: string }) => {
          throw new Error(`${label} command failed: ${command}\n${error.message}\n${error.stderr ?? ''}`);
        },
      );
      const reply = JSON.parse(stdout) as Record<string, unknown>;
      expect({ label, reply }).toEqual({ label, reply: expect.not.objectContaining({ code: expect.anything() }) });
      expect(reply.servedBy ?? reply.id).toEqual(expect.any(String));
    }
  }, 90_000);

  it('should use the --strategy for every balanced client and see every instance', async () => {
    const snapshot = await waitUntil(
      async () => {
        const s = await mesh.snapshot();
        return s.balancers.filter((b) => b.owner.startsWith('orders-')).length === 2 ? s : undefined;
      },
      10_000,
      'telemetry of both orders instances',
    );
    expect(snapshot.strategy).toBe('round-robin');
    // gateway -> orders (TCP), gateway -> inventory (gRPC, the bridge's), each orders instance -> inventory (gRPC).
    expect(snapshot.balancers.map((b) => `${b.stats.service}/${b.stats.transport}/${b.stats.strategy}`).sort()).toEqual([
      'inventory/grpc/round-robin',
      'inventory/grpc/round-robin',
      'inventory/grpc/round-robin',
      'orders/tcp/round-robin',
    ]);
    const pids = snapshot.services.flatMap((s) => s.instances.map((i) => i.pid)).sort();
    expect(pids).toEqual([...mesh.readyPids.values()].sort());
  });

  it('should serve the autoscale advice and Prometheus metrics it prints', async () => {
    const advice = await waitUntil(
      async () => {
        const body = (await (await fetch(`${mesh.gatewayUrl}/autoscale`)).json()) as { services: Array<{ service: string }> };
        return body.services.length === 3 ? body : undefined;
      },
      10_000,
      'advice for three services',
    );
    expect(advice.services.map((a) => a.service)).toEqual(['gateway', 'inventory', 'orders']);
    expect(mesh.output).toContain(`${mesh.gatewayUrl}/metrics`);
    const metrics = await (await fetch(`${mesh.gatewayUrl}/metrics`)).text();
    expect(metrics).toContain('orion_requests_total');
    expect(metrics).toContain('orion_autoscale_desired_instances');
  });

  it('should stop every child on Ctrl-C (SIGINT), leaving no process behind', async () => {
    const pids = [...mesh.readyPids.values()];
    expect(pids.every(isAlive)).toBe(true);
    const exit = await mesh.stop('SIGINT');
    expect(exit).toEqual({ code: 0, signal: null });
    await waitUntil(() => pids.every((pid) => !isAlive(pid)), 5000, `children ${pids.join(', ')} gone`);
    expect(mesh.output).toMatch(/stopped: 5 processes exited/);
  }, 40_000);

  it('should make children exit by themselves when the launcher is killed (SIGKILL)', async () => {
    const crashed = await LaunchedMesh.start(['--orders', '1', '--inventory', '1', '--traffic', '0'], { isCompiled: true });
    try {
      const pids = [...crashed.readyPids.values()];
      expect(pids).toHaveLength(3);
      await crashed.stop('SIGKILL');
      await waitUntil(() => pids.every((pid) => !isAlive(pid)), 15_000, `orphans ${pids.join(', ')} gone`);
    } finally {
      await crashed.destroy();
    }
  }, 90_000);

  it('should document its flags in --help and refuse unknown ones', () => {
    const help = spawnSync(process.execPath, [COMPILED_MAIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const text of [
      '--orders',
      '--inventory',
      '--strategy',
      '--traffic',
      '--registry',
      'ORDERS_INSTANCES',
      'INVENTORY_INSTANCES',
      'p2c-ewma',
    ]) {
      expect(help.stdout).toContain(text);
    }
    const bad = spawnSync(process.execPath, [COMPILED_MAIN, '--strategy', 'fastest'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown strategy 'fastest'");
  });
});
