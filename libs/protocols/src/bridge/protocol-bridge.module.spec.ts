import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom, of, throwError, type Observable } from 'rxjs';
import { ProtocolsModule } from '../protocols.module';
import { startProtocols } from '../start-protocols';
import { ProtocolError } from '../errors/protocol.error';
import { GrpcClient } from '../transports/grpc/grpc.client';
import { TcpClient } from '../transports/tcp/tcp.client';
import { UdpClient } from '../transports/udp/udp.client';
import { WsClient } from '../transports/ws/ws.client';
import { BRIDGE_FORWARDER } from './bridge.constants';
import type { BridgeCallOptions, BridgeForwarder } from './bridge.options';
import { BridgeTargetMissingError } from './errors/bridge-target-missing.error';
import { ProtocolBridge } from './protocol-bridge';
import { ProtocolBridgeModule } from './protocol-bridge.module';

/** A forwarder that answers from a function and records the calls. */
class FakeForwarder implements BridgeForwarder {
  readonly calls: Array<{ kind: string; pattern: string; data: unknown; options: BridgeCallOptions }> = [];

  constructor(private readonly answer: (pattern: string, data: unknown) => Observable<unknown>) {}

  send(pattern: string, data: unknown, options: BridgeCallOptions) {
    this.calls.push({ kind: 'send', pattern, data, options });
    return this.answer(pattern, data);
  }

  emit(pattern: string, data: unknown, options: BridgeCallOptions) {
    this.calls.push({ kind: 'emit', pattern, data, options });
    return of(undefined);
  }
}

describe(ProtocolBridgeModule.name, () => {
  describe('forRoot', () => {
    it('should serve TCP rules through a Map of forwarders, with send for requests and emit for events', async () => {
      const forwarder = new FakeForwarder((pattern, data) =>
        pattern === 'fail' ? throwError(() => new ProtocolError('ALREADY_EXISTS', 'exists', { data })) : of({ pattern, data }),
      );
      const moduleRef = await Test.createTestingModule({
        imports: [
          ProtocolsModule.forRoot({ tcp: {}, logRequests: false }),
          ProtocolBridgeModule.forRoot({
            rules: [
              { from: { protocol: 'tcp', pattern: 'in.ok' }, to: { service: 'fake', pattern: 'out.ok', timeoutMs: 700 } },
              { from: { protocol: 'tcp', pattern: 'in.fail' }, to: { service: 'fake', pattern: 'fail' } },
              { from: { protocol: 'tcp', pattern: 'in.event' }, to: { service: 'fake' }, isEvent: true },
            ],
            forwarders: new Map([['fake', forwarder]]),
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      const { tcp } = await startProtocols(app);
      const client = new TcpClient({ host: tcp!.host, port: tcp!.port });
      try {
        expect(await lastValueFrom(client.send('in.ok', { n: 1 }, { headers: { 'x-correlation-id': 'c-1' } }))).toEqual({
          pattern: 'out.ok',
          data: { n: 1 },
        });
        expect(forwarder.calls[0]).toMatchObject({
          kind: 'send',
          options: { headers: { 'x-correlation-id': 'c-1', 'x-orion-bridged-from': 'tcp in.ok' } },
        });
        // The client's 5 s budget is longer than the rule's 700 ms.
        expect(forwarder.calls[0].options.timeoutMs).toBe(700);
        await expect(lastValueFrom(client.send('in.fail', {}))).rejects.toMatchObject({ code: 'ALREADY_EXISTS', details: { data: {} } });
        await lastValueFrom(client.emit('in.event', { e: 1 }));
        await new Promise((r) => setTimeout(r, 100));
        expect(forwarder.calls.at(-1)).toMatchObject({ kind: 'emit', pattern: 'in.event', data: { e: 1 } });
        expect(app.get(ProtocolBridge).describe()).toHaveLength(3);
        expect(app.get(BRIDGE_FORWARDER).get('fake')).toBe(forwarder);
      } finally {
        await client.close();
        await app.close();
      }
    });

    it('should serve rules from gRPC, WebSocket and UDP, each on its own protocol only', async () => {
      const forwarder = new FakeForwarder((pattern, data) => of({ pattern, data }));
      const moduleRef = await Test.createTestingModule({
        imports: [
          ProtocolsModule.forRoot({ grpc: {}, ws: {}, udp: {}, logRequests: false }),
          ProtocolBridgeModule.forRoot({
            rules: [
              { from: { protocol: 'grpc', pattern: 'in.grpc' }, to: { service: 'fake', pattern: 'out.grpc' } },
              { from: { protocol: 'ws', pattern: 'in.ws' }, to: { service: 'fake', pattern: 'out.ws' } },
              { from: { protocol: 'udp', pattern: 'in.udp' }, to: { service: 'fake', pattern: 'out.udp' } },
            ],
            forwarders: new Map([['fake', forwarder]]),
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      const addresses = await startProtocols(app);
      expect(addresses.grpc?.methods).toEqual({ 'in.grpc': { service: 'Bridge', method: 'InGrpc' } });
      const grpc = new GrpcClient({ url: addresses.grpc!.url, methods: addresses.grpc!.methods });
      const ws = new WsClient({ url: addresses.ws!.url });
      const udp = new UdpClient({ host: addresses.udp!.host, port: addresses.udp!.port });
      try {
        expect(await lastValueFrom(grpc.send('in.grpc', { g: 1 }))).toEqual({ pattern: 'out.grpc', data: { g: 1 } });
        expect(await lastValueFrom(ws.send('in.ws', { w: 1 }))).toEqual({ pattern: 'out.ws', data: { w: 1 } });
        expect(await lastValueFrom(udp.send('in.udp', { u: 1 }))).toEqual({ pattern: 'out.udp', data: { u: 1 } });
        await expect(lastValueFrom(ws.send('in.udp', {}))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      } finally {
        await Promise.all([grpc.close(), ws.close(), udp.close()]);
        await app.close();
      }
    });

    it('should fail startup, naming the service, when a target has no forwarder', async () => {
      @Module({ providers: [{ provide: 'OTHER', useValue: new FakeForwarder(() => of(null)) }], exports: ['OTHER'] })
      class OtherModule {}
      const moduleRef = await Test.createTestingModule({
        imports: [
          ProtocolsModule.forRoot({ tcp: {}, logRequests: false }),
          OtherModule,
          ProtocolBridgeModule.forRoot({
            rules: [{ from: { protocol: 'tcp', pattern: 'x' }, to: { service: 'orders' } }],
            targets: { other: 'OTHER' },
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await expect(app.init()).rejects.toThrow(BridgeTargetMissingError);
      await expect(app.init()).rejects.toThrow(/no forwarder for target service 'orders' \(targets: other\)/);
      await app.close();
    });

    it('should fail startup when a target token resolves to nothing', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          ProtocolsModule.forRoot({ tcp: {}, logRequests: false }),
          ProtocolBridgeModule.forRoot({
            rules: [{ from: { protocol: 'tcp', pattern: 'x' }, to: { service: 'orders' } }],
            targets: { orders: 'DISCOVERY:CLIENT(orders)' },
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await expect(app.init()).rejects.toThrow(/nothing is provided for DISCOVERY:CLIENT\(orders\)/);
      await app.close();
    });
  });
});
