// Tracing across protocols (issue 16, part 3).
// 1. Real processes: gateway (HTTP) -> orders over TCP -> inventory over gRPC, and orders ->
//    subscriber over MQTT (a Mosquitto started here, MQTT 5 user properties; the embedded aedes
//    broker and MQTT 3.1.1 envelope headers where Mosquitto is not installed), each a child process
//    (test/fixtures/tracing-node.ts) with its own SDK and in-memory exporter reporting its
//    finished spans on stdout: one trace, every span parented on the right one.
// 2. In this process (its own SDK): a retried balanced attempt is two CLIENT spans on two
//    instances; and each of the six protocols carries a traceparent sent by a raw client.
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { Endpoint, ProtocolError, ProtocolsModule, startEmbeddedMqttBroker, startProtocols, type BoundAddresses } from '@orion/protocols';
import {
  BalancedClientsModule,
  createRegistry,
  InjectBalancedClient,
  InstanceRegistrar,
  ServiceDiscoveryModule,
  type BalancedClientProxy,
} from '@orion/discovery';
import { ChildApp, eventually } from './harness/child-app';
import { FrameClient, grpcClient, grpcUnary, RawTcpClient } from './harness/clients';
import { mqttRequest } from './harness/mqtt-clients';
import { RawUdpClient } from './harness/udp-client';
import { findBinary, startMosquitto } from './harness/servers';
import { EchoFixtureModule } from './fixtures/echo.fixture';
import { TracingSpanSink } from './fixtures/tracing-span-sink';

const NODE = join(__dirname, 'fixtures', 'tracing-node.ts');
const MOSQUITTO = findBinary('mosquitto');
/** MQTT 5 (traceparent in user properties) on Mosquitto; aedes speaks 3.1.1 (traceparent in the envelope). */
const MQTT_VERSION = MOSQUITTO ? 5 : 4;

/** A span as a child reports it (test/fixtures/tracing-node.ts). */
interface ReportedSpan {
  role: string;
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  attributes: Record<string, unknown>;
  status: number;
}

describe('tracing across protocols', () => {
  let dir: string;
  let registryUrl: string;
  let broker: { url: string; close(): Promise<void> };
  const sink = new TracingSpanSink();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(sink)] });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-tracing-'));
    registryUrl = `file://${dir}`;
    if (MOSQUITTO) {
      const mosquitto = await startMosquitto(MOSQUITTO);
      broker = { url: mosquitto.url, close: async () => (await mosquitto.stop(), mosquitto.remove()) };
    } else broker = await startEmbeddedMqttBroker();
    console.log(`tracing e2e: MQTT ${MQTT_VERSION} on ${MOSQUITTO ? 'Mosquitto' : 'the embedded aedes broker'}`);
    provider.register();
  });

  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('one request through four processes: HTTP -> TCP -> gRPC, and an MQTT event', () => {
    const apps: Partial<Record<'gateway' | 'orders' | 'inventory' | 'subscriber', ChildApp>> = {};

    beforeAll(async () => {
      const roles = ['inventory', 'subscriber', 'orders', 'gateway'] as const;
      const started = await Promise.all(
        roles.map((role) =>
          ChildApp.start(NODE, { ROLE: role, REGISTRY_URL: registryUrl, MQTT_URL: broker.url, MQTT_VERSION: String(MQTT_VERSION) }, 60_000),
        ),
      );
      roles.forEach((role, i) => (apps[role] = started[i]));
      const registry = createRegistry(registryUrl);
      try {
        for (const role of roles) {
          await eventually(async () => (await registry.list(role)).some((i) => i.status === 'passing'), 20_000, `${role} registered`);
        }
      } finally {
        await registry.close();
      }
    }, 120_000);

    afterAll(async () => {
      const running = Object.values(apps);
      for (const app of running) app.kill('SIGKILL');
      await Promise.all(running.map((app) => app.exited));
    });

    const spanOf = async (app: ChildApp, what: string, match: (span: ReportedSpan) => boolean): Promise<ReportedSpan> =>
      (await app
        .waitFor((e) => e.event === 'span' && match(e as unknown as ReportedSpan), 20_000)
        .catch((error: Error) => {
          throw new Error(`${what}: ${error.message}`);
        })) as unknown as ReportedSpan;

    it('gives one trace with every span parented on the span that caused it', async () => {
      const response = await fetch(`${apps.gateway!.ready.addresses.http.url}/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'sku-1' }),
      });
      expect(await response.json()).toEqual({ order: 'o-1', reserved: 'sku-1' });
      await apps.subscriber!.waitFor((e) => e.event === 'received' && e.sku === 'sku-1', 20_000);

      const httpServer = await spanOf(apps.gateway!, 'http server', (s) => s.name === 'http checkout' && s.kind === SpanKind.SERVER);
      const traceId = httpServer.traceId;
      const inTrace = (s: ReportedSpan) => s.traceId === traceId;
      const tcpAttempt = await spanOf(apps.gateway!, 'tcp attempt', (s) => inTrace(s) && s.kind === SpanKind.CLIENT);
      const tcpServer = await spanOf(apps.orders!, 'tcp server', (s) => inTrace(s) && s.name === 'tcp orders.create');
      const grpcAttempt = await spanOf(apps.orders!, 'grpc attempt', (s) => inTrace(s) && s.kind === SpanKind.CLIENT);
      const grpcServer = await spanOf(apps.inventory!, 'grpc server', (s) => inTrace(s) && s.name === 'grpc inventory.reserve');
      const producer = await spanOf(apps.orders!, 'mqtt producer', (s) => inTrace(s) && s.kind === SpanKind.PRODUCER);
      const consumer = await spanOf(apps.subscriber!, 'mqtt consumer', (s) => inTrace(s) && s.name === 'mqtt orders.created');

      // The chain: http server -> client attempt -> tcp server -> client attempt -> grpc server.
      expect(httpServer.parentSpanId).toBeNull();
      expect(tcpAttempt.parentSpanId).toBe(httpServer.spanId);
      expect(tcpServer.parentSpanId).toBe(tcpAttempt.spanId);
      expect(grpcAttempt.parentSpanId).toBe(tcpServer.spanId);
      expect(grpcServer.parentSpanId).toBe(grpcAttempt.spanId);
      // The event: producer attempt under the orders handler, consumer under the producer.
      expect(producer.parentSpanId).toBe(tcpServer.spanId);
      expect(consumer.parentSpanId).toBe(producer.spanId);
      expect(consumer.kind).toBe(SpanKind.CONSUMER);
      expect(tcpServer.kind).toBe(SpanKind.SERVER);
      expect(grpcServer.kind).toBe(SpanKind.SERVER);

      expect(tcpAttempt).toMatchObject({
        name: 'tcp orders.create',
        attributes: {
          'orion.service': 'orders',
          'orion.instance.id': apps.orders!.ready.instanceId,
          'network.protocol.name': 'tcp',
          'orion.attempt': 1,
          'orion.outcome': 'served',
        },
      });
      expect(grpcAttempt.attributes).toMatchObject({ 'orion.instance.id': apps.inventory!.ready.instanceId, 'rpc.system': 'grpc' });
      expect(producer.attributes).toMatchObject({ 'orion.instance.id': apps.subscriber!.ready.instanceId, 'rpc.system': 'mqtt' });
      expect(httpServer.attributes).toMatchObject({ 'rpc.system': 'http', 'orion.pattern': 'checkout', 'orion.service': 'gateway' });
    });
  });

  describe('in this process', () => {
    @Controller()
    class StockController {
      constructor(private readonly registrar: InstanceRegistrar) {}

      @Endpoint('stock.check', { protocols: ['tcp'] })
      check() {
        if (process.env.TRACING_BROKEN_INSTANCE === this.registrar.instanceId) throw ProtocolError.unavailable('this instance is down');
        return { id: this.registrar.instanceId };
      }
    }

    @Injectable()
    class Caller {
      constructor(@InjectBalancedClient('stock') readonly stock: BalancedClientProxy) {}
    }

    const stockApps: INestApplication[] = [];
    let caller: INestApplication;

    async function startStock(): Promise<INestApplication> {
      const moduleRef = await Test.createTestingModule({
        imports: [
          ProtocolsModule.forRoot({ tcp: { port: 0 }, serviceName: 'stock', logRequests: false }),
          ServiceDiscoveryModule.forRoot({ service: { name: 'stock' }, registry: registryUrl, ttlMs: 3000 }),
        ],
        controllers: [StockController],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await startProtocols(app);
      stockApps.push(app);
      return app;
    }

    afterAll(async () => {
      await caller?.close();
      for (const app of stockApps) await app.close();
      delete process.env.TRACING_BROKEN_INSTANCE;
    });

    it('shows a retried attempt as two CLIENT spans on two instances, children of the active span', async () => {
      const [broken, healthy] = [await startStock(), await startStock()];
      const brokenId = broken.get(InstanceRegistrar).instanceId;
      const healthyId = healthy.get(InstanceRegistrar).instanceId;
      process.env.TRACING_BROKEN_INSTANCE = brokenId;
      const moduleRef = await Test.createTestingModule({
        imports: [
          ServiceDiscoveryModule.forRoot({ service: { name: 'caller' }, registry: registryUrl, shouldRegister: false }),
          BalancedClientsModule.register([
            {
              service: 'stock',
              transport: 'tcp',
              strategy: 'round-robin',
              metrics: false,
              timeoutMs: 10_000,
              retry: { isIdempotent: true, minRetriesPerSecond: 50 },
            },
          ]),
        ],
        providers: [Caller],
      }).compile();
      caller = moduleRef.createNestApplication({ logger: false });
      await caller.init();
      const client = caller.get(Caller).stock;
      await client.connect();
      await eventually(() => client.stats().instances.length === 2, 20_000, 'caller sees both stock instances');

      // Round robin starts one of two consecutive calls on the broken instance: that one retries.
      // (Up to four calls, in case the picker is rebuilt between two of them.)
      const tracer = trace.getTracer('tracing-e2e');
      const attemptsUnder = (root: string) =>
        sink.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT && s.parentSpanContext?.spanId === root);
      let retried: ReadableSpan[] | undefined;
      for (let i = 0; i < 4 && retried === undefined; i++) {
        const root = await tracer.startActiveSpan('caller', async (span) => {
          expect(await lastValueFrom(client.send('stock.check', {}))).toEqual({ id: healthyId });
          span.end();
          return span.spanContext().spanId;
        });
        // The attempt spans end before the call's reply reaches the caller, the root after it.
        if (attemptsUnder(root).length === 2) retried = attemptsUnder(root);
      }
      expect(retried).toBeDefined();
      const [first, second] = [...retried!].sort((a, b) => Number(a.attributes['orion.attempt']) - Number(b.attributes['orion.attempt']));
      expect(first.attributes).toMatchObject({
        'orion.instance.id': brokenId,
        'orion.attempt': 1,
        'orion.outcome': 'failed',
        'orion.error_code': 'UNAVAILABLE',
      });
      expect(first.status.code).toBe(2);
      expect(second.attributes).toMatchObject({ 'orion.instance.id': healthyId, 'orion.attempt': 2, 'orion.outcome': 'served' });
      // Each attempt's own context went out with it: each server span is the child of its attempt.
      for (const attempt of [first, second]) {
        const server = await sink.waitFor(
          (s) => s.kind === SpanKind.SERVER && s.parentSpanContext?.spanId === attempt.spanContext().spanId,
          `server span of attempt ${String(attempt.attributes['orion.attempt'])}`,
        );
        expect(server.name).toBe('tcp stock.check');
      }
    }, 60_000);

    describe('every protocol carries traceparent', () => {
      let app: INestApplication;
      let addresses: BoundAddresses;
      const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
      /** A distinct caller span id per protocol: the server span of that call must name it as its parent. */
      const spanIdFor = (n: number) => `b7ad6b71692033${n.toString(16).padStart(2, '0')}`;
      const traceparentFor = (n: number) => `00-${TRACE_ID}-${spanIdFor(n)}-01`;

      beforeAll(async () => {
        const moduleRef = await Test.createTestingModule({
          imports: [
            EchoFixtureModule.with({
              http: { port: 0 },
              ws: {},
              tcp: { port: 0 },
              udp: { port: 0 },
              grpc: { port: 0 },
              mqtt: { url: broker.url, protocolVersion: MQTT_VERSION },
            }),
          ],
        }).compile();
        app = moduleRef.createNestApplication({ logger: false });
        addresses = await startProtocols(app);
      }, 60_000);

      afterAll(async () => {
        await app?.close();
      });

      const serverSpanOf = (protocol: string, n: number): Promise<ReadableSpan> =>
        sink.waitFor(
          (s) => s.name === `${protocol} echo` && s.parentSpanContext?.spanId === spanIdFor(n),
          `${protocol} server span with parent ${spanIdFor(n)}`,
        );

      const sends: Array<[string, (traceparent: string) => Promise<unknown>]> = [
        [
          'http',
          async (traceparent) => {
            const res = await fetch(`${addresses.http!.url}/echo`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', traceparent, tracestate: 'orion=e2e' },
              body: JSON.stringify({ text: 'http' }),
            });
            return res.json();
          },
        ],
        [
          'ws',
          async (traceparent) => {
            const ws = await FrameClient.open(addresses.ws!.url);
            try {
              return await ws.request({ id: 'w1', pattern: 'echo', data: { text: 'ws' }, headers: { traceparent } }, 10_000);
            } finally {
              ws.close();
            }
          },
        ],
        [
          'tcp',
          async (traceparent) => {
            const raw = await RawTcpClient.open(addresses.tcp!.port);
            try {
              return await raw.request({ id: 't1', pattern: 'echo', data: { text: 'tcp' }, metadata: { traceparent } }, 10_000);
            } finally {
              raw.close();
            }
          },
        ],
        [
          'udp',
          async (traceparent) => {
            const raw = await RawUdpClient.open(addresses.udp!.port);
            try {
              return await raw.request(
                { v: 1, id: 'u1', pattern: 'echo', data: { text: 'udp' }, headers: { traceparent } },
                { timeoutMs: 10_000 },
              );
            } finally {
              raw.close();
            }
          },
        ],
        [
          'grpc',
          async (traceparent) => {
            const client = grpcClient(addresses.grpc!.protoPath, addresses.grpc!.package, 'Echo', addresses.grpc!.url);
            try {
              const metadata = new grpc.Metadata();
              metadata.set('traceparent', traceparent);
              return await grpcUnary(client, 'Echo', { json: JSON.stringify({ text: 'grpc' }) }, metadata, 10_000);
            } finally {
              client.close();
            }
          },
        ],
        [
          'mqtt',
          (traceparent) =>
            MQTT_VERSION === 5
              ? mqttRequest(
                  broker.url,
                  5,
                  'echo',
                  { id: 'm1', pattern: 'echo', data: { text: 'mqtt' } },
                  { userProperties: { traceparent }, timeoutMs: 10_000 },
                )
              : mqttRequest(
                  broker.url,
                  4,
                  'echo',
                  { id: 'm1', pattern: 'echo', data: { text: 'mqtt' }, metadata: { traceparent } },
                  { timeoutMs: 10_000 },
                ),
        ],
      ];

      it.each(sends.map(([protocol, send], n) => [protocol, n, send] as const))(
        '%s: the server span is the child of the caller span named by traceparent',
        async (protocol, n, send) => {
          await send(traceparentFor(n));
          const span = await serverSpanOf(protocol, n);
          expect(span.spanContext().traceId).toBe(TRACE_ID);
          expect(span.kind).toBe(SpanKind.SERVER);
          expect(span.attributes).toMatchObject({ 'rpc.system': protocol, 'orion.pattern': 'echo' });
          if (protocol === 'http') expect(span.parentSpanContext?.traceState?.serialize()).toBe('orion=e2e');
        },
      );

      it('ignores a malformed traceparent: the request is served and its span starts a new trace', async () => {
        const res = await fetch(`${addresses.http!.url}/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', traceparent: `00-${TRACE_ID.toUpperCase()}-zz-01`, 'x-correlation-id': 'bad-tp' },
          body: JSON.stringify({ text: 'bad' }),
        });
        expect(res.status).toBe(200);
        const span = await sink.waitFor(
          (s) => s.name === 'http echo' && s.parentSpanContext === undefined && s.spanContext().traceId !== TRACE_ID,
          'root http span',
        );
        expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
      });
    });
  });
});
