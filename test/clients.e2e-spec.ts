import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom, type Observable } from 'rxjs';
import { WebSocketServer } from 'ws';
import {
  GrpcClient,
  HttpClient,
  isNotSentError,
  MqttClient,
  ProtocolError,
  startEmbeddedMqttBroker,
  startProtocols,
  WsClient,
  type BoundAddresses,
  type CallOptions,
  type EmbeddedMqttBroker,
  type GrpcClientMethod,
  type ProtocolsModuleOptions,
} from '@orion/protocols';
import { EchoFixtureModule, Recorder } from './fixtures/echo.fixture';
import { SlowController } from './fixtures/slow.fixture';
import { freePort, requireServerBinary, startMosquitto, type ManagedServer } from './harness/servers';

/** What every Orion client offers: per-call options on `send` and `emit`, and `close`. */
interface OrionClient {
  send<T = unknown>(pattern: string, data: unknown, options?: CallOptions): Observable<T>;
  emit(pattern: string, data: unknown, options?: CallOptions): Observable<unknown>;
  close(): unknown;
}

/** Endpoint names of the generated proto: `<Controller without "Controller">/<Pattern in PascalCase>`. */
const GRPC_METHODS: Record<string, GrpcClientMethod> = {
  echo: { service: 'Echo', method: 'Echo' },
  audit: { service: 'Echo', method: 'Audit' },
  slow: { service: 'Slow', method: 'Slow' },
};

const TIMEOUT_MS = 3000;

interface Target {
  protocol: 'http' | 'ws' | 'grpc' | 'mqtt';
  create(timeoutMs: number): OrionClient;
  createDead(port: number): OrionClient;
}

async function startApp(options: ProtocolsModuleOptions) {
  const moduleRef = await Test.createTestingModule({
    imports: [EchoFixtureModule.with(options)],
    controllers: [SlowController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const addresses = await startProtocols(app);
  return { app, addresses, recorder: app.get(Recorder) };
}

async function failure(call: Observable<unknown>): Promise<ProtocolError> {
  const error = await lastValueFrom(call).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  return error as ProtocolError;
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
}

/** The shared assertions, run for each client against a running echo fixture. */
function describeClient(target: () => Target, recorder: () => Recorder) {
  let client: OrionClient;

  beforeAll(() => {
    client = target().create(TIMEOUT_MS);
  });

  afterAll(async () => {
    await client?.close();
  });

  const lastCall = () => recorder().calls[recorder().calls.length - 1];
  const events = () => recorder().calls.filter((c) => c.kind === 'event').length;

  it('should emit what the handler returned', async () => {
    const { protocol } = target();
    const reply = await lastValueFrom(client.send('echo', { text: `hi ${protocol}` }));
    expect(reply).toEqual({ echoed: { text: `hi ${protocol}` }, protocol, correlationId: expect.any(String) });
  });

  it('should send per-call headers, and the remaining budget as header and deadline', async () => {
    const { protocol } = target();
    const correlationId = `corr-client-${protocol}`;
    const reply = await lastValueFrom(
      client.send('echo', { text: 'headers' }, { headers: { 'x-correlation-id': correlationId, 'x-tenant': 't1' } }),
    );
    expect(reply).toMatchObject({ correlationId });
    const call = lastCall();
    expect(call).toMatchObject({ kind: 'echo', protocol, payload: { text: 'headers' } });
    expect(call.headers['x-correlation-id']).toBe(correlationId);
    expect(call.headers['x-tenant']).toBe('t1');
    const budget = Number(call.headers['x-orion-timeout-ms']);
    expect(budget).toBeGreaterThan(TIMEOUT_MS - 1000);
    expect(budget).toBeLessThanOrEqual(TIMEOUT_MS);
    expect(call.deadline! - Date.now()).toBeGreaterThan(TIMEOUT_MS - 1000);
  });

  it("should fail with the handler's ProtocolError, code and message kept", async () => {
    const error = await failure(client.send('echo', { fail: 'not-found' }));
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'no such thing' });
  });

  it('should fail a crashing handler with INTERNAL, without its text', async () => {
    const error = await failure(client.send('echo', { fail: 'crash' }));
    expect(error.code).toBe('INTERNAL');
    expect(`${error.message} ${JSON.stringify(error.details ?? null)}`).not.toContain('secret');
  });

  it('should deliver an event to the event handler', async () => {
    const { protocol } = target();
    const before = events();
    await lastValueFrom(client.emit('audit', { n: protocol }, { headers: { 'x-correlation-id': `corr-event-${protocol}` } }), {
      defaultValue: undefined,
    });
    await recorder().waitForEvent(before + 1);
    expect(lastCall()).toMatchObject({ kind: 'event', protocol, payload: { n: protocol } });
    expect(lastCall().headers['x-correlation-id']).toBe(`corr-event-${protocol}`);
  });

  it('should end a call to a dead address quickly with UNAVAILABLE, not sent', async () => {
    const dead = target().createDead(await freePort());
    try {
      const { result: error, ms } = await timed(() => failure(dead.send('echo', { text: 'nobody' })));
      expect(error.code).toBe('UNAVAILABLE');
      expect(isNotSentError(error)).toBe(true);
      expect(ms).toBeLessThan(1500);
    } finally {
      await dead.close();
    }
  });

  it('should end a call to a slower handler with DEADLINE_EXCEEDED at its deadline', async () => {
    const { result: error, ms } = await timed(() => failure(client.send('slow', { ms: 1500 }, { timeoutMs: 300 })));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(900);
  });

  it('should still answer after a timed-out call', async () => {
    const reply = await lastValueFrom(client.send('echo', { text: 'after' }));
    expect(reply).toMatchObject({ echoed: { text: 'after' } });
  });
}

describe('Orion clients over HTTP, WebSocket, gRPC and MQTT 3.1.1 (in-process broker)', () => {
  let broker: EmbeddedMqttBroker;
  let app: INestApplication;
  let addresses: BoundAddresses;
  let recorder: Recorder;

  beforeAll(async () => {
    broker = await startEmbeddedMqttBroker();
    ({ app, addresses, recorder } = await startApp({
      http: { port: 0 },
      ws: {},
      grpc: { port: 0 },
      mqtt: { url: broker.url, protocolVersion: 4 },
    }));
  });

  afterAll(async () => {
    await app?.close();
    await broker?.close();
  });

  const targets: Record<Target['protocol'], () => Target> = {
    http: () => ({
      protocol: 'http',
      create: (timeoutMs) => new HttpClient({ url: addresses.http!.url, timeoutMs }),
      createDead: (port) => new HttpClient({ url: `http://127.0.0.1:${port}`, timeoutMs: TIMEOUT_MS }),
    }),
    ws: () => ({
      protocol: 'ws',
      create: (timeoutMs) => new WsClient({ url: addresses.ws!.url, timeoutMs }),
      createDead: (port) => new WsClient({ url: `ws://127.0.0.1:${port}/ws`, timeoutMs: TIMEOUT_MS }),
    }),
    grpc: () => ({
      protocol: 'grpc',
      create: (timeoutMs) => new GrpcClient({ url: addresses.grpc!.url, methods: GRPC_METHODS, timeoutMs }),
      createDead: (port) => new GrpcClient({ url: `127.0.0.1:${port}`, methods: GRPC_METHODS, timeoutMs: TIMEOUT_MS }),
    }),
    mqtt: () => ({
      protocol: 'mqtt',
      create: (timeoutMs) => new MqttClient({ url: broker.url, protocolVersion: 4, timeoutMs }),
      createDead: (port) => new MqttClient({ url: `mqtt://127.0.0.1:${port}`, protocolVersion: 4, timeoutMs: TIMEOUT_MS }),
    }),
  };

  for (const [name, target] of Object.entries(targets)) {
    describe(`${name} client`, () => describeClient(target, () => recorder));
  }

  describe('HttpClient.request', () => {
    it('should reach any route and return status, headers and parsed body', async () => {
      const client = new HttpClient({ url: addresses.http!.url });
      const response = await lastValueFrom(
        client.request({ method: 'POST', path: '/echo?extra=q', body: { text: 'raw' }, headers: { 'x-correlation-id': 'corr-raw' } }),
      );
      expect(response.status).toBe(200);
      expect(response.headers['x-correlation-id']).toBe('corr-raw');
      expect(response.body).toEqual({ echoed: { text: 'raw', extra: 'q' }, protocol: 'http', correlationId: 'corr-raw' });
      const missing = await failure(client.request({ method: 'GET', path: '/no/such/route' }));
      expect(missing.code).toBe('NOT_FOUND');
    });
  });

  describe('GrpcClient method resolution', () => {
    it('should call a `Service/Method` pattern directly and refuse an unknown pattern with NOT_FOUND', async () => {
      const client = new GrpcClient({ url: addresses.grpc!.url });
      try {
        expect(await lastValueFrom(client.send('Echo/Echo', { text: 'direct' }))).toMatchObject({ echoed: { text: 'direct' } });
        const error = await failure(client.send('orders.create', {}));
        expect(error.code).toBe('NOT_FOUND');
        expect(error.message).toContain('orders.create');
      } finally {
        client.close();
      }
    });
  });

  describe('MqttClient 3.1.1 topics', () => {
    it('should answer concurrent calls on one shared reply topic', async () => {
      const client = new MqttClient({ url: broker.url, protocolVersion: 4, timeoutMs: TIMEOUT_MS });
      try {
        const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => lastValueFrom(client.send('echo', { text: `n${n}` }))));
        expect(replies.map((reply) => (reply as { echoed: { text: string } }).echoed.text)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
      } finally {
        await client.close();
      }
    });
  });
});

describe('WsClient connection loss (a bare ws server)', () => {
  let server: WebSocketServer;
  let url: string;

  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
    server.on('connection', (socket) =>
      socket.on('message', (raw) => {
        const frame = JSON.parse(raw.toString()) as { id: string; pattern: string; data: unknown };
        if (frame.pattern === 'hang') return;
        if (frame.pattern === 'drop') return socket.terminate();
        socket.send(JSON.stringify({ id: frame.id, data: frame.data }));
      }),
    );
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('should fail waiting calls with UNAVAILABLE when the connection drops, then reconnect on the next call', async () => {
    const client = new WsClient({ url, timeoutMs: TIMEOUT_MS });
    try {
      const waiting = failure(client.send('hang', 1));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const { result: error, ms } = await timed(async () => {
        const dropped = failure(client.send('drop', 2));
        return Promise.all([waiting, dropped]);
      });
      expect(error.map((e) => e.code)).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
      expect(ms).toBeLessThan(1000);
      expect(await lastValueFrom(client.send('echo', { again: true }))).toEqual({ again: true });
      expect(server.clients.size).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('should refuse a frame over maxPayloadBytes with RESOURCE_EXHAUSTED, before sending it', async () => {
    const client = new WsClient({ url, timeoutMs: TIMEOUT_MS, maxPayloadBytes: 1024 });
    try {
      const error = await failure(client.send('echo', 'x'.repeat(2048)));
      expect(error.code).toBe('RESOURCE_EXHAUSTED');
      expect(error.details).toMatchObject({ limit: 1024 });
      expect(await lastValueFrom(client.send('echo', 'small'))).toBe('small');
    } finally {
      await client.close();
    }
  });
});

const mosquitto = requireServerBinary('mosquitto');
const describeWithMosquitto = mosquitto ? describe : describe.skip;

describeWithMosquitto('Orion MqttClient over MQTT 5 through a real Mosquitto (skipped without mosquitto)', () => {
  let broker: ManagedServer & { remove(): void };
  let app: INestApplication;
  let recorder: Recorder;

  beforeAll(async () => {
    broker = await startMosquitto(mosquitto!);
    ({ app, recorder } = await startApp({ mqtt: { url: broker.url } }));
  });

  afterAll(async () => {
    await app?.close();
    await broker?.stop();
    broker?.remove();
  });

  describe('mqtt 5 client', () =>
    describeClient(
      () => ({
        protocol: 'mqtt',
        create: (timeoutMs) => new MqttClient({ url: broker.url, timeoutMs }),
        createDead: (port) => new MqttClient({ url: `mqtt://127.0.0.1:${port}`, timeoutMs: TIMEOUT_MS }),
      }),
      () => recorder,
    ));

  it('should fail a request nobody subscribes to at once with UNAVAILABLE, not sent', async () => {
    const client = new MqttClient({ url: broker.url, timeoutMs: TIMEOUT_MS });
    try {
      const { result: error, ms } = await timed(() => failure(client.send('nobody.listens', {})));
      expect(error.code).toBe('UNAVAILABLE');
      expect(isNotSentError(error)).toBe(true);
      expect(ms).toBeLessThan(1000);
    } finally {
      await client.close();
    }
  });
});
