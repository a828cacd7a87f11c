import 'reflect-metadata';
import * as grpc from '@grpc/grpc-js';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import {
  ProtocolError,
  startEmbeddedMqttBroker,
  startProtocols,
  TcpClient,
  type BoundAddresses,
  type EmbeddedMqttBroker,
} from '@orion/protocols';
import { EchoFixtureModule, Recorder } from './fixtures/echo.fixture';
import { FrameClient, grpcClient, grpcUnary, RawTcpClient } from './harness/clients';
import { mqttRequest, mqttPublish } from './harness/mqtt-clients';

const EXPECTED_CHAIN = ['global:before', 'class:before', 'method:before'];

describe('one @Endpoint over HTTP, WebSocket, TCP, gRPC and MQTT (in-process broker)', () => {
  let app: INestApplication;
  let broker: EmbeddedMqttBroker;
  let addresses: BoundAddresses;
  let recorder: Recorder;

  beforeAll(async () => {
    broker = await startEmbeddedMqttBroker();
    const moduleRef = await Test.createTestingModule({
      imports: [
        EchoFixtureModule.with({
          http: { port: 0 },
          ws: {},
          tcp: { port: 0 },
          grpc: { port: 0 },
          mqtt: { url: broker.url, protocolVersion: 4 },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    addresses = await startProtocols(app);
    recorder = app.get(Recorder);
  });

  afterAll(async () => {
    await app?.close();
    await broker?.close();
  });

  function lastCall() {
    return recorder.calls[recorder.calls.length - 1];
  }

  it('should report every bound address with real ports', () => {
    expect(addresses.http?.port).toBeGreaterThan(0);
    expect(addresses.ws?.url).toBe(`ws://127.0.0.1:${addresses.http?.port}/ws`);
    expect(addresses.tcp?.port).toBeGreaterThan(0);
    expect(addresses.grpc?.port).toBeGreaterThan(0);
    expect(addresses.grpc?.services).toEqual(['Echo']);
  });

  describe('HTTP (fetch)', () => {
    it('should deliver payload, headers and deadline, and run middleware in order', async () => {
      const res = await fetch(`${addresses.http!.url}/echo?extra=q`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-correlation-id': 'corr-http', 'x-orion-timeout-ms': '2000' },
        body: JSON.stringify({ text: 'hi' }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-correlation-id')).toBe('corr-http');
      expect(await res.json()).toEqual({ echoed: { text: 'hi', extra: 'q' }, protocol: 'http', correlationId: 'corr-http' });
      const call = lastCall();
      expect(call.chain).toEqual(EXPECTED_CHAIN);
      expect(call.deadline! - Date.now()).toBeGreaterThan(1000);
    });

    it('should map errors to status codes without leaking internals', async () => {
      const notFound = await fetch(`${addresses.http!.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fail: 'not-found' }),
      });
      expect(notFound.status).toBe(404);
      expect(await notFound.json()).toMatchObject({ code: 'NOT_FOUND', status: 5, message: 'no such thing' });
      const crash = await fetch(`${addresses.http!.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fail: 'crash' }),
      });
      expect(crash.status).toBe(500);
      const text = await crash.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'INTERNAL' });
      expect(text).not.toContain('secret');
    });

    it('should refuse an expired deadline before the handler runs', async () => {
      const before = recorder.calls.length;
      const res = await fetch(`${addresses.http!.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-orion-timeout-ms': '-5' },
        body: JSON.stringify({ text: 'late' }),
      });
      expect(res.status).toBe(504);
      expect(await res.json()).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      expect(recorder.calls.length).toBe(before);
    });

    it('should accept an event with 202', async () => {
      const before = recorder.calls.filter((c) => c.kind === 'event').length;
      const res = await fetch(`${addresses.http!.url}/audit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"n":1}',
      });
      expect(res.status).toBe(202);
      await recorder.waitForEvent(before + 1);
      expect(lastCall()).toMatchObject({ kind: 'event', protocol: 'http', payload: { n: 1 } });
    });
  });

  describe('WebSocket (ws)', () => {
    it('should answer request frames, carry headers and map errors to error frames', async () => {
      const client = await FrameClient.open(addresses.ws!.url);
      try {
        const reply = await client.request({
          id: 'w1',
          pattern: 'echo',
          data: { text: 'ws' },
          headers: { 'x-correlation-id': 'corr-ws', 'x-orion-timeout-ms': '2000' },
        });
        expect(reply).toEqual({ id: 'w1', data: { echoed: { text: 'ws' }, protocol: 'ws', correlationId: 'corr-ws' } });
        expect(lastCall().chain).toEqual(EXPECTED_CHAIN);
        expect(lastCall().deadline).toBeDefined();
        const error = await client.request({ id: 'w2', pattern: 'echo', data: { fail: 'not-found' } });
        expect(error).toMatchObject({ id: 'w2', error: { code: 'NOT_FOUND', message: 'no such thing' } });
        const before = recorder.calls.filter((c) => c.kind === 'event').length;
        client.socket.send(JSON.stringify({ pattern: 'audit', data: { n: 'ws' } }));
        await recorder.waitForEvent(before + 1);
        expect(lastCall()).toMatchObject({ kind: 'event', protocol: 'ws', payload: { n: 'ws' } });
        const unknown = await client.request({ id: 'w3', pattern: 'nope', data: 1 });
        expect(unknown).toMatchObject({ id: 'w3', error: { code: 'NOT_FOUND' } });
      } finally {
        client.close();
      }
    });
  });

  describe('TCP (raw socket and Nest ClientProxy)', () => {
    it('should serve the framing with metadata headers to a raw socket', async () => {
      const raw = await RawTcpClient.open(addresses.tcp!.port);
      try {
        const reply = await raw.request({
          id: 't1',
          pattern: 'echo',
          data: { text: 'tcp' },
          metadata: { 'x-correlation-id': 'corr-tcp', 'x-orion-timeout-ms': '2000' },
        });
        expect(reply).toMatchObject({ id: 't1', response: { echoed: { text: 'tcp' }, protocol: 'tcp', correlationId: 'corr-tcp' } });
        expect(lastCall().chain).toEqual(EXPECTED_CHAIN);
        const error = await raw.request({ id: 't2', pattern: 'echo', data: { fail: 'not-found' } });
        expect(error).toMatchObject({ id: 't2', err: { code: 'NOT_FOUND', message: 'no such thing' } });
      } finally {
        raw.close();
      }
    });

    it('should work with the TcpClient proxy, including events and errors', async () => {
      const client = new TcpClient({ port: addresses.tcp!.port, timeoutMs: 2000 });
      try {
        const reply = await lastValueFrom(client.send('echo', { text: 'proxy' }));
        expect(reply).toMatchObject({ echoed: { text: 'proxy' }, protocol: 'tcp' });
        expect(lastCall().headers['x-orion-timeout-ms']).toBeDefined();
        await expect(lastValueFrom(client.send('echo', { fail: 'crash' }))).rejects.toMatchObject({ code: 'INTERNAL' });
        const before = recorder.calls.filter((c) => c.kind === 'event').length;
        await lastValueFrom(client.emit('audit', { n: 'tcp' }), { defaultValue: undefined });
        await recorder.waitForEvent(before + 1);
        expect(lastCall()).toMatchObject({ kind: 'event', protocol: 'tcp', payload: { n: 'tcp' } });
      } finally {
        await client.close();
      }
    });

    it('should end a call to a dead port with UNAVAILABLE instead of hanging', async () => {
      const client = new TcpClient({ port: 1, timeoutMs: 1000 });
      const error = await lastValueFrom(client.send('echo', {})).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe('UNAVAILABLE');
      await client.close();
    });
  });

  describe('gRPC (grpc-js with the generated .proto)', () => {
    it('should serve the method with metadata, deadline and status codes', async () => {
      const client = grpcClient(addresses.grpc!.protoPath, addresses.grpc!.package, 'Echo', addresses.grpc!.url);
      try {
        const metadata = new grpc.Metadata();
        metadata.set('x-correlation-id', 'corr-grpc');
        const ok = await grpcUnary(client, 'Echo', { json: JSON.stringify({ text: 'grpc' }) }, metadata);
        expect(JSON.parse(String(ok.reply!.json))).toEqual({ echoed: { text: 'grpc' }, protocol: 'grpc', correlationId: 'corr-grpc' });
        expect(lastCall().chain).toEqual(EXPECTED_CHAIN);
        expect(lastCall().deadline! - Date.now()).toBeGreaterThan(1000);
        const notFound = await grpcUnary(client, 'Echo', { json: JSON.stringify({ fail: 'not-found' }) });
        expect(notFound.error?.code).toBe(grpc.status.NOT_FOUND);
        expect(notFound.error?.details).toBe('no such thing');
        const crash = await grpcUnary(client, 'Echo', { json: JSON.stringify({ fail: 'crash' }) });
        expect(crash.error?.code).toBe(grpc.status.INTERNAL);
        expect(crash.error?.details).not.toContain('secret');
        const before = recorder.calls.filter((c) => c.kind === 'event').length;
        const event = await grpcUnary(client, 'Audit', { json: '{"n":"grpc"}' });
        expect(event.error).toBeUndefined();
        await recorder.waitForEvent(before + 1);
        expect(lastCall()).toMatchObject({ kind: 'event', protocol: 'grpc', payload: { n: 'grpc' } });
      } finally {
        client.close();
      }
    });
  });

  describe('MQTT 3.1.1 (mqtt.js through the in-process broker)', () => {
    it('should answer on <topic>/reply with envelope headers, and map errors', async () => {
      const reply = await mqttRequest(broker.url, 4, 'echo', {
        id: 'm1',
        pattern: 'echo',
        data: { text: 'mqtt' },
        metadata: { 'x-correlation-id': 'corr-mqtt' },
      });
      expect(reply).toMatchObject({ id: 'm1', response: { echoed: { text: 'mqtt' }, protocol: 'mqtt', correlationId: 'corr-mqtt' } });
      expect(lastCall().chain).toEqual(EXPECTED_CHAIN);
      const error = await mqttRequest(broker.url, 4, 'echo', { id: 'm2', pattern: 'echo', data: { fail: 'not-found' } });
      expect(error).toMatchObject({ id: 'm2', err: { code: 'NOT_FOUND' } });
      const before = recorder.calls.filter((c) => c.kind === 'event').length;
      await mqttPublish(broker.url, 4, 'audit', { pattern: 'audit', data: { n: 'mqtt' } });
      await recorder.waitForEvent(before + 1);
      expect(lastCall()).toMatchObject({ kind: 'event', protocol: 'mqtt', payload: { n: 'mqtt' } });
    });
  });
});
