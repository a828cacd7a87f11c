import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom, of, type Observable } from 'rxjs';
import {
  Endpoint,
  ProtocolBridgeModule,
  ProtocolError,
  ProtocolsModule,
  startEmbeddedMqttBroker,
  startProtocols,
  TcpClient,
  UseMiddleware,
  type BoundAddresses,
  type EmbeddedMqttBroker,
  type MiddlewareNext,
  type ProtocolMessage,
  type ProtocolMiddleware,
  type ProtocolsModuleOptions,
} from '@orion/protocols';
import { createRegistry, type ServiceRegistry } from '@orion/discovery';
import { ChildApp, eventually } from './harness/child-app';
import { RawTcpClient } from './harness/clients';
import { mqttRequest } from './harness/mqtt-clients';

/** Handlers that wait until the test opens the gate, so "in flight" is under the test's control. */
@Injectable()
class Gate {
  started = 0;
  private opened!: () => void;
  private readonly whenOpen = new Promise<void>((resolve) => (this.opened = resolve));
  open(): void {
    this.opened();
  }
  async pass(): Promise<void> {
    this.started++;
    await this.whenOpen;
  }
}

@Controller()
class GatedController {
  constructor(private readonly gate: Gate) {}

  @Endpoint('gate.a')
  async a() {
    await this.gate.pass();
    return 'a';
  }

  @Endpoint('gate.b')
  async b() {
    await this.gate.pass();
    return 'b';
  }

  @Endpoint('ping')
  ping() {
    return 'pong';
  }
}

@Module({ controllers: [GatedController], providers: [Gate] })
class GatedModule {}

async function startApp(options: ProtocolsModuleOptions): Promise<{ app: INestApplication; addresses: BoundAddresses }> {
  const moduleRef = await Test.createTestingModule({
    imports: [ProtocolsModule.forRoot({ logRequests: false, ...options }), GatedModule],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  return { app, addresses: await startProtocols(app) };
}

async function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'OK',
    (error: unknown) => (error instanceof ProtocolError ? error.code : String(error)),
  );
}

describe('hostile overload: bounded requests in flight', () => {
  let app: INestApplication;
  let addresses: BoundAddresses;
  let gate: Gate;
  let client: TcpClient;

  beforeAll(async () => {
    ({ app, addresses } = await startApp({ tcp: { port: 0 }, http: { port: 0 }, maxInFlight: { perListener: 6, perEndpoint: 4 } }));
    gate = app.get(Gate);
    client = new TcpClient({ port: addresses.tcp!.port, timeoutMs: 20_000 });
  });

  afterAll(async () => {
    gate?.open();
    client?.close();
    await app?.close();
  });

  it('should refuse at once, with RESOURCE_EXHAUSTED, what is over the endpoint and listener bounds', async () => {
    const results: string[] = [];
    const track = (call: Promise<unknown>) => outcome(call).then((code) => (results.push(code), code));
    // 10 on one endpoint: 4 run, 6 are refused while the 4 still wait at the gate.
    const onA = Array.from({ length: 10 }, () => track(lastValueFrom(client.send('gate.a', {}))));
    await eventually(() => results.length === 6, 20_000, 'six refusals while the gate is closed');
    expect(results).toEqual(Array(6).fill('RESOURCE_EXHAUSTED'));
    expect(gate.started).toBe(4);
    // Another endpoint has room (4 < 4 per endpoint) but the TCP listener has 6 at most: 2 run, 1 refused.
    const onB = Array.from({ length: 3 }, () => track(lastValueFrom(client.send('gate.b', {}))));
    await eventually(() => results.length === 7 && gate.started === 6, 20_000, 'the listener bound');
    expect(results[6]).toBe('RESOURCE_EXHAUSTED');
    // Another listener is not affected: HTTP still answers.
    const res = await fetch(`http://127.0.0.1:${addresses.http!.port}/ping`, { method: 'POST' });
    expect(await res.text()).toBe('pong');

    gate.open();
    const codes = await Promise.all([...onA, ...onB]);
    expect(codes.filter((c) => c === 'OK')).toHaveLength(6);
    expect(codes.filter((c) => c === 'RESOURCE_EXHAUSTED')).toHaveLength(7);
    // The slots are free again.
    expect(await lastValueFrom(client.send('gate.a', {}))).toBe('a');
  });

  it('should not start a handler whose deadline has already passed', async () => {
    const raw = await RawTcpClient.open(addresses.tcp!.port);
    try {
      const before = gate.started;
      const reply = await raw.request({ id: 'late', pattern: 'gate.a', data: {}, metadata: { 'x-orion-timeout-ms': '0' } });
      expect(reply).toMatchObject({ err: { code: 'DEADLINE_EXCEEDED' } });
      expect(gate.started).toBe(before);
    } finally {
      raw.close();
    }
  });

  it('should refuse invalid bounds at startup', async () => {
    await expect(startApp({ tcp: { port: 0 }, maxInFlight: { perEndpoint: 0 } })).rejects.toThrow(/maxInFlight\.perEndpoint/);
  });
});

describe('hostile overload: a flood does not cost an instance its registry lease (file registry, child process)', () => {
  // The demo's lease (MESH_DEFAULT_TTL_MS) and a heartbeat well inside it.
  const TTL_MS = 3000;
  const FLOOD = 500;
  let dir: string;
  let node: ChildApp | undefined;
  let registry: ServiceRegistry;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-overload-'));
    registry = createRegistry(`file://${dir}`);
    node = await ChildApp.start(join(__dirname, 'fixtures/overload-node.ts'), {
      REGISTRY_URL: `file://${dir}`,
      TTL_MS: String(TTL_MS),
      HEARTBEAT_MS: '500',
      MAX_IN_FLIGHT: '8',
    });
  }, 60_000);

  afterAll(async () => {
    node?.kill('SIGKILL');
    if (node) await node.exited;
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should keep renewing the lease while 500 CPU-heavy requests arrive at once', async () => {
    const id = node!.ready.instanceId;
    await eventually(async () => (await registry.list('overload')).some((i) => i.id === id), 20_000, 'the instance to register');
    const renewals: number[] = [];
    let missing = 0;
    let isFlooding = true;
    const watch = (async () => {
      while (isFlooding) {
        const entry = (await registry.list('overload')).find((i) => i.id === id);
        if (!entry) missing++;
        else if (renewals[renewals.length - 1] !== entry.renewedAt) renewals.push(entry.renewedAt);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const client = new TcpClient({ port: node!.ready.addresses.tcp.port, timeoutMs: 60_000 });
    let codes: string[];
    try {
      // Each request: 20 ms of CPU, then 100 ms of waiting. 500 unbounded = 10 s of CPU in one
      // burst (over three leases); bounded at 8 per endpoint, 0.16 s plus cheap refusals.
      codes = await Promise.all(
        Array.from({ length: FLOOD }, () => outcome(lastValueFrom(client.send('work', { cpuMs: 20, waitMs: 100 })))),
      );
    } finally {
      isFlooding = false;
      await watch;
      client.close();
    }
    // The instance never left the registry, and no two renewals were a lease apart.
    const gaps = renewals.slice(1).map((at, i) => at - renewals[i]);
    expect({ missing, longestGapUnderLease: Math.max(0, ...gaps) < TTL_MS }).toEqual({ missing: 0, longestGapUnderLease: true });
    expect(node!.isRunning).toBe(true);
    // What was over the bound was refused, the rest served.
    const served = codes.filter((c) => c === 'OK').length;
    const refused = codes.filter((c) => c === 'RESOURCE_EXHAUSTED').length;
    expect(served + refused).toBe(FLOOD);
    expect(served).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);
});

/** A token bucket with 3 tokens and no refill: the 4th call anywhere is over the rate. */
@Injectable()
class TinyRateLimit implements ProtocolMiddleware {
  tokens = 3;
  use(message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    if (this.tokens < 1) throw new ProtocolError('RESOURCE_EXHAUSTED', `rate limit exceeded on '${message.pattern}'`);
    this.tokens--;
    return next();
  }
}

@Controller()
class LimitedRoutesController {
  @Endpoint('orders.list', { protocols: ['http'] })
  @UseMiddleware(TinyRateLimit)
  list() {
    return [];
  }
}

describe('hostile overload: bridge rules take the rate limit HTTP routes use', () => {
  let app: INestApplication;
  let broker: EmbeddedMqttBroker;
  let addresses: BoundAddresses;
  const forwarded: unknown[] = [];

  beforeAll(async () => {
    broker = await startEmbeddedMqttBroker();
    const forwarder = {
      send: (_pattern: string, data: unknown) => {
        forwarded.push(data);
        return of({ accepted: true });
      },
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        ProtocolsModule.forRoot({ http: { port: 0 }, mqtt: { url: broker.url, protocolVersion: 4 }, logRequests: false }),
        ProtocolBridgeModule.forRoot({
          rules: [
            {
              from: { protocol: 'mqtt', pattern: 'kiosk/+/orders' },
              to: { service: 'orders', pattern: 'orders.create' },
              middleware: [TinyRateLimit],
            },
          ],
          forwarders: new Map([['orders', forwarder]]),
        }),
      ],
      controllers: [LimitedRoutesController],
      providers: [TinyRateLimit],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    addresses = await startProtocols(app);
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    await broker?.close();
  });

  it('should refuse bridged MQTT messages over the rate with RESOURCE_EXHAUSTED, from the bucket the HTTP route shares', async () => {
    const replies: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 5; i++) {
      replies.push(await mqttRequest(broker.url, 4, `kiosk/k${i}/orders`, { id: `kiosk-${i}`, data: { n: i } }));
    }
    expect(replies.slice(0, 3).map((r) => r.response)).toEqual([{ accepted: true }, { accepted: true }, { accepted: true }]);
    for (const reply of replies.slice(3)) expect(reply).toMatchObject({ err: { code: 'RESOURCE_EXHAUSTED' } });
    expect(forwarded).toHaveLength(3);
    // One provider, one bucket: the HTTP route is over the rate too.
    const res = await fetch(`http://127.0.0.1:${addresses.http!.port}/orders/list`, { method: 'POST' });
    expect(res.status).toBe(429);
  });

  it('should refuse a rule whose middleware is not middleware, at startup', () => {
    const bad = { from: { protocol: 'mqtt' as const, pattern: 'x/y' }, to: { service: 'orders' }, middleware: ['nope'] as never };
    expect(() => ProtocolBridgeModule.forRoot({ rules: [bad], forwarders: new Map() })).toThrow(/middleware/);
  });
});
