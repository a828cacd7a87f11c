import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { startProtocols } from '@orion/protocols';
import { EchoFixtureModule, Recorder } from './fixtures/echo.fixture';
import { mqttPublish, mqttRequest } from './harness/mqtt-clients';
import { requireServerBinary, startMosquitto, type ManagedServer } from './harness/servers';

const mosquitto = requireServerBinary('mosquitto');
const describeWithMosquitto = mosquitto ? describe : describe.skip;

describeWithMosquitto('one @Endpoint over MQTT 5 through a real Mosquitto (skipped without mosquitto)', () => {
  let broker: ManagedServer & { remove(): void };
  let app: INestApplication;
  let recorder: Recorder;

  beforeAll(async () => {
    broker = await startMosquitto(mosquitto!);
    const moduleRef = await Test.createTestingModule({ imports: [EchoFixtureModule.with({ mqtt: { url: broker.url } })] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await startProtocols(app);
    recorder = app.get(Recorder);
  });

  afterAll(async () => {
    await app?.close();
    await broker?.stop();
    broker?.remove();
  });

  it('should answer on the response topic with correlation data, reading user properties as headers', async () => {
    const reply = await mqttRequest(
      broker.url,
      5,
      'echo',
      { id: 'q1', pattern: 'echo', data: { text: 'v5' } },
      {
        userProperties: { 'x-correlation-id': 'corr-v5', 'x-orion-timeout-ms': '2000' },
      },
    );
    expect(reply).toMatchObject({
      id: 'q1',
      correlationData: 'q1',
      response: { echoed: { text: 'v5' }, protocol: 'mqtt', correlationId: 'corr-v5' },
    });
    const call = recorder.calls[recorder.calls.length - 1];
    expect(call.chain).toEqual(['global:before', 'class:before', 'method:before']);
    expect(call.deadline! - Date.now()).toBeGreaterThan(1000);
  });

  it('should send handler errors as RPC error objects', async () => {
    const reply = await mqttRequest(broker.url, 5, 'echo', { id: 'q2', pattern: 'echo', data: { fail: 'crash' } });
    expect(reply).toMatchObject({ id: 'q2', err: { code: 'INTERNAL' } });
    expect(JSON.stringify(reply)).not.toContain('secret');
  });

  it('should refuse a payload that is no envelope with INVALID_ARGUMENT on the response topic', async () => {
    const client = await import('mqtt').then((m) => m.default.connectAsync(broker.url, { protocolVersion: 5 }));
    try {
      await client.subscribeAsync('bad/replies');
      const reply = new Promise<Record<string, unknown>>((resolve) => client.on('message', (_t, p) => resolve(JSON.parse(p.toString()))));
      await client.publishAsync('echo', 'not json at all', { properties: { responseTopic: 'bad/replies' } });
      expect(await reply).toMatchObject({ err: { code: 'INVALID_ARGUMENT' } });
    } finally {
      await client.endAsync();
    }
  });

  it('should deliver events with their user properties', async () => {
    const before = recorder.calls.filter((c) => c.kind === 'event').length;
    await mqttPublish(broker.url, 5, 'audit', { pattern: 'audit', data: { n: 'v5' } }, { 'x-correlation-id': 'corr-ev' });
    await recorder.waitForEvent(before + 1);
    const call = recorder.calls[recorder.calls.length - 1];
    expect(call).toMatchObject({ kind: 'event', protocol: 'mqtt', payload: { n: 'v5' } });
    expect(call.headers['x-correlation-id']).toBe('corr-ev');
  });
});
