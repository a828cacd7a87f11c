import 'reflect-metadata';
import { request as httpRequest } from 'node:http';
import { Controller, Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { of } from 'rxjs';
import mqtt from 'mqtt';
import {
  Endpoint,
  MqttServer,
  OrionLogger,
  ProtocolBridgeModule,
  ProtocolsModule,
  startEmbeddedMqttBroker,
  startProtocols,
  type BoundAddresses,
  type EmbeddedMqttBroker,
} from '@orion/protocols';
import { SameOriginGuard } from '../apps/mesh/src/gateway/same-origin.guard';
import { eventually } from './harness/child-app';
import { RawWebSocket } from './harness/raw-clients';

const ESC = '\u001b';
const JUNK = 2000;

/** Everything the app's logger wrote, as one string per entry. */
class CapturedStream {
  readonly entries: string[] = [];
  readonly isTTY = false;
  write(chunk: string): void {
    this.entries.push(chunk);
  }
  text(): string {
    return this.entries.join('');
  }
}

describe('hostile logging: junk on MQTT is escaped and rate-limited on the console', () => {
  let broker: EmbeddedMqttBroker;
  let app: INestApplication;
  const stream = new CapturedStream();

  beforeAll(async () => {
    broker = await startEmbeddedMqttBroker();
    const moduleRef = await Test.createTestingModule({
      imports: [
        ProtocolsModule.forRoot({ mqtt: { url: broker.url, protocolVersion: 4 }, logRequests: false }),
        ProtocolBridgeModule.forRoot({
          rules: [{ from: { protocol: 'mqtt', pattern: 'shop/+/orders' }, to: { service: 'orders', pattern: 'orders.create' } }],
          forwarders: new Map([['orders', { send: () => of({ ok: true }) }]]),
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: new OrionLogger({ format: 'tree', level: 'warn', stream, colors: false }) });
    await startProtocols(app);
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    await broker?.close();
  });

  it(`should write a few escaped lines for ${JUNK} junk messages on a topic with control characters, and count them all`, async () => {
    const server = app
      .getMicroservices()
      .map((m) => (m as unknown as { serverInstance: unknown }).serverInstance)
      .find((s): s is MqttServer => s instanceof MqttServer)!;
    const before = server.droppedMessages;
    // `+` matches any level: the topic carries "clear screen", a red colour and a fake log line.
    const topic = `shop/${ESC}[2J${ESC}[31mpwned\r\n[2026-01-01T00:00:00.000Z] INFO | fake/orders`;
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    try {
      for (let i = 0; i < JUNK; i++) client.publish(topic, 'not json, no id');
      await eventually(() => server.droppedMessages - before >= JUNK, 60_000, `${JUNK} dropped messages`);
    } finally {
      await client.endAsync();
    }
    // The first line at once, the rest summed up once the quiet period ends (10 s).
    await eventually(() => /more like it not logged/.test(stream.text()), 30_000, 'the summary line of the suppressed warnings');
    const lines = stream.entries.filter((entry) => entry.includes('dropped MQTT message'));
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(stream.text()).toMatch(new RegExp(`and ${JUNK - 2} more like it not logged`));
    // No raw escape or carriage return from the topic reaches the stream; the escapes are visible.
    expect(stream.text()).not.toContain(ESC);
    expect(stream.text()).not.toContain('\r');
    expect(stream.text()).toContain('\\x1b[2J\\x1b[31mpwned\\x0d\\x0a[2026');
    expect(stream.text()).not.toMatch(/^\[2026-01-01T00:00:00\.000Z\] INFO/m);
  }, 120_000);
});

@Controller()
class ShopController {
  @Endpoint('orders.create', { protocols: ['http'], http: { method: 'POST', path: '/api/orders' } })
  create() {
    return { created: true };
  }

  @Endpoint('orders.list', { protocols: ['http'], http: { method: 'GET', path: '/api/orders' } })
  list() {
    return [];
  }
}

@Module({ controllers: [ShopController], providers: [{ provide: APP_GUARD, useClass: SameOriginGuard }] })
class GuardedShopModule {}

/** One HTTP request with exactly these headers (fetch would not let us set Host). */
function send(port: number, method: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path: '/api/orders', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(method === 'GET' ? undefined : '{}');
  });
}

describe("hostile origins: the demo gateway's state-changing routes refuse foreign Origin and Host", () => {
  let app: INestApplication;
  let addresses: BoundAddresses;
  let port: number;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ProtocolsModule.forRoot({ http: { port: 0 }, ws: {}, logRequests: false }), GuardedShopModule],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    addresses = await startProtocols(app);
    port = addresses.http!.port;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('should serve same-origin browsers and callers without Origin', async () => {
    expect((await send(port, 'POST', { host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await send(port, 'POST', { host: `localhost:${port}`, origin: `http://localhost:${port}` })).status).toBe(200);
    expect((await send(port, 'POST', { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('should refuse a foreign Origin, a foreign Host (DNS rebinding) and cross-site fetches with 403 PERMISSION_DENIED', async () => {
    const cases: Array<Record<string, string>> = [
      { host: `127.0.0.1:${port}`, origin: 'http://evil.example' },
      { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port + 1}` },
      { host: `127.0.0.1:${port}`, origin: 'null' },
      { host: `evil.example:${port}` },
      { host: `evil.example:${port}`, origin: `http://evil.example:${port}` },
      { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of cases) {
      const res = await send(port, 'POST', headers);
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
      expect(JSON.parse(res.body)).toMatchObject({ code: 'PERMISSION_DENIED' });
    }
  });

  it('should leave safe methods alone', async () => {
    expect((await send(port, 'GET', { host: `127.0.0.1:${port}`, origin: 'http://evil.example' })).status).toBe(200);
  });

  it('should refuse a WebSocket upgrade from a foreign page (403), and take same-origin and non-browser ones', async () => {
    const url = addresses.ws!.url!;
    const statuses: Record<string, number> = {};
    for (const [name, headers] of [
      ['foreign', { Origin: 'http://evil.example' }],
      ['null', { Origin: 'null' }],
      ['same', { Origin: `http://127.0.0.1:${port}` }],
      ['none', {}],
    ] as const) {
      const socket = await RawWebSocket.open(url, headers);
      statuses[name] = socket.status;
      socket.close();
    }
    expect(statuses).toEqual({ foreign: 403, null: 403, same: 101, none: 101 });
  });
});
