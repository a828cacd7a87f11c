import 'reflect-metadata';
import * as grpc from '@grpc/grpc-js';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom, type Observable } from 'rxjs';
import {
  decodeJsonMessage,
  encodeJsonMessage,
  GrpcClient,
  HttpClient,
  MqttClient,
  ProtocolBridgeModule,
  startEmbeddedMqttBroker,
  startProtocols,
  TcpClient,
  UdpClient,
  WsClient,
  type BoundAddresses,
  type BridgeForwarder,
  type EmbeddedMqttBroker,
} from '@orion/protocols';
import { EchoFixtureModule, Recorder } from './fixtures/echo.fixture';
import { SlowController } from './fixtures/slow.fixture';
import { FrameClient, RawTcpClient } from './harness/clients';
import { mqttRequest } from './harness/mqtt-clients';
import { RawUdpClient } from './harness/udp-client';

/** Ten years in ms: far beyond 2^31-1, the longest delay a Node timer honours. */
const HUGE_MS = 315_360_000_000;
/** The handler sleeps this long: a deadline that fires early (after ~1 ms) fails it. */
const SLEEP_MS = 60;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A forwarder filled in once the app's own TCP port is known (the bridge calls back into the app). */
class LateForwarder implements BridgeForwarder {
  client?: TcpClient;
  send(pattern: string, data: unknown, options: { timeoutMs?: number; headers?: Record<string, string> }): Observable<unknown> {
    return this.client!.send(pattern, data, options);
  }
}

describe('hostile deadlines: huge or garbage x-orion-timeout-ms / x-orion-deadline never fire early', () => {
  let app: INestApplication;
  let broker: EmbeddedMqttBroker;
  let addresses: BoundAddresses;
  let recorder: Recorder;
  const forwarder = new LateForwarder();
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);

  beforeAll(async () => {
    process.on('warning', onWarning);
    broker = await startEmbeddedMqttBroker();
    const moduleRef = await Test.createTestingModule({
      imports: [
        EchoFixtureModule.with({
          http: { port: 0 },
          ws: {},
          tcp: { port: 0 },
          udp: { port: 0 },
          grpc: { port: 0 },
          mqtt: { url: broker.url, protocolVersion: 4 },
        }),
        ProtocolBridgeModule.forRoot({
          rules: [{ from: { protocol: 'mqtt', pattern: 'hostile/+/slow' }, to: { service: 'self', pattern: 'slow', timeoutMs: 10_000 } }],
          forwarders: new Map([['self', forwarder]]),
        }),
      ],
      controllers: [SlowController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    addresses = await startProtocols(app);
    recorder = app.get(Recorder);
    forwarder.client = new TcpClient({ port: addresses.tcp!.port });
  }, 30_000);

  afterAll(async () => {
    process.off('warning', onWarning);
    forwarder.client?.close();
    await app?.close();
    await broker?.close();
  });

  afterEach(() => {
    expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
  });

  const hugeHeaders = () =>
    [
      ['x-orion-timeout-ms', { 'x-orion-timeout-ms': String(HUGE_MS) }],
      ['x-orion-deadline', { 'x-orion-deadline': String(Date.now() + HUGE_MS) }],
    ] as const;

  it.each(['x-orion-timeout-ms', 'x-orion-deadline'])('should serve HTTP with a huge %s, not 504 at once', async (name) => {
    const headers = Object.fromEntries(
      hugeHeaders()
        .filter(([n]) => n === name)
        .map(([, h]) => Object.entries(h)[0]),
    );
    const res = await fetch(`http://127.0.0.1:${addresses.http!.port}/slow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ ms: SLEEP_MS }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sleptMs: SLEEP_MS, protocol: 'http' });
  });

  it('should serve WebSocket, TCP and UDP with huge budgets', async () => {
    for (const [name, headers] of hugeHeaders()) {
      const ws = await FrameClient.open(addresses.ws!.url);
      try {
        const reply = await ws.request({ id: `ws-${name}`, pattern: 'slow', data: { ms: SLEEP_MS }, headers });
        expect(reply).toMatchObject({ id: `ws-${name}`, data: { sleptMs: SLEEP_MS, protocol: 'ws' } });
      } finally {
        ws.close();
      }
      const tcp = await RawTcpClient.open(addresses.tcp!.port);
      try {
        const reply = await tcp.request({ id: `tcp-${name}`, pattern: 'slow', data: { ms: SLEEP_MS }, metadata: headers });
        expect(reply).toMatchObject({ response: { sleptMs: SLEEP_MS, protocol: 'tcp' } });
      } finally {
        tcp.close();
      }
      const udp = await RawUdpClient.open(addresses.udp!.port);
      try {
        const reply = await udp.request({ v: 1, id: `udp-${name}`, pattern: 'slow', data: { ms: SLEEP_MS }, headers });
        expect(reply).toMatchObject({ response: { sleptMs: SLEEP_MS, protocol: 'udp' } });
      } finally {
        udp.close();
      }
    }
  });

  it('should serve gRPC with a huge budget in metadata', async () => {
    const client = new grpc.Client(`127.0.0.1:${addresses.grpc!.port}`, grpc.credentials.createInsecure());
    try {
      for (const [name, headers] of hugeHeaders()) {
        const metadata = new grpc.Metadata();
        metadata.set(name, headers[name as keyof typeof headers] as string);
        const reply = await new Promise<unknown>((resolve, reject) =>
          client.makeUnaryRequest(
            '/orion.Slow/Slow',
            encodeJsonMessage,
            decodeJsonMessage,
            JSON.stringify({ ms: SLEEP_MS }),
            metadata,
            { deadline: Date.now() + 10_000 },
            (error, value) => (error ? reject(error) : resolve(JSON.parse(value!))),
          ),
        );
        expect(reply).toEqual({ sleptMs: SLEEP_MS, protocol: 'grpc' });
      }
    } finally {
      client.close();
    }
  });

  it('should serve MQTT and the MQTT bridge with a huge budget', async () => {
    for (const [name, headers] of hugeHeaders()) {
      const direct = await mqttRequest(broker.url, 4, 'slow', {
        id: `mqtt-${name}`,
        pattern: 'slow',
        data: { ms: SLEEP_MS },
        metadata: headers,
      });
      expect(direct).toMatchObject({ response: { sleptMs: SLEEP_MS, protocol: 'mqtt' } });
      const bridged = await mqttRequest(broker.url, 4, 'hostile/k1/slow', {
        id: `bridge-${name}`,
        data: { ms: SLEEP_MS },
        metadata: headers,
      });
      expect(bridged).toMatchObject({ response: { sleptMs: SLEEP_MS, protocol: 'tcp' } });
    }
  });

  it('should cut a huge budget to maxDeadlineMs (24 h by default) on the message and the next hop', async () => {
    const tcp = await RawTcpClient.open(addresses.tcp!.port);
    try {
      const before = Date.now();
      await tcp.request({ id: 'tcp-cut', pattern: 'echo', data: { text: 'cut' }, metadata: { 'x-orion-timeout-ms': String(HUGE_MS) } });
      const call = recorder.calls[recorder.calls.length - 1];
      expect(call.payload).toEqual({ text: 'cut' });
      expect(call.deadline! - before).toBeLessThanOrEqual(DAY_MS + 60_000);
      expect(call.deadline! - before).toBeGreaterThan(DAY_MS - 60_000);
    } finally {
      tcp.close();
    }
  });

  it('should ignore garbage budgets (no deadline) and refuse a spent one (handler not run)', async () => {
    const tcp = await RawTcpClient.open(addresses.tcp!.port);
    try {
      for (const garbage of ['NaN', 'soon', '1e9', 'Infinity', '', '9'.repeat(400)]) {
        const reply = await tcp.request({
          id: `g-${garbage.slice(0, 8)}`,
          pattern: 'echo',
          data: { garbage },
          metadata: { 'x-orion-timeout-ms': garbage },
        });
        expect(reply).toMatchObject({ response: { echoed: { garbage } } });
        expect(recorder.calls[recorder.calls.length - 1].deadline).toBeUndefined();
      }
      const before = recorder.calls.length;
      const spent = await tcp.request({ id: 'spent', pattern: 'echo', data: {}, metadata: { 'x-orion-timeout-ms': '-1' } });
      expect(spent).toMatchObject({ err: { code: 'DEADLINE_EXCEEDED' } });
      expect(recorder.calls.length).toBe(before);
    } finally {
      tcp.close();
    }
  });

  it('should let every client call with a huge timeoutMs (grpc-js would fail it at once)', async () => {
    const url = (p: number) => `127.0.0.1:${p}`;
    const clients = [
      new TcpClient({ port: addresses.tcp!.port, timeoutMs: HUGE_MS }),
      new UdpClient({ port: addresses.udp!.port, timeoutMs: HUGE_MS }),
      new WsClient({ url: addresses.ws!.url!, timeoutMs: HUGE_MS }),
      new HttpClient({ url: `http://${url(addresses.http!.port)}`, timeoutMs: HUGE_MS }),
      new GrpcClient({ url: url(addresses.grpc!.port), methods: { slow: { service: 'Slow', method: 'Slow' } }, timeoutMs: HUGE_MS }),
      new MqttClient({ url: broker.url, protocolVersion: 4, timeoutMs: HUGE_MS }),
    ];
    try {
      for (const client of clients) {
        const reply = await lastValueFrom(client.send('slow', { ms: SLEEP_MS }));
        expect(reply).toMatchObject({ sleptMs: SLEEP_MS });
        const perCall = await lastValueFrom(client.send('slow', { ms: SLEEP_MS }, { timeoutMs: HUGE_MS }));
        expect(perCall).toMatchObject({ sleptMs: SLEEP_MS });
      }
    } finally {
      for (const client of clients) await client.close();
    }
  });
});

describe('hostile deadlines: maxDeadlineMs', () => {
  it('should cut budgets to a configured maxDeadlineMs and refuse an invalid one at startup', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [EchoFixtureModule.with({ tcp: { port: 0 }, maxDeadlineMs: 2000 })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const addresses = await startProtocols(app);
    const tcp = await RawTcpClient.open(addresses.tcp!.port);
    try {
      await tcp.request({ id: 'cut-2s', pattern: 'echo', data: {}, metadata: { 'x-orion-timeout-ms': String(HUGE_MS) } });
      const recorder = app.get(Recorder);
      const call = recorder.calls[recorder.calls.length - 1];
      expect(call.deadline).toBeDefined();
      expect(call.deadline! - Date.now()).toBeLessThanOrEqual(2000);
    } finally {
      tcp.close();
      await app.close();
    }
    const bad = Test.createTestingModule({ imports: [EchoFixtureModule.with({ tcp: { port: 0 }, maxDeadlineMs: 2 ** 31 })] }).compile();
    await expect(bad).rejects.toThrow(/maxDeadlineMs/);
  });
});
