// Issue 15, point 8: the demo launcher (as `npm start` runs it) restarts a child that was
// killed, with a growing (capped) backoff, says so in its log, brings the gateway back on
// the same URL, and the dashboard's snapshot shows how often each instance was restarted.
import { LaunchedMesh, waitUntil } from '../apps/mesh/test/launched-mesh';

const RESTART_WAIT_MS = 60_000;

describe('demo launcher restarts crashed children', () => {
  let mesh: LaunchedMesh;

  beforeAll(async () => {
    mesh = await LaunchedMesh.start(['--orders', '1', '--inventory', '1', '--traffic', '0'], { isCompiled: false });
  }, 120_000);

  afterAll(async () => {
    await mesh?.destroy();
  });

  const logged = (pattern: RegExp, what: string) =>
    waitUntil(() => mesh.lines.find((line) => pattern.test(line)), RESTART_WAIT_MS, `${what}\n${mesh.output}\n${mesh.errorOutput}`);

  it('should restart a gateway killed with SIGKILL and answer again on the same URL', async () => {
    const url = mesh.gatewayUrl;
    const pid = mesh.readyPids.get('gateway-1')!;
    process.kill(pid, 'SIGKILL');
    await logged(
      new RegExp(`gateway-1 \\(pid ${pid}\\) was killed \\(SIGKILL\\); restarting it in 1 s \\(restart 1\\)`),
      'the restart line',
    );
    const ready = await logged(/gateway-1 +ready +pid (\d+) .*\(restart 1\)/, 'the restarted gateway ready');
    const newPid = Number(/pid (\d+)/.exec(ready)![1]);
    expect(newPid).not.toBe(pid);
    // Same URL; the restarted gateway registers again, and shows its restart count.
    const gateway = await waitUntil(
      async () => {
        const snapshot = await mesh.snapshot().catch(() => undefined);
        return snapshot?.services.find((s) => s.name === 'gateway')?.instances.find((i) => i.pid === newPid);
      },
      RESTART_WAIT_MS,
      `the restarted gateway in ${url}/api/mesh`,
    );
    expect(gateway.restarts).toBe(1);
    expect(mesh.gatewayUrl).toBe(url);
  }, 90_000);

  it('should back off further for a child that crashes again, and count its restarts', async () => {
    const first = mesh.readyPids.get('orders-1')!;
    process.kill(first, 'SIGKILL');
    await logged(new RegExp(`orders-1 \\(pid ${first}\\) was killed \\(SIGKILL\\); restarting it in 1 s \\(restart 1\\)`), 'restart 1');
    const ready = await logged(/orders-1 +ready +pid (\d+) .*\(restart 1\)/, 'orders-1 back');
    const second = Number(/pid (\d+)/.exec(ready)![1]);
    process.kill(second, 'SIGKILL');
    // Crashed again soon after its restart: the delay doubles.
    await logged(new RegExp(`orders-1 \\(pid ${second}\\) was killed \\(SIGKILL\\); restarting it in 2 s \\(restart 2\\)`), 'restart 2');
    await logged(/orders-1 +ready +pid (\d+) .*\(restart 2\)/, 'orders-1 back again');
    const orders = await waitUntil(
      async () =>
        (await mesh.snapshot().catch(() => undefined))?.services.find((s) => s.name === 'orders')?.instances.find((i) => i.restarts === 2),
      RESTART_WAIT_MS,
      'orders-1 with 2 restarts in the snapshot',
    );
    expect(orders.status).toBe('passing');
  }, 120_000);
});
