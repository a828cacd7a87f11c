// Protocol switching (issue 16 part 1) with real processes on a file:// registry: a fleet
// in migration (two instances serving gRPC and TCP, one TCP only) served by one balanced
// client with `transport: ['grpc', 'tcp']`; one instance's gRPC listener closed at run time
// (its TCP listener and registry entry stay), then opened again on the same port.
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TcpClient } from '@orion/protocols';
import {
  BalancedClientsModule,
  createRegistry,
  InjectBalancedClient,
  ServiceDiscoveryModule,
  type BalancedClientProxy,
  type InstanceCallStats,
} from '@orion/discovery';
import { lastValueFrom } from 'rxjs';
import { ChildApp, eventually } from './harness/child-app';

const NODE = join(__dirname, 'fixtures/balanced-node.ts');
const PROBE_MS = 200;

interface WorkReply {
  id: string;
  n: number;
  protocol: string;
}

@Injectable()
class Caller {
  constructor(@InjectBalancedClient('work') readonly client: BalancedClientProxy) {}
}

describe('protocol switching with real instances (grpc preferred, tcp next)', () => {
  let dir: string;
  let registryUrl: string;
  let caller: INestApplication;
  let client: BalancedClientProxy;
  let switching: ChildApp;
  let both: ChildApp;
  let tcpOnly: ChildApp;
  const apps: ChildApp[] = [];

  const start = async (env: Record<string, string>) => {
    const app = await ChildApp.start(NODE, { REGISTRY_URL: registryUrl, TTL_MS: '15000', ...env });
    apps.push(app);
    return app;
  };
  const instance = (app: ChildApp): InstanceCallStats => {
    const found = client.stats().instances.find((i) => i.id === app.ready.instanceId);
    if (found === undefined) throw new Error(`the client does not see ${app.ready.instanceId}`);
    return found;
  };
  /** Sequential calls: the replies (who answered, over which protocol) and the failures. */
  const calls = async (count: number) => {
    const replies: WorkReply[] = [];
    const failures: unknown[] = [];
    for (let n = 0; n < count; n++) {
      try {
        replies.push(await lastValueFrom(client.send<WorkReply>('work', { n })));
      } catch (error) {
        failures.push(error);
      }
    }
    return { replies, failures };
  };
  /** Calls from `workers` callers at once until `stop()`: resolves with the failures. */
  const keepCalling = (workers: number) => {
    let isStopped = false;
    const failures: unknown[] = [];
    const worker = async () => {
      while (!isStopped) {
        try {
          await lastValueFrom(client.send<WorkReply>('work', { n: -1 }));
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const running = Promise.all(Array.from({ length: workers }, worker));
    return async () => {
      isStopped = true;
      await running;
      return failures;
    };
  };
  const protocolsOf = (replies: WorkReply[], app: ChildApp) => [
    ...new Set(replies.filter((r) => r.id === app.ready.instanceId).map((r) => r.protocol)),
  ];
  /** Opens or closes the gRPC listener of the `switching` instance, asked over its TCP listener. */
  const setGrpcListener = async (isOpen: boolean) => {
    const tcp = switching.ready.addresses.tcp;
    const control = new TcpClient({ host: tcp.host, port: tcp.port, timeoutMs: 10_000 });
    try {
      return await lastValueFrom(control.send<{ port: number; isOpen: boolean }>('work.grpc-listener', { isOpen }));
    } finally {
      control.close();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-protocol-switching-'));
    registryUrl = `file://${dir}`;
    [switching, both, tcpOnly] = await Promise.all([
      start({ LISTENERS: 'tcp,grpc', GRPC_LISTENER_CONTROL: '1' }),
      start({ LISTENERS: 'tcp,grpc' }),
      start({ LISTENERS: 'tcp' }),
    ]);
    const moduleRef = await Test.createTestingModule({
      imports: [
        ServiceDiscoveryModule.forRoot({ service: { name: 'caller' }, registry: registryUrl, shouldRegister: false }),
        BalancedClientsModule.register([
          {
            service: 'work',
            transport: ['grpc', 'tcp'],
            protocolProbeMs: PROBE_MS,
            // Round robin: every instance gets its share whatever its latency on a busy machine.
            strategy: 'round-robin',
            timeoutMs: 10_000,
            metrics: false,
          },
        ]),
      ],
      providers: [Caller],
    }).compile();
    caller = moduleRef.createNestApplication({ logger: false });
    await caller.init();
    client = caller.get(Caller).client;
    await client.connect();
    const registry = createRegistry(registryUrl);
    try {
      await eventually(
        async () => (await registry.list('work')).filter((i) => i.status === 'passing').length === 3,
        20_000,
        '3 passing instances',
      );
    } finally {
      await registry.close();
    }
    // The picker (unwrap) takes all three: registered, passing, and in the client's view.
    await eventually(() => client.unwrap<{ candidates: readonly unknown[] }>().candidates.length === 3, 10_000, '3 candidates');
  }, 90_000);

  afterAll(async () => {
    await caller?.close();
    for (const app of apps) app.kill('SIGKILL');
    await Promise.all(apps.map((a) => a.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  it('should serve a mixed fleet: gRPC where advertised, TCP for the TCP-only instance', async () => {
    expect(client.stats().transport).toBe('grpc,tcp');
    const { replies, failures } = await calls(60);
    expect(failures).toEqual([]);
    expect(protocolsOf(replies, switching)).toEqual(['grpc']);
    expect(protocolsOf(replies, both)).toEqual(['grpc']);
    expect(protocolsOf(replies, tcpOnly)).toEqual(['tcp']);
    for (const app of [switching, both]) {
      expect(instance(app)).toMatchObject({ protocol: 'grpc', protocols: ['grpc', 'tcp'], protocolSwitches: 0 });
    }
    expect(instance(tcpOnly)).toMatchObject({ protocol: 'tcp', protocols: ['tcp'], protocolSwitches: 0 });
  });

  it('should move an instance whose gRPC listener closed to TCP, with no failed call', async () => {
    const before = instance(switching);
    // Three callers keep calling while the listener closes: calls in flight then (finished by
    // its graceful close) and calls made after it (refused, sent again over TCP).
    const stop = keepCalling(3);
    const closed = await setGrpcListener(false);
    expect(closed.isOpen).toBe(false);
    // The instance is alive and still advertises gRPC: only its listener is gone.
    const registry = createRegistry(registryUrl);
    try {
      const entry = (await registry.list('work')).find((i) => i.id === switching.ready.instanceId);
      expect(entry?.endpoints.map((e) => e.protocol).sort()).toEqual(['grpc', 'tcp']);
    } finally {
      await registry.close();
    }

    const { replies, failures } = await calls(60);
    expect(failures).toEqual([]);
    expect(await stop()).toEqual([]);
    // Round robin: a third of the calls went to the instance, every one answered over TCP.
    expect(protocolsOf(replies, switching)).toEqual(['tcp']);
    expect(protocolsOf(replies, both)).toEqual(['grpc']);
    const after = instance(switching);
    expect(after).toMatchObject({ protocol: 'tcp', protocols: ['grpc', 'tcp'], isEjected: false });
    expect(after.protocolSwitches).toBeGreaterThanOrEqual(1);
    // Refusals are protocol hops within an attempt: never charged to the instance, never retries.
    expect(after.failures).toBe(before.failures);
    expect(client.stats().retries).toBe(0);
  });

  it('should return to gRPC once the listener is open again and a probe gets through', async () => {
    const port = switching.ready.addresses.grpc.port;
    const opened = await setGrpcListener(true);
    expect(opened).toEqual({ port, isOpen: true });
    const switchesBefore = instance(switching).protocolSwitches;

    // A bounded loop of calls, no sleep: probes run on calls made after protocolProbeMs.
    const replies: WorkReply[] = [];
    const failures: unknown[] = [];
    const until = Date.now() + 60_000;
    while (instance(switching).protocol !== 'grpc' && Date.now() < until) {
      const batch = await calls(10);
      replies.push(...batch.replies);
      failures.push(...batch.failures);
    }
    expect(failures).toEqual([]);
    expect(instance(switching)).toMatchObject({ protocol: 'grpc', protocols: ['grpc', 'tcp'] });
    expect(instance(switching).protocolSwitches).toBeGreaterThan(switchesBefore);

    const { replies: afterwards, failures: later } = await calls(30);
    expect(later).toEqual([]);
    expect(protocolsOf(afterwards, switching)).toEqual(['grpc']);
    expect(protocolsOf(afterwards, tcpOnly)).toEqual(['tcp']);
    expect(client.stats().retries).toBe(0);
  });
});
