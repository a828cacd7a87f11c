import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import {
  EtcdLeaderElector,
  EtcdRegistryAdapter,
  EtcdUnavailableError,
  InstanceNotRegisteredError,
  LeadershipLostError,
  type ServiceRegistry,
} from '@orion/discovery';
import { eventually, recordObservable, sleep } from '@orion/discovery/registry/testing/contract-helpers.util';
import { contractInstance as instance } from '@orion/discovery/registry/testing';
import { startEtcd, type EtcdTestServer } from './harness/etcd';
import { requireServerBinary } from './harness/servers';

const binary = requireServerBinary('etcd');
const describeWithEtcd = binary ? describe : describe.skip;
const REQUEST_TIMEOUT_MS = 1000;

/** Accepts and drops every connection on `port` (a server that is "up" but useless), counting them. */
async function blackhole(port: number): Promise<{ server: Server; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, connections: () => connections };
}

/** Runs `attempt` until it resolves a value that is not null, for at most `timeoutMs`. */
const until = <T>(attempt: () => Promise<T | null>, timeoutMs: number, what: string): Promise<T> =>
  eventually(
    async () => {
      const value = await attempt().catch(() => null);
      if (value === null) throw new Error(`${what}: not yet`);
      return value;
    },
    timeoutMs,
    100,
  );

describeWithEtcd('etcd:// backend outages (etcd stopped, restarted, restarted empty)', () => {
  let server: EtcdTestServer;
  let closeables: Array<{ close(): Promise<void> }>;
  const track = <T extends { close(): Promise<void> }>(value: T): T => (closeables.push(value), value);

  beforeEach(async () => {
    closeables = [];
    server = await startEtcd(binary!);
  });

  afterEach(async () => {
    await Promise.all(closeables.map((c) => c.close()));
    await server.stop();
    server.remove();
  });

  const registries = (): [ServiceRegistry, ServiceRegistry] => {
    const options = { url: server.url, prefix: `o-${randomUUID().slice(0, 8)}`, requestTimeoutMs: REQUEST_TIMEOUT_MS };
    return [track(new EtcdRegistryAdapter(options)), track(new EtcdRegistryAdapter(options))];
  };

  it('should keep the watch open on its last snapshot, fail heartbeats clearly and reconnect with backoff while etcd is down', async () => {
    const [owner, watcher] = registries();
    await owner.register(instance('orders', 'x-1'), { ttlMs: 30_000 });
    const view = recordObservable(watcher.watch('orders'));
    await view.next((s) => s.length === 1, 3000);

    await server.stop();
    const startedAt = Date.now();
    const failure = await owner.heartbeat('x-1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EtcdUnavailableError);
    expect((failure as Error).message).toMatch(/etcd registry backend etcd:\/\/127\.0\.0\.1:\d+ failed during heartbeat/);
    expect(Date.now() - startedAt).toBeLessThan(REQUEST_TIMEOUT_MS + 3000);

    // 3 s against a port that accepts and drops: attempts stay few (backoff), CPU stays idle.
    const hole = await blackhole(server.port);
    const cpuBefore = process.cpuUsage();
    await sleep(3000);
    const cpu = process.cpuUsage(cpuBefore);
    const attempts = hole.connections();
    await new Promise((resolve) => hole.server.close(resolve));
    expect(attempts).toBeLessThan(40);
    // A reconnect spin would burn a whole core (3000 ms); allow for jest's own work on a busy machine.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(3000 * 0.6);

    expect(view.error).toBeUndefined();
    expect(view.isComplete).toBe(false);
    expect(view.values.at(-1)?.map((i) => i.id)).toEqual(['x-1']);

    // Back up with its data: the watch resumes where it stopped and sees new changes.
    await server.start();
    await until(() => owner.register(instance('orders', 'y-1'), { ttlMs: 30_000 }).then(() => true), 10_000, 'register after restart');
    await view.next((s) => s.map((i) => i.id).join() === 'x-1,y-1', 10_000, 'x-1 and y-1');
    expect(view.error).toBeUndefined();
    view.unsubscribe();
  });

  it('should reject heartbeats with InstanceNotRegisteredError after an empty restart, and converge watchers on re-registration', async () => {
    const [owner, watcher] = registries();
    await owner.register(instance('orders', 'x-1', { version: '1' }), { ttlMs: 30_000 });
    const view = recordObservable(watcher.watch('orders'));
    await view.next((s) => s.length === 1, 3000);

    await server.stop();
    server.wipe();
    await server.start();
    // What the app layer does: heartbeat; on InstanceNotRegisteredError, register again.
    const error = await until(
      () =>
        owner.heartbeat('x-1').then(
          () => null,
          (e: unknown) => (e instanceof InstanceNotRegisteredError ? e : null),
        ),
      10_000,
      'InstanceNotRegisteredError',
    );
    expect(error).toBeInstanceOf(InstanceNotRegisteredError);
    await owner.register(instance('orders', 'x-1', { version: '2' }), { ttlMs: 30_000 });
    await view.next((s) => s.length === 1 && s[0].version === '2', 10_000, 're-registered x-1');
    expect(view.error).toBeUndefined();
    view.unsubscribe();
  });

  it("should fail the leader's renewals while etcd is down and give a higher fencing token after the restart", async () => {
    const options = { url: server.url, prefix: `o-${randomUUID().slice(0, 8)}`, requestTimeoutMs: REQUEST_TIMEOUT_MS };
    const [old, next] = [track(new EtcdLeaderElector(options)), track(new EtcdLeaderElector(options))];
    const lease = (await old.campaign('jobs', 'old', { ttlMs: 3000 }))!;
    expect(lease).not.toBeNull();

    await server.stop();
    await expect(old.renew(lease)).rejects.toThrow(EtcdUnavailableError);
    // The holder learns it could not renew well before validUntil, when it must stop acting.
    expect(Date.now()).toBeLessThan(lease.validUntil);

    await server.start();
    const successor = await until(() => next.campaign('jobs', 'next', { ttlMs: 3000 }), 15_000, 'a new leader');
    expect(successor.fencingToken).toBeGreaterThan(lease.fencingToken);
    await expect(old.renew(lease)).rejects.toThrow(LeadershipLostError);
  });
});
