import 'reflect-metadata';
import { Controller, Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BRIDGED_FROM_HEADER,
  Endpoint,
  EventEndpoint,
  Msg,
  MsgContext,
  ProtocolBridgeModule,
  ProtocolError,
  ProtocolsModule,
  startEmbeddedMqttBroker,
  startProtocols,
  type BoundAddresses,
  type EmbeddedMqttBroker,
  type ProtocolMessage,
  type ProtocolsModuleOptions,
} from '@orion/protocols';
import { BalancedClientsModule, createRegistry, getBalancedClientToken, ServiceDiscoveryModule } from '@orion/discovery';
import { eventually } from './harness/child-app';
import { mqttPublish, mqttRequest } from './harness/mqtt-clients';

const REGISTRY = `memory://bridge-e2e-${process.pid}`;

/** What the target services saw. */
@Injectable()
class Seen {
  readonly calls: Array<{ service: string; pattern: string; payload: unknown; headers: Record<string, string>; budgetMs?: number }> = [];

  record(service: string, msg: ProtocolMessage) {
    const budgetMs = msg.deadline === undefined ? undefined : msg.deadline - msg.receivedAt;
    this.calls.push({ service, pattern: msg.pattern, payload: msg.payload, headers: { ...msg.headers }, budgetMs });
  }

  last(service: string) {
    return [...this.calls].reverse().find((c) => c.service === service);
  }
}

@Controller()
class TelemetryController {
  constructor(private readonly seen: Seen) {}

  @Endpoint('telemetry.ingest')
  ingest(@Msg() reading: { celsius?: unknown }, @MsgContext() msg: ProtocolMessage) {
    this.seen.record('telemetry', msg);
    if (typeof reading?.celsius !== 'number') throw ProtocolError.invalidArgument('celsius must be a number', { got: reading?.celsius });
    return { stored: true, celsius: reading.celsius, via: msg.protocol };
  }

  @EventEndpoint('telemetry.status')
  status(@MsgContext() msg: ProtocolMessage) {
    this.seen.record('telemetry', msg);
  }
}

@Controller()
class OrdersController {
  constructor(private readonly seen: Seen) {}

  @Endpoint('orders.create')
  async create(@Msg() order: { sku?: string; slowMs?: number }, @MsgContext() msg: ProtocolMessage) {
    this.seen.record('orders', msg);
    if (order.slowMs) await new Promise((r) => setTimeout(r, order.slowMs));
    if (order.sku === 'missing') throw ProtocolError.notFound(`no such sku '${order.sku}'`, { sku: order.sku });
    return { orderId: `o-${order.sku}`, via: msg.protocol };
  }

  @Endpoint('orders.get')
  get(@Msg() req: { id: string }, @MsgContext() msg: ProtocolMessage) {
    this.seen.record('orders', msg);
    return { id: req.id };
  }
}

/** One in-process service on the shared memory registry. */
async function startService(name: string, controller: new (...args: never[]) => unknown, protocols: ProtocolsModuleOptions) {
  @Module({
    imports: [
      ProtocolsModule.forRoot({ ...protocols, logRequests: false, metrics: false }),
      ServiceDiscoveryModule.forRoot({ service: { name }, registry: REGISTRY, ttlMs: 3000 }),
    ],
    controllers: [controller],
    providers: [Seen],
  })
  class ServiceModule {}
  const moduleRef = await Test.createTestingModule({ imports: [ServiceModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await startProtocols(app);
  return app;
}

describe('protocol bridge: MQTT -> gRPC and HTTP -> TCP through balanced clients', () => {
  let broker: EmbeddedMqttBroker;
  let telemetry: INestApplication;
  let orders: INestApplication;
  let gateway: INestApplication;
  let addresses: BoundAddresses;

  beforeAll(async () => {
    broker = await startEmbeddedMqttBroker();
    telemetry = await startService('telemetry', TelemetryController, { grpc: {} });
    orders = await startService('orders', OrdersController, { tcp: {} });
    const registry = createRegistry(REGISTRY);
    await eventually(
      async () => (await registry.list('telemetry')).length === 1 && (await registry.list('orders')).length === 1,
      5000,
      'targets',
    );
    await registry.close();

    const moduleRef = await Test.createTestingModule({
      imports: [
        ProtocolsModule.forRoot({ http: {}, mqtt: { url: broker.url, protocolVersion: 4 }, logRequests: false }),
        ServiceDiscoveryModule.forRoot({ service: { name: 'gateway' }, registry: REGISTRY, shouldRegister: false }),
        BalancedClientsModule.register([
          { service: 'telemetry', transport: 'grpc', metrics: false },
          { service: 'orders', transport: 'tcp', metrics: false },
        ]),
        ProtocolBridgeModule.forRoot({
          rules: [
            { from: { protocol: 'mqtt', pattern: 'sensors/+/reading' }, to: { service: 'telemetry', pattern: 'telemetry.ingest' } },
            { from: { protocol: 'mqtt', pattern: 'plant/+/+' }, to: { service: 'telemetry', pattern: 'telemetry.{2}' }, isEvent: true },
            { from: { protocol: 'http', pattern: 'POST /orders' }, to: { service: 'orders', pattern: 'orders.create', timeoutMs: 1500 } },
            { from: { protocol: 'http', pattern: 'GET /orders/:id' }, to: { service: 'orders', pattern: 'orders.get' } },
          ],
          targets: { telemetry: getBalancedClientToken('telemetry'), orders: getBalancedClientToken('orders') },
        }),
      ],
    }).compile();
    gateway = moduleRef.createNestApplication({ logger: false });
    addresses = await startProtocols(gateway);
  }, 30_000);

  afterAll(async () => {
    await gateway?.close();
    await telemetry?.close();
    await orders?.close();
    await broker?.close();
  });

  const seenBy = (app: INestApplication) => app.get(Seen);

  describe('MQTT sensors/+/reading -> telemetry over gRPC', () => {
    it('should forward payload, correlation id and the remaining deadline, and reply on MQTT', async () => {
      const reply = await mqttRequest(broker.url, 4, 'sensors/42/reading', {
        id: 'r1',
        pattern: 'sensors/42/reading',
        data: { celsius: 21.5 },
        metadata: { 'x-correlation-id': 'corr-mqtt-1', 'x-orion-timeout-ms': '2500', 'x-tenant': 'acme' },
      });
      expect(reply).toMatchObject({ id: 'r1', response: { stored: true, celsius: 21.5, via: 'grpc' } });
      const call = seenBy(telemetry).last('telemetry')!;
      expect(call.payload).toEqual({ celsius: 21.5 });
      expect(call.headers).toMatchObject({
        'x-correlation-id': 'corr-mqtt-1',
        'x-tenant': 'acme',
        [BRIDGED_FROM_HEADER]: 'mqtt sensors/42/reading',
      });
      // The target's budget is what was left of the caller's 2500 ms, not the rule's default 5000.
      expect(call.budgetMs).toBeGreaterThan(1500);
      expect(call.budgetMs).toBeLessThanOrEqual(2500);
    });

    it("should answer the target's error as an MQTT error reply", async () => {
      const reply = await mqttRequest(broker.url, 4, 'sensors/7/reading', {
        id: 'r2',
        pattern: 'sensors/7/reading',
        data: { celsius: 'hot' },
        metadata: { 'x-correlation-id': 'corr-mqtt-2' },
      });
      expect(reply).toMatchObject({
        id: 'r2',
        err: {
          code: 'INVALID_ARGUMENT',
          status: 3,
          message: 'celsius must be a number',
          details: { got: 'hot' },
          correlationId: 'corr-mqtt-2',
        },
      });
    });

    it('should forward MQTT events (no id) and fill {n} placeholders from wildcard levels', async () => {
      const before = seenBy(telemetry).calls.length;
      await mqttPublish(broker.url, 4, 'plant/boiler-3/status', { pattern: 'plant/boiler-3/status', data: { ok: true } });
      await eventually(() => seenBy(telemetry).calls.length > before, 5000, 'status event forwarded');
      const call = seenBy(telemetry).last('telemetry')!;
      expect(call).toMatchObject({ pattern: 'telemetry.status', payload: { ok: true } });
      expect(call.headers[BRIDGED_FROM_HEADER]).toBe('mqtt plant/boiler-3/status');
    });
  });

  describe('HTTP POST /orders -> orders over TCP', () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${addresses.http!.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

    it('should forward payload and headers, cut the deadline to the rule timeout, and reply 200', async () => {
      const res = await post({ sku: 'a-1' }, { 'x-correlation-id': 'corr-http-1', 'x-orion-timeout-ms': '4000', cookie: 'session=secret' });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-correlation-id')).toBe('corr-http-1');
      expect(await res.json()).toEqual({ orderId: 'o-a-1', via: 'tcp' });
      const call = seenBy(orders).last('orders')!;
      expect(call.payload).toEqual({ sku: 'a-1' });
      expect(call.headers).toMatchObject({ 'x-correlation-id': 'corr-http-1', [BRIDGED_FROM_HEADER]: 'http POST /orders' });
      expect(call.headers.cookie).toBeUndefined();
      expect(call.budgetMs).toBeGreaterThan(500);
      expect(call.budgetMs).toBeLessThanOrEqual(1500);
    });

    it("should answer the target's error with its HTTP status and Orion's JSON error body", async () => {
      const res = await post({ sku: 'missing' }, { 'x-correlation-id': 'corr-http-2' });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        code: 'NOT_FOUND',
        status: 5,
        message: "no such sku 'missing'",
        details: { sku: 'missing' },
        correlationId: 'corr-http-2',
      });
    });

    it("should fail with 504 when the target outlives the caller's deadline", async () => {
      const started = Date.now();
      const res = await post({ sku: 'slow', slowMs: 800 }, { 'x-orion-timeout-ms': '200' });
      expect(res.status).toBe(504);
      expect(await res.json()).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      expect(Date.now() - started).toBeLessThan(700);
    });

    it('should pass path parameters in the payload', async () => {
      const res = await fetch(`${addresses.http!.url}/orders/o-9`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: 'o-9' });
      expect(seenBy(orders).last('orders')!.headers[BRIDGED_FROM_HEADER]).toBe('http GET /orders/o-9');
    });
  });
});
